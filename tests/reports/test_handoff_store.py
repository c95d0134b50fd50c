"""Requests to talk to an officer, on a real SQLite file and on PostgreSQL: open, extend, expire,
hand back, privacy of the transcript, and the officer tool end to end."""
from datetime import timedelta

import pytest

from anninh.reports.errors import NotFoundError, ValidationError
from anninh.reports.handoff import HandoffStore
from anninh.reports.timeutil import utcnow

from anninh.officer.common import cli_actor

from .test_officer_cli import run_inprocess

TRANSCRIPT = [{"who": "citizen", "text": "đăng ký tạm trú cần gì"},
              {"who": "bot", "text": "Dạ, Đăng ký tạm trú ..."},
              {"who": "citizen", "text": "số của tôi 0912345678, cho tôi gặp cán bộ"}]


def test_request_current_extend_and_close(store):
    h = HandoffStore(store.engine)
    now = utcnow()
    first = h.request(channel="zalo", sender_id="oa1:u1", oa_id="oa1", unit="Công an xã Hưng Đạo",
                      hours=8, reason="cho tôi gặp cán bộ", transcript=TRANSCRIPT, now=now)
    assert first.status == "open" and first.expires_at == now + timedelta(hours=8)
    assert h.current("zalo", "oa1:u1", now=now + timedelta(hours=1)).id == first.id
    assert h.current("zalo", "oa1:other") is None and h.current("rest", "oa1:u1") is None
    # the phone number never reaches the database
    assert "0912345678" not in str(first.transcript) and first.transcript[0]["text"] == "đăng ký tạm trú cần gì"
    again = h.request(channel="zalo", sender_id="oa1:u1", hours=8, now=now + timedelta(hours=2))
    assert again.id == first.id and again.expires_at == now + timedelta(hours=10)
    closed = h.close(first.id, actor="Đại úy Nam", note="đã hướng dẫn")
    assert closed.status == "closed" and closed.closed_by == "Đại úy Nam"
    assert h.current("zalo", "oa1:u1") is None
    with pytest.raises(ValidationError, match="already closed"):
        h.close(first.id, actor="Đại úy Nam")


def test_expired_request_stops_silencing_and_a_new_one_is_opened(store):
    h = HandoffStore(store.engine)
    old = utcnow() - timedelta(hours=10)
    first = h.request(channel="zalo", sender_id="oa1:u2", hours=8, now=old)
    assert h.current("zalo", "oa1:u2") is None
    second = h.request(channel="zalo", sender_id="oa1:u2", hours=8)
    assert second.id != first.id and h.get(first.id).status == "closed"
    assert [x.id for x in h.list(status="open")] == [second.id]


def test_bad_input_is_refused_and_nothing_is_written(store):
    h = HandoffStore(store.engine)
    with pytest.raises(ValidationError):
        h.request(channel="", sender_id="x", hours=8)
    with pytest.raises(ValidationError):
        h.request(channel="zalo", sender_id="x", hours=0)
    with pytest.raises(NotFoundError):
        h.close(12345, actor="A")
    with pytest.raises(ValidationError):
        h.list(status="maybe")
    assert h.list() == []


def test_officer_tool_lists_shows_and_hands_back(db):
    store = db.store()
    h = HandoffStore(store.engine)
    opened = h.request(channel="zalo", sender_id="oa1:u3", unit="Công an xã Hưng Đạo", hours=8,
                       reason="gặp cán bộ", transcript=TRANSCRIPT)
    res = run_inprocess(db.cli_args() + ["handoff", "list", "--status", "open"])
    assert res.returncode == 0 and f"#{opened.id}" in res.stdout and "silent" in res.stdout
    res = run_inprocess(db.cli_args() + ["handoff", "show", str(opened.id)])
    assert res.returncode == 0 and "Người dân: đăng ký tạm trú cần gì" in res.stdout
    assert "0912345678" not in res.stdout
    res = run_inprocess(db.cli_args() + ["handoff", "close", str(opened.id), "--note", "xong"])
    assert res.returncode == 0, res.stderr
    assert h.current("zalo", "oa1:u3") is None and h.get(opened.id).closed_by == cli_actor()  # cli:<OS user>
    store.close()
