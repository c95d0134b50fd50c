"""The durable inbox: redeliveries, arrival order across processes, and turns left by a dead process."""
from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from channels.zalo.events import InboundEvent
from channels.zalo.inbox import Inbox, event_from_json, event_to_json, owner_alive, process_identity

ROOT = Path(__file__).resolve().parents[2]
OA = "4300000000000001"


def event(user: str = "u1", msg: str = "m1", text: str = "tạm trú cần gì") -> InboundEvent:
    return InboundEvent(event_name="user_send_text", oa_id=OA, user_id=user, text=text,
                        dedup_key=f"msg:{OA}:{msg}", timestamp=str(int(time.time() * 1000)), msg_id=msg,
                        attachments=[{"type": "image", "url": "https://photo.zdn.vn/a.jpg"}])


def test_accept_once_and_remember_across_reopen(tmp_path):
    path = str(tmp_path / "sub" / "z.db")
    inbox = Inbox(path)
    first = inbox.accept(event(msg="a"))
    assert first is not None
    assert inbox.accept(event(msg="a")) is None
    second = inbox.accept(event(msg="b"))
    assert second is not None and second > first
    inbox.close()
    again = Inbox(path)
    assert again.accept(event(msg="a")) is None
    row = again.row(first)
    assert row["sender"] == f"{OA}:u1" and row["done_at"] is None
    assert event_from_json(row["event"]).msg_id == "a"


def test_event_round_trips_through_json():
    original = event(text="Xin chào 👋")
    assert event_from_json(event_to_json(original)) == original


def test_only_done_rows_are_pruned(tmp_path):
    inbox = Inbox(str(tmp_path / "z.db"), retention=100)
    done = inbox.accept(event(msg="old"), now=1000.0)
    pending = inbox.accept(event(msg="pending"), now=1000.0)
    inbox.done(done, now=1000.0)
    assert inbox.prune(now=1200.0) == 1
    assert inbox.accept(event(msg="old")) is not None  # forgotten after the retention
    assert inbox.row(pending) is not None


def test_the_earlier_seen_events_table_is_migrated(tmp_path):
    path = str(tmp_path / "z.db")
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE zalo_seen_events (key TEXT PRIMARY KEY, seen_at REAL NOT NULL)")
    conn.execute("INSERT INTO zalo_seen_events VALUES (?, ?)", (f"msg:{OA}:seen", time.time()))
    conn.commit()
    conn.close()
    inbox = Inbox(path)
    assert inbox.accept(event(msg="seen")) is None
    assert inbox.pending() == 0
    tables = {r[0] for r in sqlite3.connect(path).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "zalo_seen_events" not in tables


async def test_a_turn_waits_for_the_same_users_earlier_message_in_another_worker(tmp_path):
    path = str(tmp_path / "z.db")
    worker_a, worker_b = Inbox(path, owner="1:a"), Inbox(path, owner="2:b")
    first = worker_a.accept(event(msg="1"))
    second = worker_b.accept(event(msg="2"))
    other_user = worker_b.accept(event(user="u2", msg="3"))
    assert await worker_b.wait_turn(f"{OA}:u2", other_user, timeout=1)  # not held by u1
    assert not await worker_b.wait_turn(f"{OA}:u1", second, timeout=0.05)
    waiting = asyncio.ensure_future(worker_b.wait_turn(f"{OA}:u1", second, timeout=5))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    worker_a.done(first)
    assert await asyncio.wait_for(waiting, 1)


def test_owner_identity_tells_live_dead_and_reused_pids():
    me = process_identity()
    assert owner_alive(me)
    pid, _, start = me.partition(":")
    assert start.isdigit()  # Linux: /proc gives the start time
    assert not owner_alive(f"{pid}:{int(start) + 1}")  # same pid, but another process
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not owner_alive(f"{proc.pid}:1")
    assert not owner_alive("garbage")


CRASHING_WORKER = textwrap.dedent("""
    import os, sys, time
    sys.path.insert(0, {root!r})
    from channels.zalo.events import InboundEvent
    from channels.zalo.inbox import Inbox
    inbox = Inbox({path!r})
    for i in range(3):
        inbox.accept(InboundEvent(event_name="user_send_text", oa_id="{oa}", user_id="u9", text=f"câu {{i}}",
                                  dedup_key=f"msg:{oa}:crash{{i}}", timestamp=str(int(time.time() * 1000)),
                                  msg_id=f"crash{{i}}"))
    os._exit(9)  # killed before any turn ran
""")


def test_turns_of_a_process_that_died_are_adopted_in_order(tmp_path):
    path = str(tmp_path / "z.db")
    script = CRASHING_WORKER.format(root=str(ROOT), path=path, oa=OA)
    assert subprocess.run([sys.executable, "-c", script]).returncode == 9
    survivor = Inbox(path)
    live = Inbox(path, owner=process_identity())  # this process: alive, never adopted from
    live.accept(event(msg="mine"))
    adopted = survivor.adopt_orphans(max_age=3600)
    assert [e.text for _, e in adopted] == ["câu 0", "câu 1", "câu 2"]
    assert [row_id for row_id, _ in adopted] == sorted(row_id for row_id, _ in adopted)
    assert survivor.adopt_orphans(max_age=3600) == []  # now owned by a live process


def test_orphans_older_than_the_window_are_closed_not_run(tmp_path):
    path = str(tmp_path / "z.db")
    dead = Inbox(path, owner="999999999:1")
    row_id = dead.accept(event(msg="old"), now=time.time() - 7200)
    survivor = Inbox(path)
    assert survivor.adopt_orphans(max_age=3600) == []
    assert survivor.row(row_id)["outcome"] == "expired"
