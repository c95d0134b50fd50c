"""Runs bot turns from the inbox: claims work, runs up to ``slots`` turns at once, renews the leases;
and what one turn is (``turn_runner``: the claimed message handed to Rasa, the row marked done).

Wherever turns run (a turn process, or the server's own bot loop), the same loop claims the next free
row from the inbox (the sender's earliest not done, see channels/zalo/inbox.py), so one user's turns
run one at a time and in order on whichever process or node claims them. It claims when woken (a new
event was accepted here, or a turn just finished) and every ``poll`` seconds, which is how it takes
over the rows of a process or node that died once their leases run out. It claims one row at a time
and only while its loop is free, so work spreads over the processes that have CPU to spare.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Set

from channels.zalo.inbox import Claimed

logger = logging.getLogger(__name__)

CHANNEL_NAME = "zalo"
RunTurn = Callable[[Claimed], Awaitable[Any]]
Handler = Callable[[Any], Awaitable[Any]]  # Rasa's on_new_message, or an agent's handle_message


class TurnRunner:
    def __init__(self, inbox: Any, run_turn: RunTurn, slots: int = 8, lease: float = 30.0,
                 max_age: float = 6 * 3600.0, poll: float = 1.0) -> None:
        self.inbox = inbox
        self._run_turn = run_turn
        self.slots = max(1, slots)
        self.lease = lease
        self.max_age = max_age
        self.poll = poll
        self._started = False
        self._wake: Optional[asyncio.Event] = None
        self._tasks: Set["asyncio.Task[Any]"] = set()
        self._main: Optional["asyncio.Task[Any]"] = None
        self._stopping = False
        self.stats: Dict[str, int] = {"claimed": 0, "done": 0, "failed": 0}

    def running(self) -> int:
        return len(self._tasks)

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start claiming on the running loop. Idempotent."""
        if not self._started:
            self._started = True
            self._wake = asyncio.Event()
            self._main = asyncio.ensure_future(self._claim_forever())

    def wake(self) -> None:
        """New work may be claimable."""
        if self._wake is not None:
            self._wake.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming and let the running turns finish (up to ``timeout``)."""
        if not self._started:
            return
        self._stopping = True
        self.wake()
        try:
            await self._drain(timeout)
        except Exception:  # noqa: BLE001
            logger.exception("zalo: error while finishing bot turns")
        self._started = False

    async def _drain(self, timeout: float) -> None:
        if self._main is not None:
            self._main.cancel()
            await asyncio.gather(self._main, return_exceptions=True)
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=timeout)
        if self._tasks:
            logger.warning("zalo: stopping with %d bot turn(s) unfinished; another process takes them "
                           "over when their leases run out", len(self._tasks))

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
                    # The inbox's queries in a thread: this loop runs the other turns meanwhile.
                    claimed = await asyncio.to_thread(self.inbox.claim_next, self.lease, self.max_age)
                    if claimed is None:
                        break
                    self.stats["claimed"] += 1
                    task = asyncio.ensure_future(self._run(claimed))
                    self._tasks.add(task)
                    # Let the turn run its CPU-bound part first: this process claims more only
                    # while its turns wait (action server, Zalo API), so an idle process, on this
                    # node or another, takes the next message instead of queueing it here.
                    await asyncio.sleep(0)
                if self._tasks and loop.time() - renewed >= renew_every:
                    await asyncio.to_thread(self.inbox.renew, self.lease)
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


def turn_runner(runtime: Any, handle: Handler) -> RunTurn:
    """One bot turn for one claimed row: hand the message to Rasa (``handle``) with an output channel
    that counts the answers delivered, then mark the row done. Rasa is imported here, not with the
    module: the acknowledging server (channels/zalo/serve.py) imports this module without Rasa."""
    from rasa.core.channels.channel import UserMessage

    from channels.zalo.output import Delivery, output_channel

    settings = runtime.settings

    async def run_turn(claimed: Claimed) -> None:
        inbox = runtime.inbox
        event = claimed.event
        account = settings.account(event.oa_id)
        outcome = "failed"
        try:
            if account is None:
                outcome = "unknown OA"
                return
            if claimed.sent:
                logger.warning("zalo: taking over a turn that a stopped process had begun; its first %d "
                               "answer message(s) were delivered already and are not sent again", claimed.sent)
            delivery = Delivery(inbox, claimed.row_id, claimed.sent)
            await handle(UserMessage(
                text=event.text, output_channel=output_channel(runtime, delivery), sender_id=event.sender_id,
                input_channel=CHANNEL_NAME, message_id=event.msg_id, metadata=event.metadata(account.unit)))
            outcome = "ok"
        finally:
            await asyncio.to_thread(inbox.done, claimed.row_id, outcome)

    return run_turn
