"""``python -m channels.zalo.serve [rasa run options]``: a node's server.

When the credentials file lists nothing but the Zalo channel (with ``turn_processes`` ≥ 1) and the
ops channel, and no option needs Rasa in this process (the HTTP API, remote storage, a model server),
this process only acknowledges: a small Sanic app that imports neither Rasa nor TensorFlow (about
160 MB less than a Rasa server without a model) and serves

- ``POST /webhooks/zalo/webhook`` (signature check, inbox insert, 200) and ``GET /webhooks/zalo/``,
- with the ops channel: ``/metrics``, ``/health/live``, ``/health/ready``, masked (or JSON) logs,

and starts the turn process (channels/zalo/pool.py), which loads the model (``--model``) with the
endpoints file (``--endpoints``) and runs the turns. Otherwise it is plain ``rasa run`` with the same
options, and says why.
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

ACK_ONLY_CHANNELS = {"channels.ops.OpsInput", "channels.zalo.ZaloInput", "channels.zalo.channel.ZaloInput"}
OPS_CHANNEL = "channels.ops.OpsInput"
# Of `rasa run`'s options, those the acknowledging server honours; any other means `rasa run`.
_ACK_OPTIONS = ("--model", "-m", "--credentials", "--endpoints", "--port", "-p", "--interface", "-i",
                "--verbose", "-v", "--debug", "-vv", "--quiet")

logger = logging.getLogger("channels.zalo.serve")


def parse_args(argv: List[str]) -> Tuple[argparse.Namespace, List[str]]:
    parser = argparse.ArgumentParser(prog="python -m channels.zalo.serve", add_help=False)
    parser.add_argument("-m", "--model", default="models")
    parser.add_argument("--credentials", default="credentials.yml")
    parser.add_argument("--endpoints", default="endpoints.yml")
    parser.add_argument("-p", "--port", type=int, default=5005)
    parser.add_argument("-i", "--interface", default="0.0.0.0")
    parser.add_argument("-v", "--verbose", dest="loglevel", action="store_const", const=logging.INFO)
    parser.add_argument("-vv", "--debug", dest="loglevel", action="store_const", const=logging.DEBUG)
    parser.add_argument("--quiet", dest="loglevel", action="store_const", const=logging.WARNING)
    parser.add_argument("--enable-api", action="store_true")
    parser.add_argument("--remote-storage")
    parser.add_argument("--connector")
    return parser.parse_known_args(argv)


def read_yaml(path: str) -> Optional[Dict[str, Any]]:
    """A YAML file with ``${VAR}`` expanded, as Rasa reads it; None when there is no such file."""
    import yaml

    from channels.zalo.config import _expand_env

    file = Path(path)
    if not file.is_file():
        return None
    return _expand_env(yaml.safe_load(file.read_text(encoding="utf-8")) or {}, os.environ, path)


def why_model_needed(args: Any, credentials: Optional[Dict[str, Any]],
                     endpoints: Optional[Dict[str, Any]] = None, unknown: Optional[List[str]] = None) -> Optional[str]:
    """None when this server can run without the model (and Rasa), else the reason it cannot."""
    if getattr(args, "enable_api", False):
        return "the HTTP API (--enable-api) parses and predicts in this process"
    if getattr(args, "remote_storage", None):
        return "the model comes from remote storage (--remote-storage)"
    if getattr(args, "connector", None):
        return f"the channel {args.connector} (--connector) runs its turns in this process"
    if unknown:
        return f"the option(s) {' '.join(unknown)} are rasa run's"
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
    if (endpoints or {}).get("models"):
        return "the model comes from a model server (endpoints: models)"
    return None


def find_model(path: str) -> Optional[Path]:
    """The model file ``path`` names, or the newest ``*.tar.gz`` in that folder (as ``rasa run``)."""
    found = Path(path)
    if found.is_dir():
        models = sorted(found.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
        return models[-1].resolve() if models else None
    return found.resolve() if found.is_file() else None


def ack_app(credentials: Dict[str, Any], spec: Dict[str, Any]) -> Any:
    """The acknowledging server's Sanic app, for the credentials file and the turn process's spec
    (model, endpoints file, log level; the zalo channel's section is added here)."""
    with_ops = OPS_CHANNEL in credentials
    if with_ops:
        from anninh.ops import multiproc

        multiproc.prepare()  # before anything imports prometheus_client: the turn process's metrics
    from sanic import Sanic, response

    from anninh.ops.health import register_check
    from anninh.ops.logs import install_logging
    from channels.zalo.config import load_settings
    from channels.zalo.webhook import ZaloWebhook

    section = dict(next(value for name, value in credentials.items() if "Zalo" in name) or {})
    webhook = ZaloWebhook(load_settings(section), credentials=section)
    app = Sanic("zalo_ack", configure_logging=False)

    async def start(app: Any) -> None:
        await webhook.start(spec={**spec, "credentials": section})

    app.blueprint(webhook.routes(start), url_prefix="/webhooks/zalo")

    @app.get("/")
    async def hello(request: Any) -> Any:
        return response.text("Zalo channel: acknowledging server (the turn process holds the model)")

    if with_ops:
        from anninh.ops.sanic_routes import add_ops_routes

        install_logging("rasa")
        register_check("model", lambda app: (True, "held by the Zalo turn process (zalo check)"))
        add_ops_routes(app)

        @app.listener("before_server_start")
        async def logging_of_this_worker(app: Any, loop: Any) -> None:
            install_logging("rasa")
    return app


def main(argv: Optional[List[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args, unknown = parse_args(argv)
    level = args.loglevel or logging.getLevelName(os.environ.get("LOG_LEVEL", "INFO").upper())
    level = level if isinstance(level, int) else logging.INFO
    sys.path.insert(1, os.getcwd())  # as rasa: custom modules of the project are found
    try:
        credentials = read_yaml(args.credentials)
        endpoints = read_yaml(args.endpoints)
    except Exception as exc:  # noqa: BLE001 - rasa run reports it its own way
        credentials, endpoints, reason = None, None, f"reading the configuration failed ({exc})"
    else:
        reason = why_model_needed(args, credentials, endpoints, unknown)
    model = find_model(args.model) if reason is None else None
    if reason is None and model is None:
        print(f"error: no model for the turn process in {args.model}", file=sys.stderr)
        return 1
    if reason is not None:
        logging.basicConfig(level=level)
        logger.info("zalo: this server loads the model itself (rasa run): %s", reason)
        from rasa.__main__ import main as rasa_main

        sys.argv = ["rasa", "run", *argv]
        rasa_main()
        return 0
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)-8s %(name)s  - %(message)s")
    assert credentials is not None
    app = ack_app(credentials, {"model": str(model), "log_level": logging.getLevelName(level),
                                "endpoints": str(Path(args.endpoints).resolve()) if endpoints is not None else None})
    logger.info("zalo: this server only acknowledges; the model %s is loaded by the turn process", model)
    workers = int(os.environ.get("SANIC_WORKERS", "1") or 1)
    app.run(host=args.interface, port=args.port, workers=workers, access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
