"""The Rasa InputChannel ``zalo``: ``POST /webhooks/zalo/webhook`` receives Zalo OA events.

Per request: check the signature over the raw body (401 when missing or wrong), parse the event
(400 when malformed), skip events older than ``max_event_age``, write it to the durable inbox (which
also drops redeliveries), queue the bot turn behind the user's earlier ones and answer 200 at once
(Zalo wants an answer within 2 seconds). At start, turns that a process which died had accepted but
not run are run.
"""
from __future__ import annotations

import json
import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.zalo.config import ZaloAccount, ZaloSettings, load_settings
from channels.zalo.events import BadEvent, Ignored, InboundEvent, envelope, parse_event
from channels.zalo.output import ZaloOutput
from channels.zalo.runtime import ZaloRuntime
from channels.zalo.signature import SIGNATURE_HEADER, verify

logger = logging.getLogger(__name__)


class ZaloInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "zalo"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ZaloInput":
        return cls(load_settings(credentials))

    def __init__(self, settings: ZaloSettings) -> None:
        self.settings = settings
        self.runtime = ZaloRuntime(settings)
        self.stats: Dict[str, int] = {"accepted": 0, "duplicate": 0, "ignored": 0, "bad_request": 0,
                                      "unauthorized": 0, "overflow": 0, "stale": 0, "replayed": 0}

    def output_channel(self) -> ZaloOutput:
        assert self.runtime.client is not None, "zalo channel not started"
        return ZaloOutput(self.runtime.client, self.settings, runner=self.runtime.on_bot_loop)

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Lets Rasa's HTTP API send proactive messages (sender id ``<oa_id>:<user_id>``)."""
        return self.output_channel() if self.runtime.started else None

    def _reject(self, status: int, reason: str, stat: str) -> HTTPResponse:
        self.stats[stat] += 1
        return response.json({"status": "rejected", "reason": reason}, status=status)

    def _authenticate(self, request: Request, data: Any) -> "tuple[Optional[ZaloAccount], Optional[HTTPResponse]]":
        try:
            _, oa_id, timestamp = envelope(data)
        except BadEvent as exc:
            return None, self._reject(400, str(exc), "bad_request")
        account = self.settings.account(oa_id)
        if account is None:
            logger.warning("zalo: event for OA %s, which is not configured", oa_id)
            if self.settings.verify_signature:
                return None, self._reject(401, "unknown OA", "unauthorized")
            return None, self._reject(400, "unknown OA", "bad_request")
        if self.settings.verify_signature and not verify(
                request.headers.get(SIGNATURE_HEADER), request.body, timestamp, account,
                self.settings.signature_mode):
            logger.warning("zalo: rejected an event for OA %s with a wrong signature", oa_id)
            return None, self._reject(401, "invalid signature", "unauthorized")
        return account, None

    def _job(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], event: InboundEvent,
             account: ZaloAccount, row_id: int) -> Callable[[], Awaitable[Any]]:
        metadata = event.metadata(account.unit)

        async def run_turn() -> None:
            inbox = self.runtime.inbox
            assert inbox is not None
            if not await inbox.wait_turn(event.sender_id, row_id, self.settings.order_wait):
                logger.warning("zalo: an earlier message of %s is still not done after %.0f s; answering "
                               "this one anyway", event.sender_id, self.settings.order_wait)
            outcome = "failed"
            try:
                await on_new_message(UserMessage(
                    text=event.text, output_channel=self.output_channel(), sender_id=event.sender_id,
                    input_channel=self.name(), message_id=event.msg_id, metadata=metadata))
                outcome = "ok"
            finally:
                inbox.done(row_id, outcome)

        return run_turn

    def _submit(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], event: InboundEvent,
                account: ZaloAccount, row_id: int) -> bool:
        if self.runtime.dispatcher.submit(event.sender_id, self._job(on_new_message, event, account, row_id)):
            return True
        assert self.runtime.inbox is not None
        self.runtime.inbox.done(row_id, "dropped")
        return False

    def _stale(self, event: InboundEvent) -> bool:
        try:
            sent = float(event.timestamp) / 1000.0
        except ValueError:
            return False  # not a number: the signature covered it, nothing to compare
        age = time.time() - sent
        return age > self.settings.max_event_age or age < -self.settings.max_clock_skew

    async def _ensure_started(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Start the runtime once, then run the turns that a process which is gone accepted but did
        not finish."""
        if self.runtime.started:
            return
        await self.runtime.start()
        assert self.runtime.inbox is not None
        for row_id, event in self.runtime.inbox.adopt_orphans(self.settings.max_event_age):
            account = self.settings.account(event.oa_id)
            if account is None:
                self.runtime.inbox.done(row_id, "unknown OA")
                continue
            if self._submit(on_new_message, event, account, row_id):
                self.stats["replayed"] += 1
        if self.stats["replayed"]:
            logger.warning("zalo: running %d message(s) accepted before a crash or restart but not answered",
                           self.stats["replayed"])

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        zalo_webhook = Blueprint("zalo_webhook", __name__)

        @zalo_webhook.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            await self._ensure_started(on_new_message)

        @zalo_webhook.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            await self.runtime.stop()

        @zalo_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "accounts": len(self.settings.accounts),
                                  "started": self.runtime.started,
                                  "pending_turns": self.runtime.dispatcher.pending(),
                                  "inbox_pending": self.runtime.inbox.pending() if self.runtime.inbox else None,
                                  "webhook": self.stats, "turns": self.runtime.dispatcher.stats,
                                  "api": self.runtime.client.stats if self.runtime.client else {}})

        @zalo_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            await self._ensure_started(on_new_message)
            if self.settings.verify_signature and not request.headers.get(SIGNATURE_HEADER):
                return self._reject(401, "missing signature", "unauthorized")
            try:
                data = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError):
                return self._reject(400, "body is not JSON", "bad_request")
            account, rejection = self._authenticate(request, data)
            if rejection is not None:
                return rejection
            assert account is not None
            try:
                event = parse_event(data)
            except BadEvent as exc:
                logger.warning("zalo: malformed event for OA %s: %s", account.oa_id, exc)
                return self._reject(400, str(exc), "bad_request")
            if isinstance(event, Ignored):
                self.stats["ignored"] += 1
                return response.json({"status": "ignored", "reason": event.reason})
            if self._stale(event):
                self.stats["stale"] += 1
                logger.warning("zalo: event %s for OA %s has timestamp %s, outside the accepted window; "
                               "not processed", event.dedup_key, account.oa_id, event.timestamp)
                return response.json({"status": "ignored", "reason": "stale timestamp"})
            assert self.runtime.inbox is not None
            row_id = self.runtime.inbox.accept(event)
            if row_id is None:
                self.stats["duplicate"] += 1
                logger.info("zalo: redelivered event %s ignored", event.dedup_key)
                return response.json({"status": "duplicate"})
            if not self._submit(on_new_message, event, account, row_id):
                self.stats["overflow"] += 1
                logger.warning("zalo: too many pending messages from one user of OA %s; message dropped",
                               account.oa_id)
                return response.json({"status": "dropped", "reason": "too many pending messages"})
            self.stats["accepted"] += 1
            return response.json({"status": "accepted"})

        return zalo_webhook
