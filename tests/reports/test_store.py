"""The store on SQLite files and PostgreSQL: create, durability, parallel codes, privacy,
transitions, audit."""
import json
import logging
import re
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import update

from anninh import PROJECT_ROOT
from anninh.reports import (AttachmentIn, InvalidTransitionError, NewReport, NotFoundError,
                            Requester, ValidationError)
from anninh.reports.codes import parse_code
from anninh.reports.schema import reports as reports_t
from anninh.reports.store import resolve_unit
from anninh.reports.texts import load_reports_content
from anninh.reports.timeutil import to_vn, utcnow, vn_year

from .helpers import DEFAULT_UNIT, snapshot

OFFICER = "Đại úy Hoàng Văn Nam"


def new_report(**kw):
    base = dict(kind="to_giac", description="Có người lạ trộm trâu lúc nửa đêm", place_text="xóm Nà Vạ, xã Hà Quảng",
                incident_time_text="khoảng 11 giờ đêm qua", sender_id="zalo-user-1", oa_id="oa-caobang",
                contact_name="Nông Văn Dền", contact_phone="0912 345 678",
                attachments=[AttachmentIn("https://cdn.example/a.jpg", "image"), "https://cdn.example/b.mp4"])
    base.update(kw)
    return NewReport(**base)


def test_create_and_read_back(store):
    sub = store.create_report(new_report(latitude=22.6657, longitude=106.2579))
    year = vn_year(utcnow())
    assert sub.code == f"TG-{year}-000001" and not sub.duplicate
    assert sub.unit == DEFAULT_UNIT and sub.unit_source == "default"
    r = store.get(sub.code)
    assert r.kind == "to_giac" and r.status == "received" and not r.anonymous
    assert r.contact_phone == "0912345678" and r.contact_name == "Nông Văn Dền"
    assert (r.latitude, r.longitude) == (22.6657, 106.2579)
    assert [(a.position, a.url, a.media_type, a.status) for a in r.attachments] == [
        (1, "https://cdn.example/a.jpg", "image", "pending"), (2, "https://cdn.example/b.mp4", "file", "pending")]
    trail = store.audit_trail(sub.code)
    assert [e.action for e in trail] == ["created"] and trail[0].details["attachments"] == 2
    # sequences are per kind and per year
    assert store.create_report(new_report()).code == f"TG-{year}-000002"
    assert store.create_report(new_report(kind="phan_anh")).code == f"PA-{year}-000001"
    assert store.create_report(new_report(kind="kien_nghi")).code == f"KN-{year}-000001"
    assert store.create_report(new_report(kind="tin_bao")).code == f"TB-{year}-000001"


def test_anonymous_reports(store):
    sub = store.create_report(new_report(contact_name=None, contact_phone=None))
    r = store.get(sub.code)
    assert r.anonymous and r.contact_name is None and r.contact_phone is None
    with pytest.raises(ValidationError, match="anonymous"):
        store.create_report(new_report(anonymous=True))


@pytest.mark.parametrize("bad, match", [
    (dict(kind="trom_cap"), "unknown kind"),
    (dict(description="   "), "description"),
    (dict(contact_phone="abc"), "phone"),
    (dict(latitude=91.0, longitude=1.0), "out of range"),
    (dict(latitude=22.0), "both latitude and longitude"),
    (dict(attachments=["file:///etc/passwd"]), "http"),
    (dict(channel=""), "channel"),
    (dict(description="x" * 20001), "too long"),
])
def test_bad_input_stores_nothing(db, store, bad, match):
    before = snapshot(store.engine)
    with pytest.raises(ValidationError, match=match):
        store.create_report(new_report(**bad))
    assert snapshot(store.engine) == before


def test_nul_bytes_and_control_characters_are_cleaned(store):
    sub = store.create_report(new_report(description="trộm\x00 xe\x07 máy\nở chợ"))
    assert store.get(sub.code).description == "trộm xe máy\nở chợ"


def test_committed_before_code_returned_and_durable_across_reopen(db):
    store = db.store()
    codes = [store.create_report(new_report(description=f"vụ {i}")).code for i in range(3)]
    other = db.store(migrate_first=False)  # another engine/connection sees it at once
    assert [other.get(c).description for c in codes] == ["vụ 0", "vụ 1", "vụ 2"]
    other.close()
    store.close()  # close the engine, reopen the file / server
    reopened = db.store(migrate_first=False)
    assert [reopened.get(c).code for c in codes] == codes
    assert reopened.create_report(new_report()).code.endswith("-000004")
    reopened.close()
    if db.backend == "sqlite":
        assert (db.tmp / "reports.db").stat().st_size > 0


