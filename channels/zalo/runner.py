"""Runs bot turns from the inbox: claims work, runs up to ``slots`` turns at once, renews the leases.

Wherever turns run (a turn process, or the server's own bot loop), the same loop claims the next free
row from the inbox (the sender's earliest not done, see channels/zalo/inbox.py), so one user's turns
run one at a time and in order on whichever process or node claims them. It claims when woken (a new
event was accepted here, or a turn just finished) and every ``poll`` seconds, which is how it takes
over the rows of a process or node that died once their leases run out.

With ``threaded=True`` the loop lives on a dedicated event loop in its own thread: CPU-heavy NLU
there cannot hold up Sanic's loop, which only has to acknowledge webhooks.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any, Awaitable, Callable, Dict, Optional, Set

from channels.zalo.inbox import Claimed

logger = logging.getLogger(__name__)

RunTurn = Callable[[Claimed], Awaitable[Any]]


class TurnRunner:
    def __init__(self, inbox: Any, run_turn: RunTurn, slots: int = 8, lease: float = 30.0,
                 max_age: float = 6 * 3600.0, poll: float = 1.0, threaded: bool = False) -> None:
        self.inbox = inbox
        self._run_turn = run_turn
        self.slots = max(1, slots)
        self.lease = lease
        self.max_age = max_age
        self.poll = poll
        self._threaded = threaded
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._wake: Optional[asyncio.Event] = None
        self._tasks: Set["asyncio.Task[Any]"] = set()
        self._main: Optional["asyncio.Task[Any]"] = None
        self._stopping = False
        self.stats: Dict[str, int] = {"claimed": 0, "done": 0, "failed": 0}

    @property
    def loop(self) -> Optional[asyncio.AbstractEventLoop]:
        return self._loop

    def running(self) -> int:
        return len(self._tasks)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start claiming on the running loop, or on a new bot-loop thread. Idempotent."""
        if self._loop is not None:
            return
        if not self._threaded:
            self._loop = asyncio.get_running_loop()
            self._begin()
            return
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            self._begin()
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="zalo-bot-loop", daemon=True)
        self._thread.start()
        ready.wait()

    def _begin(self) -> None:
        self._wake = asyncio.Event()
        self._main = asyncio.ensure_future(self._claim_forever())

    def wake(self) -> None:
        """New work may be claimable (callable from any thread)."""
        loop, event = self._loop, self._wake
        if loop is None or event is None:
            return
        if self._threaded:
            loop.call_soon_threadsafe(event.set)
        else:
            event.set()

    def run_on_bot_loop(self, coro: Awaitable[Any]) -> Awaitable[Any]:
        """Run ``coro`` on the bot loop (where the HTTP sessions and token locks live)."""
        loop = self._loop
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if loop is None or current is loop:
            return coro
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))  # type: ignore[arg-type]

    async def stop(self, timeout: float = 10.0,
                   last: Optional[Callable[[], Awaitable[Any]]] = None) -> None:
        """Stop claiming, let the running turns finish (up to ``timeout``), run ``last()`` on the bot
        loop, stop the bot thread."""
        if self._loop is None:
            return
        self._stopping = True
        self.wake()
        try:
            await self.run_on_bot_loop(self._drain(timeout, last))
        except Exception:  # noqa: BLE001
            logger.exception("zalo: error while finishing bot turns")
        if self._threaded:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 5.0)
        self._loop = None

    async def _drain(self, timeout: float, last: Optional[Callable[[], Awaitable[Any]]]) -> None:
        if self._main is not None:
            self._main.cancel()
            await asyncio.gather(self._main, return_exceptions=True)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        if self._tasks:
            logger.warning("zalo: stopping with %d bot turn(s) unfinished; another process takes them "
                           "over when their leases run out", len(self._tasks))
        if last is not None:
            await last()

    # ---------------------------------------------------------------------- work
    async def _claim_forever(self) -> None:
        assert self._wake is not None
        renew_every = max(0.05, self.lease / 3)
        loop = asyncio.get_running_loop()
        renewed = loop.time()
        while not self._stopping:
            self._wake.clear()
            try:
                while len(self._tasks) < self.slots and not self._stopping:
                    claimed = self.inbox.claim_next(self.lease, self.max_age)
                    if claimed is None:
                        break
                    self.stats["claimed"] += 1
                    task = asyncio.ensure_future(self._run(claimed))
                    self._tasks.add(task)
                if self._tasks and loop.time() - renewed >= renew_every:
                    self.inbox.renew(self.lease)
                    renewed = loop.time()
            except Exception:  # noqa: BLE001 - the database may be back at the next round
                logger.exception("zalo: could not claim work from the inbox")
            timeout = min(self.poll, renew_every) if self._tasks else self.poll
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except asyncio.TimeoutError:
                pass

    async def _run(self, claimed: Claimed) -> None:
        try:
            await self._run_turn(claimed)
            self.stats["done"] += 1
        except Exception:  # noqa: BLE001 - one failed turn must not stop the others
            self.stats["failed"] += 1
            logger.exception("zalo: bot turn failed")
        finally:
            self._tasks.discard(asyncio.current_task())  # type: ignore[arg-type]
            if self._wake is not None:
                self._wake.set()  # a slot is free, and the sender's next row may be claimable
