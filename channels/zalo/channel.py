"""The Rasa InputChannel ``zalo``: ``POST /webhooks/zalo/webhook`` receives Zalo OA events.

Per request: check the signature over the raw body (401 when missing or wrong), parse the event
(400 when malformed), skip events older than ``max_event_age``, write it to the durable inbox (which
also drops redeliveries), wake whatever runs turns and answer 200 at once (Zalo wants an answer
within 2 seconds). Turns are claimed from the inbox (channels/zalo/runner.py) by the turn processes
(channels/zalo/worker.py; this process then only acknowledges), or, with ``turn_processes: 0`` or
without a loaded model, on this process's loop; with a shared database (``db_url``) by any node.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from anninh.ops.metrics import WEBHOOK_REQUESTS, CountingStats
from channels.zalo import metrics as zalo_metrics
from channels.zalo.config import ZaloAccount, ZaloSettings, load_settings
from channels.zalo.events import BadEvent, Ignored, InboundEvent, decode_body, envelope, parse_event
from channels.zalo.output import ZaloOutput
from channels.zalo.pool import TurnProcessPool
from channels.zalo.runtime import ZaloRuntime
from channels.zalo.serve import MODEL_VARIABLE
from channels.zalo.signature import SIGNATURE_HEADER, verify
from channels.zalo.turns import output_channel

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


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

logger = logging.getLogger(__name__)


class ZaloInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "zalo"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ZaloInput":
        return cls(load_settings(credentials), credentials=dict(credentials or {}))

    def __init__(self, settings: ZaloSettings, credentials: Optional[Dict[Text, Any]] = None) -> None:
        self.settings = settings
        self.credentials = credentials  # the turn processes build their settings from the same
        self.runtime = ZaloRuntime(settings)
        self.pool: Optional[TurnProcessPool] = None
        # Also counted in zalo_webhook_requests_total{outcome} (/metrics of the ops channel).
        self.stats: Dict[str, int] = CountingStats(WEBHOOK_REQUESTS, {
            "accepted": 0, "duplicate": 0, "ignored": 0, "bad_request": 0, "unauthorized": 0,
            "stale": 0, "replayed": 0})

    def output_channel(self) -> ZaloOutput:
        return output_channel(self.runtime)

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

    def _turn_process_spec(self, app: Any) -> Optional[Dict[str, Any]]:
        """What a turn process needs to run turns as this server would; None (with the reason
        logged) when this server cannot start them."""
        processor = getattr(getattr(getattr(app, "ctx", None), "agent", None), "processor", None)
        handed_over = os.environ.get(MODEL_VARIABLE)  # channels.zalo.serve: the server holds no model
        if processor is None and not handed_over:
            logger.warning("zalo: this server has no model loaded, so it cannot start turn processes; "
                           "bot turns run in this process instead")
            return None
        if self.credentials is None:
            logger.warning("zalo: the channel was not built from credentials, so it cannot start turn "
                           "processes; bot turns run in this process instead")
            return None
        agent = getattr(getattr(app, "ctx", None), "agent", None)
        store = getattr(agent, "tracker_store", None)
        while hasattr(store, "_tracker_store"):  # Rasa's wrappers
            store = store._tracker_store
        if type(store).__name__ == "InMemoryTrackerStore":
            logger.warning("zalo: the tracker store is in memory, so each turn process keeps its own "
                           "conversations and the HTTP API does not see them; configure an SQL tracker "
                           "store (endpoints.yml) to share them")
        if processor is None:
            model = Path(str(handed_over))
        else:
            model = Path(processor.model_path)
            if model.is_dir():
                model = model / processor.model_filename
        endpoints = self.settings.endpoints or endpoints_of_this_server()
        return {"credentials": self.credentials, "model": str(model.resolve()),
                "endpoints": str(Path(endpoints).resolve()) if endpoints else None,
                "log_level": logging.getLevelName(logging.getLogger("rasa").getEffectiveLevel()),
                "idle_priority": self.settings.turn_process_idle}

    async def _ensure_started(self, on_new_message: OnNewMessage, app: Any = None) -> None:
        """Start the runtime (and the turn processes) once, then run the turns that a process
        which is gone accepted but did not finish."""
        if self.runtime.started:
            return
        spec = self._turn_process_spec(app) if self.settings.turn_processes else None
        await self.runtime.start(handle=on_new_message if spec is None else None)
        assert self.runtime.inbox is not None
        self.stats["replayed"] = self.runtime.inbox.pending()
        if spec is not None and self.pool is None:
            self.pool = TurnProcessPool(self.settings.turn_processes, self.runtime.inbox, spec)
            await self.pool.start()
        if self.stats["replayed"]:
            logger.warning("zalo: %d message(s) accepted earlier are not answered yet (a restart, a crash, "
                           "or other nodes' work in progress); they are run now", self.stats["replayed"])
        self._wake()

    async def _stop(self) -> None:
        if self.pool is not None:
            await self.pool.stop()
            self.pool = None
        await self.runtime.stop()

    def _health(self) -> Dict[str, Any]:
        pool = self.pool.status() if self.pool is not None else None
        runner = self.runtime.runner
        return {"status": "ok", "accounts": len(self.settings.accounts), "started": self.runtime.started,
                "ready": self.runtime.started and (pool is None or pool["ready"] == pool["processes"]),
                "turn_processes": pool,
                "running_turns": runner.running() if runner else None,
                "inbox_pending": self.runtime.inbox.pending() if self.runtime.inbox else None,
                "webhook": self.stats, "turns": runner.stats if runner else None,
                "api": self.runtime.client.stats if self.runtime.client else {}}

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        zalo_webhook = Blueprint("zalo_webhook", __name__)
        zalo_metrics.watch(self)

        @zalo_webhook.listener("after_server_start")
        async def start(app: Any, loop: Any) -> None:
            await self._ensure_started(on_new_message, app)

        @zalo_webhook.listener("before_server_stop")
        async def stop(app: Any, loop: Any) -> None:
            await self._stop()

        @zalo_webhook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json(self._health())

        @zalo_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            await self._ensure_started(on_new_message, request.app)
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

        return zalo_webhook
