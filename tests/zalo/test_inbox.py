"""The durable inbox (SQLite and PostgreSQL): redeliveries, one user's rows claimed in order across
processes, leases and takeover of rows left by a dead process."""
from __future__ import annotations

import sqlite3
import os
import threading
import time

import pytest

from channels.zalo.events import InboundEvent
from channels.zalo.inbox import Inbox, event_from_json, event_to_json, process_identity
from channels.zalo.inbox_pg import PgInbox

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


@pytest.fixture(params=["sqlite", "postgresql"])
def open_two(request, tmp_path):
    """Two processes' views of one inbox (owners "A" and "B"), in SQLite or PostgreSQL."""
    if request.param == "sqlite":
        path = str(tmp_path / "z.db")
        return lambda owner: Inbox(path, owner=owner)
    url = request.getfixturevalue("pg_url")
    return lambda owner: PgInbox(url, owner=owner)


def test_a_redelivery_to_the_other_process_is_refused(open_two):
    a, b = open_two("A"), open_two("B")
    assert a.accept(event(msg="same")) is not None
    assert b.accept(event(msg="same")) is None
    assert b.pending() == 1


def test_one_users_rows_are_claimed_one_at_a_time_in_order(open_two):
    a, b = open_two("A"), open_two("B")
    first = a.accept(event(msg="1"))
    second = b.accept(event(msg="2"))
    other_user = b.accept(event(user="u2", msg="3"))
    got = a.claim_next(lease=30, max_age=3600)
    assert got.row_id == first and got.event.msg_id == "1" and got.sent == 0
    # B may not take u1's second message while the first runs: it gets the other user's
    assert b.claim_next(lease=30, max_age=3600).row_id == other_user
    assert b.claim_next(lease=30, max_age=3600) is None
    a.done(first)
    assert b.claim_next(lease=30, max_age=3600).row_id == second
    assert b.row(second)["owner"] == "B"


def test_an_expired_lease_is_taken_over_with_the_answers_already_sent(open_two):
    a, b = open_two("A"), open_two("B")
    row = a.accept(event(msg="1"))
    a.claim_next(lease=0.3, max_age=3600)
    a.mark_sent(row, 2)  # A delivered two answer messages, then died
    assert b.claim_next(lease=30, max_age=3600) is None
    time.sleep(0.4)
    taken = b.claim_next(lease=30, max_age=3600)
    assert taken.row_id == row and taken.sent == 2


def test_renewed_leases_stay_and_released_rows_are_free_at_once(open_two):
    a, b = open_two("A"), open_two("B")
    row = a.accept(event(msg="1"))
    a.claim_next(lease=0.5, max_age=3600)
    time.sleep(0.3)
    assert a.renew(lease=0.5) == 1
    time.sleep(0.3)
    assert b.claim_next(lease=30, max_age=3600) is None  # renewed: still A's
    assert b.release(["A"]) == 1
    assert b.claim_next(lease=30, max_age=3600).row_id == row


def test_rows_older_than_the_window_are_closed_not_run(open_two):
    a = open_two("A")
    row_id = a.accept(event(msg="old"), now=time.time() - 7200)
    assert a.claim_next(lease=30, max_age=3600) is None
    assert a.row(row_id)["outcome"] == "expired"


def test_concurrent_claimers_take_each_row_once_and_each_users_rows_in_order(open_two):
    inboxes = [open_two(f"P{i}") for i in range(4)]
    rows = {}
    for n in range(60):
        user = f"u{n % 6}"
        rows[inboxes[n % 4].accept(event(user=user, msg=f"c{n}"))] = user
    claims: list = []
    lock = threading.Lock()

    def work(inbox) -> None:
        idle = 0
        while idle < 20:
            got = inbox.claim_next(lease=30, max_age=3600)
            if got is None:
                idle += 1
                time.sleep(0.005)
                continue
            idle = 0
            with lock:
                claims.append(got.row_id)
            time.sleep(0.001)
            inbox.done(got.row_id)

    threads = [threading.Thread(target=work, args=(inbox,)) for inbox in inboxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(claims) == sorted(rows)  # each once
    for user in set(rows.values()):
        mine = [r for r in claims if rows[r] == user]
        assert mine == sorted(mine), user


def test_process_identity_names_the_process_and_the_machine():
    me = process_identity()
    local, _, host = me.partition("@")
    pid, _, start = local.partition(":")
    assert int(pid) == os.getpid() and start.isdigit() and host  # Linux: /proc gives the start time
    assert process_identity() == me  # the pool computes a turn process's identity from its pid