def test_unique_codes_under_parallel_threads(db):
    store = db.store()
    n_threads, per_thread = 8, 10
    barrier = threading.Barrier(n_threads)
    codes, errors = [], []
    lock = threading.Lock()

    def worker(t):
        try:
            barrier.wait()
            mine = [store.create_report(new_report(sender_id=f"t{t}", description=f"{t}-{i}")).code
                    for i in range(per_thread)]
            with lock:
                codes.extend(mine)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert len(codes) == len(set(codes)) == n_threads * per_thread
    assert sorted(parse_code(c).seq for c in codes) == list(range(1, n_threads * per_thread + 1))
    assert store.count() == n_threads * per_thread
    store.close()


def test_unique_codes_under_parallel_processes(sqlite_db):
    """Separate OS processes submitting at the same moment; each exits abruptly after printing.
    (SQLite only: there the lock is a file lock shared by processes; PostgreSQL row locks do not
    care whether the sessions come from threads or processes, see the threads test.)"""
    db = sqlite_db
    store = db.store()
    go = db.tmp / "go"
    n_procs, per_proc = 4, 12
    args = [db.url, str(per_proc)]
    procs = [subprocess.Popen([sys.executable, "-m", "tests.reports.submit_worker", *args, f"p{p}", str(go),
                               *( [db.schema] if db.schema else [])],
                              cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for p in range(n_procs)]
    go.touch()
    codes = []
    for p in procs:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        codes.extend(json.loads(out.strip().splitlines()[-1]))
    assert len(codes) == len(set(codes)) == n_procs * per_proc
    assert sorted(parse_code(c).seq for c in codes) == list(range(1, n_procs * per_proc + 1))
    # every code printed by a process that died without closing anything is in the database
    assert all(store.get(c) is not None for c in codes)
    store.close()


def test_idempotent_submit(store):
    first = store.create_report(new_report(idempotency_key="conv-42-1"))
    again = store.create_report(new_report(idempotency_key="conv-42-1", description="retry"))
    assert again.duplicate and again.code == first.code
    assert store.count() == 1
    other_sender = store.create_report(new_report(idempotency_key="conv-42-1", sender_id="zalo-user-2"))
    assert not other_sender.duplicate and other_sender.code != first.code


def test_lookup_only_for_the_sender(store):
    sub = store.create_report(new_report(sender_id="zalo-user-1"))
    me = Requester("zalo", "zalo-user-1")
    view = store.lookup(sub.code, me)
    assert view.code == sub.code and view.status == "received" and view.kind == "to_giac"
    assert not hasattr(view, "contact_phone") and not hasattr(view, "sender_id")
    assert store.lookup(sub.code.lower().replace("-", " "), me).code == sub.code
    year = parse_code(sub.code).year
    unknown = f"TG-{year}-000999"
    answers = {
        "someone else": store.lookup(sub.code, Requester("zalo", "zalo-user-2")),
        "same id, other channel": store.lookup(sub.code, Requester("messenger", "zalo-user-1")),
        "unknown code": store.lookup(unknown, me),
        "malformed code": store.lookup("xin chào", me),
        "empty sender": store.lookup(sub.code, Requester("zalo", "")),
    }
    assert all(a is None for a in answers.values()), answers
    with pytest.raises(TypeError):
        store.lookup(sub.code, "zalo-user-1")
    content = load_reports_content()
    assert content.lookup_text(view).startswith("Tố giác tội phạm mã " + sub.code)
    assert [v.code for v in store.reports_of(me)] == [sub.code]
    assert store.reports_of(Requester("zalo", "zalo-user-2")) == []


def test_anonymous_report_without_sender_cannot_be_looked_up(store):
    sub = store.create_report(new_report(sender_id=None, contact_name=None, contact_phone=None))
    assert store.lookup(sub.code, Requester("zalo", "")) is None
    assert store.lookup(sub.code, Requester("zalo", "anyone")) is None


def test_transitions_and_audit(store):
    code = store.create_report(new_report()).code
    with pytest.raises(InvalidTransitionError, match="cannot change status from received to resolved"):
        store.transition(code, "resolved", actor=OFFICER)
    store.assign(code, "Trung úy Lục Thị Mai", actor=OFFICER, note="xác minh tại chỗ")
    r = store.transition(code, "in_progress", actor=OFFICER)
    assert r.status == "in_progress" and r.closed_at is None
    with pytest.raises(InvalidTransitionError, match="already in_progress"):
        store.transition(code, "in_progress", actor=OFFICER)
    with pytest.raises(ValidationError, match="note is required"):
        store.transition(code, "transferred", actor=OFFICER)
    with pytest.raises(InvalidTransitionError):
        store.publish_result(code, "Đã xử lý.", actor=OFFICER)
    r = store.transition(code, "transferred", actor="Thiếu tá Bế", note="Chuyển VKSND huyện")
    assert r.status == "transferred" and r.closed_at is not None
    for status in ("in_progress", "resolved", "received"):
        with pytest.raises(InvalidTransitionError):
            store.transition(code, status, actor=OFFICER)
    with pytest.raises(InvalidTransitionError, match="closed"):
        store.assign(code, "ai đó", actor=OFFICER)
    with pytest.raises(ValidationError, match="officer name"):
        store.transition(code, "resolved", actor="  ")
    with pytest.raises(NotFoundError):
        store.transition("TG-2000-000001", "in_progress", actor=OFFICER)
    trail = store.audit_trail(code)
    assert [(e.action, e.old_value, e.new_value, e.actor) for e in trail] == [
        ("created", None, "received", "citizen"),
        ("assigned", None, "Trung úy Lục Thị Mai", OFFICER),
        ("status", "received", "in_progress", OFFICER),
        ("status", "in_progress", "transferred", "Thiếu tá Bế"),
    ]
    assert trail[1].note == "xác minh tại chỗ" and trail[3].note == "Chuyển VKSND huyện"


def test_publish_result_is_masked(store):
    code = store.create_report(new_report(description="Đêm 12/3 có người lạ dắt trộm hai con trâu của "
                                                      "gia đình tôi ra khỏi chuồng rồi đi về phía suối")).code
    store.transition(code, "in_progress", actor=OFFICER)
    store.transition(code, "resolved", actor=OFFICER)
    before = snapshot(store.engine)
    for text, match in [("   ", "empty"),
                        ("Đã xác minh: có người lạ dắt trộm hai con trâu của gia đình tôi ra khỏi chuồng.",
                         "repeats the report's content")]:
        with pytest.raises(ValidationError, match=match):
            store.publish_result(code, text, actor=OFFICER)
    assert snapshot(store.engine) == before
    # the sender's name and hamlet are masked even where no rule would see them; the commune stays
    officer_text = ("Đã bắt đối tượng Lò Văn Pao tại Nà Vạ, xã Hà Quảng, trả lại trâu cho Dền; "
                    "liên hệ 0912345678 để nhận giấy xác nhận.")
    expected = ("Đã bắt đối tượng [họ tên] tại [địa chỉ], xã Hà Quảng, trả lại trâu cho [họ tên]; "
                "liên hệ [số điện thoại] để nhận giấy xác nhận.")
    preview = store.preview_publication(code, officer_text)
    assert preview.text == expected
    assert [preview.source[s.start:s.end] for s in preview.spans] == ["Lò Văn Pao", "Nà Vạ", "Dền", "0912345678"]
    assert snapshot(store.engine) == before  # a preview changes nothing
    r = store.publish_result(code, officer_text, actor=OFFICER)
    assert r.published_result == expected and r.published_at is not None
    r = store.publish_result(code, "Đã khởi tố vụ án.", actor=OFFICER)
    entries = [e for e in store.audit_trail(code) if e.action == "published"]
    assert [(e.old_value, e.new_value) for e in entries] == [(None, expected), (expected, "Đã khởi tố vụ án.")]
    view = store.lookup(code, Requester("zalo", "zalo-user-1"))
    assert view.published_result == "Đã khởi tố vụ án." and view.status == "resolved"


def test_concurrent_transitions_only_one_wins(db):
    store = db.store()
    code = store.create_report(new_report()).code
    barrier = threading.Barrier(6)
    outcomes = []

    def go(i):
        barrier.wait()
        try:
            store.transition(code, "in_progress", actor=f"officer {i}")
            outcomes.append("ok")
        except InvalidTransitionError:
            outcomes.append("refused")

    threads = [threading.Thread(target=go, args=(i,)) for i in range(6)]
    [t.start() for t in threads]
    [t.join(30) for t in threads]
    assert Counter(outcomes) == {"ok": 1, "refused": 5}
    assert [e.action for e in store.audit_trail(code)].count("status") == 1
    store.close()


def test_list_filters(store):
    a = store.create_report(new_report(kind="to_giac", unit="Công an phường Thục Phán")).code
    b = store.create_report(new_report(kind="phan_anh", unit="Công an xã Hà Quảng")).code
    c = store.create_report(new_report(kind="phan_anh", unit="Công an xã Hà Quảng")).code
    store.transition(c, "in_progress", actor=OFFICER)
    store.assign(b, "Mai", actor=OFFICER)
    # b and c received last year (Vietnam time)
    last_year = utcnow().replace(year=utcnow().year - 1)
    with store.engine.begin() as conn:
        conn.execute(update(reports_t).where(reports_t.c.code.in_([b])).values(created_at=last_year))
    codes = lambda rs: [r.code for r in rs]  # noqa: E731
    assert codes(store.list_reports()) == [c, a, b]
    assert codes(store.list_reports(unit="Công an xã Hà Quảng")) == [c, b]
    assert codes(store.list_reports(kind="phan_anh", status="received")) == [b]
    assert codes(store.list_reports(assigned_to="Mai")) == [b]
    today = to_vn(utcnow()).date()
    assert codes(store.list_reports(since=today - timedelta(days=1))) == [c, a]
    assert codes(store.list_reports(until=to_vn(last_year).date())) == [b]
    assert codes(store.list_reports(since=to_vn(last_year).date(), until=to_vn(last_year).date())) == [b]
    assert codes(store.list_reports(limit=1)) == [c]
    assert store.units() == ["Công an phường Thục Phán", "Công an xã Hà Quảng"]
    with pytest.raises(ValidationError):
        store.list_reports(status="bogus")


def test_unit_resolution(db):
    store = db.store(oa_units={"oa-thucphan": "Công an phường Thục Phán"})
    seen = []

    def commune_matcher(place):
        seen.append(place)
        return "Công an xã Hà Quảng" if "Hà Quảng" in place else None

    by_oa = store.create_report(new_report(oa_id="oa-thucphan"), unit_resolver=commune_matcher)
    assert (by_oa.unit, by_oa.unit_source) == ("Công an phường Thục Phán", "oa")
    by_place = store.create_report(new_report(oa_id="oa-province"), unit_resolver=commune_matcher)
    assert (by_place.unit, by_place.unit_source) == ("Công an xã Hà Quảng", "place")
    fallback = store.create_report(new_report(oa_id="oa-province", place_text="chợ trung tâm"),
                                   unit_resolver=commune_matcher)
    assert (fallback.unit, fallback.unit_source) == (DEFAULT_UNIT, "default")
    explicit = store.create_report(new_report(unit="Công an xã Trà Lĩnh"), unit_resolver=commune_matcher)
    assert explicit.unit_source == "explicit"
    assert seen == ["xóm Nà Vạ, xã Hà Quảng", "chợ trung tâm"]
    store.close()


def test_broken_unit_resolver_never_loses_the_report(store, caplog):
    def broken(place):
        raise RuntimeError("matcher crashed on 0912345678")

    with caplog.at_level(logging.ERROR, logger="anninh.reports.store"):
        sub = store.create_report(new_report(), unit_resolver=broken)
    assert store.get(sub.code) is not None and sub.unit_source == "default"
    assert "0912345678" not in caplog.text and "[PHONE]" in caplog.text


def test_store_logs_never_contain_phone_or_id(store, caplog):
    with caplog.at_level(logging.DEBUG, logger="anninh"):
        sub = store.create_report(new_report(description="CCCD 004123456789, gọi 0987654321",
                                             contact_phone="0912345678"))
        store.transition(sub.code, "in_progress", actor=OFFICER)
    assert sub.code in caplog.text
    for secret in ("004123456789", "0987654321", "0912345678", "Nông Văn Dền"):
        assert secret not in caplog.text


def test_resolve_unit_function_without_store():
    r = NewReport(kind="tin_bao", description="x", place_text="xã A")
    assert resolve_unit(r) == (None, "none")
    assert resolve_unit(r, unit_resolver=lambda p: "CA xã A") == ("CA xã A", "place")


def test_code_format_matches_issue(store):
    code = store.create_report(new_report(kind="phan_anh")).code
    assert re.fullmatch(r"PA-\d{4}-\d{6}", code)
