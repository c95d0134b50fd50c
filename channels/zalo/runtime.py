"""The connector's long-lived parts, created at server start: stores, token refresher, API client,
and (where this process runs bot turns) the turn runner. Kept apart from the Sanic blueprint so it
can be started and stopped in tests."""
from __future__ import annotations

import asyncio
import logging
from typing import Optional

from channels.zalo.client import ZaloClient
from channels.zalo.config import ZaloSettings
from channels.zalo.http import SessionPool
from channels.zalo.inbox import InboxBase, open_inbox
from channels.zalo.runner import Handler, TurnRunner, turn_runner
from channels.zalo.tokens import OAuthClient, TokenRegistry, TokenStore, open_token_store

logger = logging.getLogger(__name__)


class ZaloRuntime:
    def __init__(self, settings: ZaloSettings) -> None:
        self.settings = settings
        self.sessions = SessionPool(settings.request_timeout)
        self.runner: Optional[TurnRunner] = None
        self.inbox: Optional[InboxBase] = None
        self.token_store: Optional[TokenStore] = None
        self.tokens: Optional[TokenRegistry] = None
        self.client: Optional[ZaloClient] = None
        self._refresher: Optional["asyncio.Future[None]"] = None
        self._start_lock = asyncio.Lock()

    @property
    def started(self) -> bool:
        return self.client is not None

    async def start(self, handle: Optional[Handler] = None) -> None:
        """Open the stores and the API client; with ``handle``, also run bot turns in this process."""
        async with self._start_lock:
            if self.started:
                return
            s = self.settings
            if not s.verify_signature:
                logger.warning("zalo: WEBHOOK SIGNATURE VERIFICATION IS OFF (verify_signature: false). "
                               "Anyone can post events as any user. Use this for local testing only.")
            self.inbox = open_inbox(s)
            self.token_store = open_token_store(s)
            oauth = OAuthClient(s.oauth_base_url, self.sessions, max_retries=s.max_retries,
                                backoff_base=s.backoff_base)
            self.tokens = TokenRegistry(s.accounts.values(), self.token_store, oauth, margin=s.refresh_margin)
            self.tokens.seed_from_config()
            self.client = ZaloClient(s.api_base_url, self.tokens, self.sessions, max_retries=s.max_retries,
                                     backoff_base=s.backoff_base, backoff_max=s.backoff_max)
            if handle is not None:
                self.runner = TurnRunner(self.inbox, turn_runner(self, handle), slots=s.turn_slots,
                                         lease=s.lease, max_age=s.max_event_age, poll=s.claim_poll)
            if self.runner is not None:
                self.runner.start()
            self._refresher = asyncio.ensure_future(self._refresh_forever())
            where = "this process" if self.runner is not None else "the turn process(es)"
            logger.info("zalo: channel started with %d OA(s), store %s, API %s, turns in %s",
                        len(s.accounts), "PostgreSQL" if s.db_url else s.db_path, s.api_base_url, where)

    def wake(self) -> None:
        if self.runner is not None:
            self.runner.wake()

    async def _refresh_forever(self) -> None:
        s = self.settings
        while True:
            try:
                assert self.tokens is not None
                await self.tokens.refresh_due(s.refresh_margin + s.refresh_check_interval)
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001
                logger.exception("zalo: token refresher error")
            await asyncio.sleep(s.refresh_check_interval)

    async def stop(self) -> None:
        if not self.started:
            return
        if self._refresher is not None:
            self._refresher.cancel()
            self._refresher = None
        if self.runner is not None:
            try:
                await self.runner.stop(timeout=10.0)
            except Exception:  # noqa: BLE001
                logger.exception("zalo: error while finishing bot turns")
        await self.sessions.close_current()
        assert self.inbox is not None and self.token_store is not None
        self.inbox.close()
        self.token_store.close()
        self.client = None
        logger.info("zalo: channel stopped")
