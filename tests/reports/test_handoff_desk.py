"""Answering a waiting citizen without a browser: the store's take / replies / overdue, and the
officer tool's ``handoff waiting|take|reply|handback`` against a local Zalo-like server (SQLite
and PostgreSQL)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from anninh.officer.common import cli_actor
from anninh.reports.errors import ValidationError
from anninh.reports.handoff import HandoffStore, overdue_minutes
from anninh.reports.timeutil import utcnow

from .test_officer_cli import NOTIFIER, run_inprocess, zalo  # noqa: F401 (fixture)

UNIT = "Công an xã Hưng Đạo"


def test_take_is_exclusive_and_overdue_is_counted(store):
    h = HandoffStore(store.engine)
    now = utcnow()
    late = h.request(channel="zalo", sender_id="oa1:late", oa_id="oa1", unit=UNIT, hours=8,
                     now=now - timedelta(minutes=45))
    fresh = h.request(channel="zalo", sender_id="oa1:fresh", oa_id="oa1", unit=UNIT, hours=8, now=now)
    assert [x.id for x in h.waiting(units=[UNIT])] == [late.id, fresh.id]
    assert h.waiting(units=["Công an xã khác"]) == []
    assert late.overdue(30) and not fresh.overdue(30)
    assert h.overdue_count(30, units=[UNIT]) == 1 and h.overdue_count(60, units=[UNIT]) == 0
    taken = h.take(late.id, actor="officer_a")
    assert taken.taken_by == "officer_a" and taken.taken_at is not None
    assert h.overdue_count(30) == 0  # taken, however late
    with pytest.raises(ValidationError, match="already taken by officer_a"):
        h.take(late.id, actor="officer_b")
    assert h.take(late.id, actor="head", force=True).taken_by == "head"
    h.close(late.id, actor="head")
    with pytest.raises(ValidationError, match="no longer open"):
        h.take(late.id, actor="officer_a")
    r = h.record_reply(fresh.id, actor="officer_a", text="Dạ", outcome="ok", reply_to="m1")
    h.record_reply(fresh.id, actor="officer_a", text="Dạ 2", outcome="not_sent", error="gọi 0912345678")
    assert [x.text for x in h.replies(fresh.id)] == ["Dạ", "Dạ 2"] and r.outcome == "ok"
    assert "0912345678" not in h.replies(fresh.id)[1].error  # masked like every stored text
    assert h.replies_quoting("m1") == 1


def test_overdue_minutes_setting():
    assert overdue_minutes({}) == 30
    assert overdue_minutes({"HANDOFF_OVERDUE_MINUTES": "5"}) == 5
    for bad in ("abc", "0", "-3"):
        with pytest.raises(ValueError, match="HANDOFF_OVERDUE_MINUTES"):
            overdue_minutes({"HANDOFF_OVERDUE_MINUTES": bad})


def test_officer_tool_take_reply_hand_back(db, zalo):  # noqa: F811
    store = db.store()
    h = HandoffStore(store.engine)
    req = h.request(channel="zalo", sender_id="oa-1:user-7", oa_id="oa-1", unit=UNIT, hours=8,
                    transcript=[{"who": "citizen", "text": "cho toi gap can bo"}], now=utcnow() - timedelta(hours=1))
    env = {"FAKE_ZALO_URL": zalo.url()}

    def run(*args):
        return run_inprocess(db.cli_args() + ["handoff", *args], env)

    res = run("waiting")
    assert res.returncode == 0 and f"#{req.id}" in res.stdout and "OVERDUE" in res.stdout
    assert run("take", str(req.id)).returncode == 0
    assert h.require(req.id).taken_by == cli_actor()
    res = run("reply", str(req.id), "Dạ, cán bộ xin nghe", "--notifier", NOTIFIER)
    assert res.returncode == 0, (res.stdout, res.stderr)
    assert zalo.received[-1]["user_id"] == "user-7" and zalo.received[-1]["text"] == "Dạ, cán bộ xin nghe"
    [reply] = h.replies(req.id)
    assert (reply.outcome, reply.actor) == ("ok", cli_actor())
    res = run("show", str(req.id))
    assert "Dạ, cán bộ xin nghe" in res.stdout and "[ok]" in res.stdout
    res = run("handback", str(req.id), "--note", "đã hướng dẫn")
    assert res.returncode == 0 and h.require(req.id).status == "closed"
    res = run("reply", str(req.id), "muộn rồi", "--notifier", NOTIFIER)
    assert res.returncode != 0 and "no longer open" in (res.stdout + res.stderr)
    store.close()


def test_revision_0005_keeps_open_requests(db):
    """A database at revision 0004 with an open request: after the upgrade the request is still
    open, nobody took it, no replies; then it can be taken."""
    from sqlalchemy import text

    from anninh.reports.db import writer
    from anninh.reports.migrations import current_version, migrate
    engine = db.engine()
    migrate(engine, target=4)
    now = utcnow()
    with writer(engine).begin() as conn:
        conn.execute(text("INSERT INTO report_handoffs (channel, sender_id, oa_id, unit, status, transcript, "
                          "requested_at, expires_at) VALUES ('zalo', 'oa1:old', 'oa1', :u, 'open', '[]', :r, :e)"),
                     {"u": UNIT, "r": now, "e": now + timedelta(hours=8)})
    assert migrate(engine, target=5) == [5] and current_version(engine) == 5
    assert migrate(engine) == [6]  # the later revisions keep it too
    h = HandoffStore(engine)
    [old] = h.waiting(units=[UNIT])
    assert old.taken_by is None and old.taken_at is None and h.replies(old.id) == []
    assert h.take(old.id, actor="officer_a").taken_by == "officer_a"
    engine.dispose()
