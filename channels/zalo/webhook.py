"""The acknowledging side of the Zalo channel, without Rasa: ``POST /webhooks/zalo/webhook``.

Per request: check the signature over the raw body (401 when missing or wrong), parse the event
(400 when malformed), skip events older than ``max_event_age``, write it to the durable inbox (which
also drops redeliveries), wake whatever runs turns and answer 200 at once (Zalo wants an answer
within 2 seconds). Turns are claimed from the inbox (channels/zalo/runner.py) by the turn process
(channels/zalo/pool.py; this process then only acknowledges), or, with ``turn_processes: 0`` or
without a model, on this process's loop; with a shared database (``db_url``) by any node.

``ZaloWebhook`` is served by the acknowledging server (channels/zalo/serve.py), which holds no model
and imports neither Rasa nor TensorFlow, and by Rasa through ``ZaloInput`` (channels/zalo/channel.py).
"""
from __future__ import annotations

import logging
import time
from typing import Any, Awaitable, Callable, Dict, Optional

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from anninh.ops.metrics import WEBHOOK_REQUESTS, CountingStats
from channels.zalo import metrics as zalo_metrics
from channels.zalo.config import ZaloAccount, ZaloSettings
from channels.zalo.events import BadEvent, Ignored, InboundEvent, decode_body, envelope, parse_event
from channels.zalo.pool import TurnProcessPool
from channels.zalo.runner import Handler
from channels.zalo.runtime import ZaloRuntime
from channels.zalo.signature import SIGNATURE_HEADER, verify

logger = logging.getLogger(__name__)

Start = Callable[[Any], Awaitable[None]]  # (Sanic app) -> starts the channel once


class ZaloWebhook:
    def __init__(self, settings: ZaloSettings, credentials: Optional[Dict[str, Any]] = None) -> None:
        self.settings = settings
        self.credentials = credentials  # the turn processes build their settings from the same
        self.runtime = ZaloRuntime(settings)
        self.pool: Optional[TurnProcessPool] = None
        # Also counted in zalo_webhook_requests_total{outcome} (/metrics of the ops routes).
        self.stats: Dict[str, int] = CountingStats(WEBHOOK_REQUESTS, {
            "accepted": 0, "duplicate": 0, "ignored": 0, "bad_request": 0, "unauthorized": 0,
            "stale": 0, "replayed": 0})

    # ------------------------------------------------------------------ lifecycle
    async def start(self, handle: Optional[Handler] = None, spec: Optional[Dict[str, Any]] = None) -> None:
        """Start the runtime once: with ``spec`` (channels/zalo/pool.py), turns run in turn
        processes; else on this loop through ``handle``. Then run the turns that a process which is
        gone accepted but did not finish."""
        if self.runtime.started:
            return
        await self.runtime.start(handle=handle if spec is None else None)
        assert self.runtime.inbox is not None
        self.stats["replayed"] = self.runtime.inbox.pending()
        if spec is not None and self.pool is None:
            self.pool = TurnProcessPool(self.settings.turn_processes, self.runtime.inbox, spec)
            await self.pool.start()
        if self.stats["replayed"]:
            logger.warning("zalo: %d message(s) accepted earlier are not answered yet (a restart, a crash, "
                           "or other nodes' work in progress); they are run now", self.stats["replayed"])
        self._wake()

    async def stop(self) -> None:
        if self.pool is not None:
            await self.pool.stop()
            self.pool = None
        await self.runtime.stop()

    def health(self) -> Dict[str, Any]:
        pool = self.pool.status() if self.pool is not None else None
        runner = self.runtime.runner
        return {"status": "ok", "accounts": len(self.settings.accounts), "started": self.runtime.started,
                "ready": self.runtime.started and (pool is None or pool["ready"] == pool["processes"]),
                "turn_processes": pool,
                "running_turns": runner.running() if runner else None,
                "inbox_pending": self.runtime.inbox.pending() if self.runtime.inbox else None,
                "webhook": self.stats, "turns": runner.stats if runner else None,
                "api": self.runtime.client.stats if self.runtime.client else {}}

    # ------------------------------------------------------------------- requests
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

    def _wake(self) -> None:
        if self.pool is not None:
            self.pool.wake()
        else:
            self.runtime.wake()

    def _stale(self, event: InboundEvent) -> bool:
        try:
            sent = float(event.timestamp) / 1000.0
        except ValueError:
            return False  # not a number: the signature covered it, nothing to compare
        age = time.time() - sent
        return age > self.settings.max_event_age or age < -self.settings.max_clock_skew

    async def accept(self, request: Request) -> HTTPResponse:
        if self.settings.verify_signature and not request.headers.get(SIGNATURE_HEADER):
            return self._reject(401, "missing signature", "unauthorized")
        try:
            data = decode_body(request.body)
        except BadEvent as exc:
            return self._reject(400, str(exc), "bad_request")
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
        self._wake()
        self.stats["accepted"] += 1
        return response.json({"status": "accepted"})

    def routes(self, start: Start) -> Blueprint:
        """``GET /`` (the channel's state) and ``POST /webhook``, started by ``start`` (at server
        start, or at the first request if that comes first)."""
        zalo_webhook = Blueprint("zalo_webhook", __name__)
        zalo_metrics.watch(self)

        @zalo_webhook.listener("after_server_start")
        async def started(app: Any, loop: Any) -> None:
            await start(app)

        @zalo_webhook.listener("before_server_stop")
        async def stopping(app: Any, loop: Any) -> None:
            await self.stop()

        @zalo_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json(self.health())

        @zalo_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            await start(request.app)
            return await self.accept(request)

        return zalo_webhook
