"""Rasa OutputChannel that answers through the Zalo OA message API.

The recipient id is the Rasa sender id ``"<oa_id>:<user_id>"``: the answer goes to that user through
that OA's account. A failed send is logged (code and meaning) and does not break the bot turn.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Iterable, List, Optional

from rasa.core.channels.channel import OutputChannel

from channels.zalo.client import ZaloClient
from channels.zalo.config import ZaloSettings
from channels.zalo.errors import ZaloError
from channels.zalo.events import split_sender_id
from channels.zalo.formatting import image_message, plan_text_with_buttons, split_text, text_message

logger = logging.getLogger(__name__)


class Delivery:
    """The answer messages of one inbox row: counted in the row as they are delivered, and those a
    process that died mid-turn had delivered already (``already``) are skipped when the turn is run
    again, so the citizen gets each answer once."""

    def __init__(self, inbox: Any, row_id: int, already: int = 0) -> None:
        self.inbox, self.row_id, self.already, self.count = inbox, row_id, already, 0

    def next_is_new(self) -> bool:
        self.count += 1
        return self.count > self.already

    def delivered(self) -> None:
        self.inbox.mark_sent(self.row_id, self.count)


class ZaloOutput(OutputChannel):
    @classmethod
    def name(cls) -> str:
        return "zalo"

    def __init__(self, client: ZaloClient, settings: ZaloSettings, delivery: Optional[Delivery] = None) -> None:
        self.client = client
        self.settings = settings
        self._delivery = delivery

    async def _send(self, recipient_id: str, messages: Iterable[Dict[str, Any]]) -> None:
        try:
            oa_id, user_id = split_sender_id(recipient_id)
        except ValueError:
            logger.error("zalo: cannot answer %r: not a '<oa_id>:<user_id>' sender id", recipient_id)
            return
        if self.settings.account(oa_id) is None:
            logger.error("zalo: cannot answer through OA %s: not configured", oa_id)
            return
        delivery = self._delivery
        for message in messages:
            if delivery is not None and not delivery.next_is_new():
                continue  # delivered before a crash
            try:
                await self.client.send_message(oa_id, user_id, message)
            except ZaloError as exc:
                # Already logged with its meaning by the client; later parts would fail the same way.
                logger.warning("zalo: answer to a user of OA %s dropped: %s", oa_id, exc)
                return
            if delivery is not None:
                # Written at once, on the loop: a message Zalo accepted but not yet counted is sent
                # again if this process dies now, and a hop to a worker thread would widen that
                # window from about a millisecond to however long the thread pool is busy.
                delivery.delivered()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._send(recipient_id, [text_message(p) for p in split_text(text, self.settings.text_limit)])

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: List[Dict[str, Any]],
                                     **kwargs: Any) -> None:
        await self._send(recipient_id, plan_text_with_buttons(
            text or "", buttons, self.settings.text_limit, self.settings.max_buttons,
            self.settings.more_buttons_text))

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: List[Dict[str, Any]],
                                 **kwargs: Any) -> None:
        await self.send_text_with_buttons(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._send(recipient_id, [image_message(image)])

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        if isinstance(attachment, dict):
            await self._send(recipient_id, [{"attachment": attachment}])
        else:
            await self.send_text_message(recipient_id, str(attachment))

    async def send_custom_json(self, recipient_id: str, json_message: Dict[str, Any], **kwargs: Any) -> None:
        """Pass a Zalo ``message`` object through (e.g. a request_user_info template).

        Accepted forms: ``{"zalo": {...message...}}``, ``{"message": {...}}`` or the message itself.
        """
        message: Optional[Any] = json_message
        if isinstance(json_message, dict):
            if isinstance(json_message.get("zalo"), dict):
                message = json_message["zalo"]
            if isinstance(message, dict) and isinstance(message.get("message"), dict):
                message = message["message"]
        if not isinstance(message, dict) or not message:
            logger.error("zalo: custom payload is not a Zalo message object; not sent")
            return
        await self._send(recipient_id, [message])


def output_channel(runtime: Any, delivery: Optional[Delivery] = None) -> ZaloOutput:
    assert runtime.client is not None, "zalo channel not started"
    return ZaloOutput(runtime.client, runtime.settings, delivery=delivery)
