"""The Rasa InputChannel ``zalo`` (``channels.zalo.ZaloInput`` in credentials.yml), for a server run
by ``rasa run`` (with the HTTP API or a REST channel): the webhook of channels/zalo/webhook.py, with
the bot turns on this server's loop, since it holds the model anyway. A node runs
``python -m channels.zalo.serve`` instead: its acknowledging server, without Rasa, uses
``ZaloWebhook`` directly and leaves the turns to the turn process (channels/zalo/pool.py).
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint

from channels.zalo.config import ZaloSettings, load_settings
from channels.zalo.output import ZaloOutput, output_channel
from channels.zalo.webhook import ZaloWebhook

logger = logging.getLogger(__name__)


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

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        async def start(app: Any) -> None:
            if not self.runtime.started and self.settings.turn_processes:
                logger.info("zalo: rasa run holds the model, so bot turns run in this process; "
                            "python -m channels.zalo.serve runs them in a turn process")
            await self.start(handle=on_new_message)

        return self.routes(start)
