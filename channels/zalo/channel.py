"""The Rasa InputChannel ``zalo`` (``channels.zalo.ZaloInput`` in credentials.yml), for a server run
by ``rasa run``: the webhook of channels/zalo/webhook.py, with the turn process(es) started from the
model this server loaded, or, with ``turn_processes: 0`` or without a model, turns on this server's
loop. ``python -m channels.zalo.serve`` does not use this class when the server only acknowledges.
"""
from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint

from channels.zalo.config import ZaloSettings, load_settings
from channels.zalo.output import ZaloOutput, output_channel
from channels.zalo.webhook import ZaloWebhook

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
logger = logging.getLogger(__name__)


def endpoints_of_this_server(argv: Optional[List[str]] = None) -> Optional[str]:
    """The endpoints file given to ``rasa run --endpoints`` (Rasa keeps no record of it), or Rasa's
    default ``endpoints.yml`` when that exists."""
    args = sys.argv if argv is None else argv
    for i, arg in enumerate(args):
        if arg == "--endpoints" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--endpoints="):
            return arg.split("=", 1)[1]
    return "endpoints.yml" if Path("endpoints.yml").is_file() else None


class ZaloInput(ZaloWebhook, InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "zalo"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ZaloInput":
        return cls(load_settings(credentials), credentials=dict(credentials or {}))

    def __init__(self, settings: ZaloSettings, credentials: Optional[Dict[Text, Any]] = None) -> None:
        ZaloWebhook.__init__(self, settings, credentials)

    def output_channel(self) -> ZaloOutput:
        return output_channel(self.runtime)

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Lets Rasa's HTTP API send proactive messages (sender id ``<oa_id>:<user_id>``)."""
        return self.output_channel() if self.runtime.started else None

    def _turn_process_spec(self, app: Any) -> Optional[Dict[str, Any]]:
        """What a turn process needs to run turns as this server would; None (with the reason
        logged) when this server cannot start them."""
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        processor = getattr(agent, "processor", None)
        if processor is None or self.credentials is None:
            logger.warning("zalo: this server has no model loaded or the channel was not built from "
                           "credentials, so it cannot start turn processes; bot turns run in this process")
            return None
        store = getattr(agent, "tracker_store", None)
        while hasattr(store, "_tracker_store"):  # Rasa's wrappers
            store = store._tracker_store
        if type(store).__name__ == "InMemoryTrackerStore":
            logger.warning("zalo: the tracker store is in memory, so each turn process keeps its own "
                           "conversations and the HTTP API does not see them; configure an SQL tracker "
                           "store (endpoints.yml) to share them")
        model = Path(processor.model_path)
        if model.is_dir():
            model = model / processor.model_filename
        endpoints = endpoints_of_this_server()
        return {"credentials": self.credentials, "model": str(model.resolve()),
                "endpoints": str(Path(endpoints).resolve()) if endpoints else None,
                "log_level": logging.getLevelName(logging.getLogger("rasa").getEffectiveLevel())}

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        async def start(app: Any) -> None:
            if not self.runtime.started:
                spec = self._turn_process_spec(app) if self.settings.turn_processes else None
                await self.start(handle=on_new_message, spec=spec)

        return self.routes(start)
