"""``python -m channels.zalo.serve [rasa run options]``: ``rasa run``, without the model when nothing
in this process needs it.

With the Zalo channel's turn processes (``turn_processes`` ≥ 1), the Rasa server process only
acknowledges webhooks, yet ``rasa run`` still loads the model into it: about 0.6 GB that no turn
uses. This starts the same server (same options, channels, endpoints, tracker and lock stores, HTTP
routes) with an agent that has no model, and hands the model ``rasa run`` would have loaded to the
turn processes (``MODEL_VARIABLE``, read by ``channels.zalo.channel``).

It does so only when every chat channel of the credentials file runs its turns elsewhere, that is
when the file lists nothing but the Zalo channel with turn processes and the ops channel, and the
HTTP API (``--enable-api``: ``/model/parse``, ``/conversations/…/predict``) is off. Otherwise (a REST
channel, ``turn_processes: 0``, the API, a model server or remote storage) it is plain ``rasa run``,
and says why. Readiness (``/health/ready``) then means: the turn processes have loaded the model.
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional

MODEL_VARIABLE = "ZALO_TURN_MODEL"
ACK_ONLY_CHANNELS = {"channels.ops.OpsInput", "channels.zalo.ZaloInput", "channels.zalo.channel.ZaloInput"}

logger = logging.getLogger("channels.zalo.serve")


def why_model_needed(args: Any, credentials: Optional[Dict[str, Any]]) -> Optional[str]:
    """None when this server can run without the model, else the reason it cannot."""
    if getattr(args, "enable_api", False):
        return "the HTTP API (--enable-api) parses and predicts in this process"
    if getattr(args, "remote_storage", None):
        return "the model comes from remote storage (--remote-storage)"
    if getattr(args, "connector", None):
        return f"the channel {args.connector} (--connector) runs its turns in this process"
    if not credentials:
        return "no credentials file lists the zalo channel"
    others = sorted(name for name in credentials if name not in ACK_ONLY_CHANNELS)
    if others:
        return f"the channel(s) {', '.join(others)} run their turns in this process"
    zalo = [section for name, section in credentials.items() if "Zalo" in name]
    if not zalo:
        return "no zalo channel"
    from channels.zalo.config import ZaloSettings

    if not int((zalo[0] or {}).get("turn_processes", ZaloSettings.turn_processes)):
        return "the zalo channel has turn_processes: 0 (turns in this process)"
    return None


def main(argv: Optional[List[str]] = None) -> int:
    import rasa
    from rasa.__main__ import create_argument_parser
    from rasa.cli.utils import get_validated_path
    from rasa.core.utils import AvailableEndpoints
    from rasa.shared.constants import DEFAULT_CREDENTIALS_PATH, DEFAULT_ENDPOINTS_PATH, DEFAULT_MODELS_PATH
    from rasa.shared.utils.io import read_config_file
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog
    from rasa.utils.tensorflow.environment import setup_tf_environment

    args = create_argument_parser().parse_args(["run", *(sys.argv[1:] if argv is None else argv)])
    configure_logging_and_warnings(args.loglevel, args.logging_config_file, warn_only_once=True,
                                   filter_repeated_logs=True)
    configure_structlog(args.loglevel)
    sys.path.insert(1, os.getcwd())  # as rasa: custom modules of the project are found

    args.endpoints = get_validated_path(args.endpoints, "endpoints", DEFAULT_ENDPOINTS_PATH, True)
    args.credentials = get_validated_path(args.credentials, "credentials", DEFAULT_CREDENTIALS_PATH, True)
    credentials = read_config_file(args.credentials) if args.credentials else None
    reason = why_model_needed(args, credentials)
    endpoints = AvailableEndpoints.read_endpoints(args.endpoints)
    if reason is None and endpoints.model is not None:
        reason = "the model comes from a model server (endpoints: model)"
    model = None
    if reason is None:
        from rasa.exceptions import ModelNotFound
        from rasa.model import get_local_model

        try:
            model = get_local_model(args.model or DEFAULT_MODELS_PATH)
        except ModelNotFound as exc:
            print(f"error: no model for the turn processes: {exc}", file=sys.stderr)
            return 1
    if model is None:
        logger.info("zalo: this server loads the model itself: %s", reason)
        setup_tf_environment()
        args.func(args)  # plain `rasa run`
        return 0
    os.environ[MODEL_VARIABLE] = str(Path(model).resolve())
    logger.info("zalo: this server only acknowledges; the model %s is loaded by the turn processes", model)
    args.model = None  # an agent with the endpoints' stores and no model
    rasa.run(**vars(args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
