"""Runs bot turns in the background, one at a time and in arrival order for each sender.

The webhook handler calls ``submit`` and answers at once. Each sender with work has one worker task
that drains its queue and then goes away, so idle users cost nothing.

With ``threaded=True`` the workers live on a dedicated event loop in its own thread: CPU-heavy NLU
on that loop then cannot hold up Sanic's loop, which only has to acknowledge webhooks.
"""
from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from typing import Any, Awaitable, Callable, Deque, Dict, Optional, Set

logger = logging.getLogger(__name__)

Job = Callable[[], Awaitable[Any]]


class OrderedDispatcher:
    def __init__(self, max_pending_per_key: int = 100, threaded: bool = False) -> None:
        self._max_pending = max_pending_per_key
        self._threaded = threaded
        self._queues: Dict[str, Deque[Job]] = {}
        self._tasks: Set["asyncio.Task[None]"] = set()
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()  # guards _queues between the webhook thread and the bot loop
        self.stats: Dict[str, int] = {"submitted": 0, "rejected": 0, "failed": 0, "done": 0}

    @property
    def loop(self) -> Optional[asyncio.AbstractEventLoop]:
        return self._loop

    def start(self) -> None:
        """Bind to the running loop, or start the bot-loop thread. Idempotent."""
        if self._loop is not None:
            return
        if not self._threaded:
            self._loop = asyncio.get_running_loop()
            return
        ready = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            ready.set()
            loop.run_forever()
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

        self._thread = threading.Thread(target=run, name="zalo-bot-loop", daemon=True)
        self._thread.start()
        ready.wait()

    def run_on_bot_loop(self, coro: Awaitable[Any]) -> "asyncio.Future[Any]":
        """Schedule a coroutine on the bot loop and get an awaitable for the caller's loop."""
        assert self._loop is not None, "dispatcher not started"
        if not self._threaded:
            return asyncio.ensure_future(coro)
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, self._loop))  # type: ignore[arg-type]

    def pending(self) -> int:
        with self._lock:
            return sum(len(q) for q in self._queues.values())

    def submit(self, key: str, job: Job) -> bool:
        """Queue ``job`` behind the sender's earlier jobs. False when the sender's queue is full."""
        if self._loop is None:
            self.start()
        with self._lock:
            queue = self._queues.get(key)
            if queue is not None:
                if len(queue) >= self._max_pending:
                    self.stats["rejected"] += 1
                    return False
                queue.append(job)
                self.stats["submitted"] += 1
                return True
            queue = deque([job])
            self._queues[key] = queue
            self.stats["submitted"] += 1
        if self._threaded:
            self._loop.call_soon_threadsafe(self._spawn, key, queue)  # type: ignore[union-attr]
        else:
            self._spawn(key, queue)
        return True

    def _spawn(self, key: str, queue: Deque[Job]) -> None:
        # Always runs on the bot loop (directly, or through call_soon_threadsafe).
        task = self._loop.create_task(self._drain(key, queue))  # type: ignore[union-attr]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drain(self, key: str, queue: Deque[Job]) -> None:
        while True:
            with self._lock:
                if not queue:
                    self._queues.pop(key, None)
                    return
                job = queue[0]
            try:
                await job()
                self.stats["done"] += 1
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - one failed turn must not stop the user's queue
                self.stats["failed"] += 1
                logger.exception("zalo: bot turn failed")
            finally:
                with self._lock:
                    queue.popleft()

    async def wait_idle(self, timeout: float) -> bool:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self._tasks and loop.time() < deadline:
            await asyncio.sleep(0.05)
        return not self._tasks

    async def stop(self, timeout: float = 10.0) -> None:
        """Let queued turns finish (up to ``timeout``), then stop the bot loop thread."""
        if self._loop is None:
            return
        if self._threaded:
            try:
                await self.run_on_bot_loop(self.wait_idle(timeout))
            except Exception:  # noqa: BLE001
                logger.exception("zalo: error while draining bot turns")
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                await asyncio.get_running_loop().run_in_executor(None, self._thread.join, 5.0)
        else:
            await self.wait_idle(timeout)
        if self.pending():
            logger.warning("zalo: stopping with %d bot turn(s) not run", self.pending())
        self._loop = None
