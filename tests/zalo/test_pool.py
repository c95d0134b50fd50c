"""The pool of turn processes (channels/zalo/pool.py) with real child processes that speak the turn
process protocol (stub_turn_process.py: no model, the real runner) and the inbox on disk: work goes
to the free process, one user's rows in order, a crashed process restarted and its rows taken over,
a clean stop. The real turn processes run in test_integration.py."""
from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Dict, List

from channels.zalo.events import InboundEvent
from channels.zalo.inbox import Inbox
from channels.zalo.pool import TurnProcessPool

STUB = [sys.executable, str(Path(__file__).resolve().parent / "stub_turn_process.py")]


def event(user: str, n: int) -> InboundEvent:
    return InboundEvent(event_name="user_send_text", oa_id="4300000000000001", user_id=user, text=f"câu {n}",
                        dedup_key=f"{user}-{n}", timestamp=str(int(time.time() * 1000)), msg_id=f"{user}-{n}")


def taken(log: Path) -> List[List[int]]:
    """(process index, pid, row id) per taken row, in order."""
    if not log.exists():
        return []
    return [[int(x) for x in line.split()] for line in log.read_text().splitlines()]


async def until(condition, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def make_pool(tmp_path: Path, count: int = 2, **spec) -> "tuple[TurnProcessPool, Inbox, Path]":
    inbox = Inbox(str(tmp_path / "zalo.db"))
    log = tmp_path / "taken.log"
    pool = TurnProcessPool(count, inbox, {"db_path": str(tmp_path / "zalo.db"), "log": str(log), **spec},
                           command=STUB)
    return pool, inbox, log


def accept(pool: TurnProcessPool, inbox: Inbox, user: str, n: int) -> int:
    row_id = inbox.accept(event(user, n))
    assert row_id is not None
    pool.wake()
    return row_id


def test_work_goes_to_the_free_process_and_one_users_rows_stay_in_order(tmp_path):
    async def scenario() -> None:
        pool, inbox, log = make_pool(tmp_path, turn_seconds=0.3)
        await pool.start()
        try:
            await until(lambda: pool.status()["ready"] == 2)
            a_rows = [accept(pool, inbox, "a", n) for n in range(3)]
            b_row = accept(pool, inbox, "b", 0)
            await until(lambda: len(taken(log)) == 4)
            order = [row for _index, _pid, row in taken(log)]
            # one slot each: a's first and b's ran at once, in both processes; a's next ones after
            assert {taken(log)[0][0], taken(log)[1][0]} == {0, 1}
            assert set(order[:2]) == {a_rows[0], b_row}
            assert [r for r in order if r in a_rows] == a_rows
            await until(lambda: inbox.pending() == 0)
        finally:
            await pool.stop()
        assert all(p.proc.returncode is not None for p in pool.processes)

    asyncio.run(scenario())


def test_a_crashed_process_is_restarted_and_its_rows_taken_over(tmp_path):
    async def scenario() -> None:
        pool, inbox, log = make_pool(tmp_path, count=1, turn_seconds=0.2, crash_on=2, crash_index=0)
        await pool.start()
        try:
            await until(lambda: pool.status()["ready"] == 1)
            first_pid = pool.processes[0].proc.pid
            ids = [accept(pool, inbox, "u", n) for n in range(5)]  # the process dies taking the 2nd
            await until(lambda: inbox.pending() == 0, timeout=30)
            assert pool.stats["restarts"] == 1
            assert pool.processes[0].proc.pid != first_pid
            rows = {row: inbox.row(row) for row in ids}
            assert all(r["outcome"] == "ok" for r in rows.values()), rows
            # the row it died on (freed at once, not after the lease) and the later ones were run
            # by the new process, in order
            new_pid = pool.processes[0].proc.pid
            by_new = [row for _index, pid, row in taken(log) if pid == new_pid]
            assert by_new == ids[1:]
            assert pool.stats["freed"] == 1
        finally:
            await pool.stop()

    asyncio.run(scenario())


def test_events_handed_while_a_process_is_down_wait_for_it(tmp_path):
    async def scenario() -> None:
        pool, inbox, log = make_pool(tmp_path, count=1, turn_seconds=0.05)
        await pool.start()
        try:
            await until(lambda: pool.status()["ready"] == 1)
            pool.processes[0].proc.kill()
            await until(lambda: pool.processes[0].proc.returncode is not None)
            row = accept(pool, inbox, "v", 0)  # nobody to take it now
            await until(lambda: inbox.row(row)["outcome"] == "ok", timeout=30)
        finally:
            await pool.stop()

    asyncio.run(scenario())
