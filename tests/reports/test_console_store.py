"""The store's console API on SQLite and PostgreSQL: listing filters and pages, counts,
deadlines and overdue, notes, transfers between units."""
from datetime import timedelta

import pytest
from sqlalchemy import update

from anninh.reports import InvalidTransitionError, NewReport, NotFoundError, ValidationError
from anninh.reports.schema import reports as reports_t
from anninh.reports.timeutil import to_vn, utcnow

BL, HQ, TP = "Công an xã Bảo Lâm", "Công an xã Hà Quảng", "Công an phường Thục Phán"
ACTOR = "account:truong.ca.bl"


def codes(reports):
    return [r.code for r in reports]


def make(store, kind="to_giac", unit=BL, description="Mất trộm xe máy", place=None):
    return store.create_report(NewReport(kind=kind, description=description, place_text=place, unit=unit,
                                         sender_id="u1")).code


def test_due_at_from_content_per_kind(store, db):
    tg = store.require(make(store, "to_giac"))
    pa = store.require(make(store, "phan_anh"))
    assert tg.due_at == tg.received_at + timedelta(days=20)  # Điều 147 BLTTHS
    assert pa.due_at == pa.created_at + timedelta(days=30)  # the province's default in content
    assert not tg.is_overdue() and tg.is_overdue(tg.due_at + timedelta(seconds=1))
    other = db.store(deadline_days={"to_giac": 5, "tin_bao": 5, "phan_anh": 7, "kien_nghi": 7})
    r = other.require(make(other, "kien_nghi"))
    assert r.due_at == r.created_at + timedelta(days=7)
    other.close()


def test_list_and_count_filters(store):
    a = make(store, "to_giac", BL, "Trộm TRÂU ở bản Nà Vạ", place="xóm Nà Vạ")
    b = make(store, "phan_anh", HQ, "Karaoke ồn ào sau 23 giờ", place="tổ 5")
    c = make(store, "phan_anh", HQ, "Đường hỏng 100% ở_đây", place="Bản Giốc")
    d = make(store, "tin_bao", TP, "Có người lạ")
    store.transition(c, "in_progress", actor=ACTOR)
    store.assign(b, "account:mai", actor=ACTOR)
    store.transition(d, "not_competent", actor=ACTOR, note="UBND")
    past = utcnow() - timedelta(days=40)
    with store.engine.begin() as conn:  # a and d received 40 days ago: a is overdue, d is closed
        conn.execute(update(reports_t).where(reports_t.c.code.in_([a, d])).values(
            created_at=past, due_at=past + timedelta(days=20)))

    def both(expected, **filters):
        assert codes(store.list_reports(**filters)) == expected, filters
        assert store.count_reports(**filters) == len(expected), filters

    both([c, b, d, a])
    both([c, b, a], units=[BL, HQ])
    both([], units=[])  # no unit allowed: nothing, never everything
    both([c, b], commune="Hà Quảng")
    both([c, b], commune="ha_quang")
    both([c, b], commune=HQ, units=[HQ, TP])
    both([], commune=HQ, units=[BL])
    both([b], kind="phan_anh", status="received")
    both([b], assigned_to="account:mai")
    both([a], text="trau")  # no accents, any case
    both([a], text="TRÂU")
    both([a], text="na va")  # the place
    both([a], text=a.lower())  # the code
    both([c], text="100%")  # LIKE wildcards are literal
    both([c], text="ở_đây")
    both([], text="100%x")
    both([a], overdue=True)
    both([c, b, d], overdue=False)
    today = to_vn(utcnow()).date()
    both([c, b], since=today - timedelta(days=1))
    both([d, a], until=today - timedelta(days=30))
    assert codes(store.list_reports(order="oldest")) == [a, d, b, c]
    assert codes(store.list_reports(order="due"))[:2] == [a, d]
    assert codes(store.list_reports(order="updated"))[0] == d
    assert codes(store.list_reports(limit=2)) == [c, b]
    assert codes(store.list_reports(limit=2, offset=2)) == [d, a]
    assert codes(store.list_reports(limit=None)) == [c, b, d, a]
    assert codes(store.list_reports(unit=HQ)) == [c, b]  # the older spelling
    assert store.status_counts() == {"received": 2, "in_progress": 1, "resolved": 0, "transferred": 0,
                                     "not_competent": 1}
    assert store.status_counts(units=[HQ]) == {"received": 1, "in_progress": 1, "resolved": 0,
                                               "transferred": 0, "not_competent": 0}
    assert store.overdue_count() == 1 and store.overdue_count(units=[HQ]) == 0
    assert store.overdue_count(units=[]) == 0


@pytest.mark.parametrize("bad, match", [
    ({"status": "bogus"}, "unknown status"), ({"kind": "x"}, "unknown kind"),
    ({"commune": "Hà Nội"}, "unknown commune"), ({"order": "random"}, "unknown order"),
    ({"limit": 0}, "at least 1"), ({"offset": -1}, "offset"),
    ({"unit": BL, "units": [BL]}, "either"),
])
def test_list_refuses_bad_filters(store, bad, match):
    with pytest.raises(ValidationError, match=match):
        store.list_reports(**bad)


def test_notes(store):
    code = make(store)
    n1 = store.add_note(code, "Đã gọi điện cho người báo tin.", actor=ACTOR)
    n2 = store.add_note(code.lower(), "  Hẹn xác minh thứ Hai  ", actor="account:mai")
    assert (n1.code, n1.actor, n1.text) == (code, ACTOR, "Đã gọi điện cho người báo tin.")
    assert store.notes(code) == [n1, n2] and n2.text == "Hẹn xác minh thứ Hai"
    assert [e.action for e in store.audit_trail(code)] == ["created", "note", "note"]
    with pytest.raises(ValidationError):
        store.add_note(code, "   ", actor=ACTOR)
    with pytest.raises(NotFoundError):
        store.add_note("TG-2020-999999", "x", actor=ACTOR)
    assert store.notes(make(store)) == []


def test_transfer_between_units(store):
    default = store.create_report(NewReport(kind="tin_bao", description="Không rõ xã nào", sender_id="u2"))
    assert default.unit == "Công an tỉnh Cao Bằng"  # the provincial catch-all
    store.assign(default.code, "account:truc.ban", actor=ACTOR)
    moved = store.transfer(default.code, BL, reason="Địa bàn xã Bảo Lâm", actor="account:admin")
    assert (moved.unit, moved.unit_source, moved.assigned_to) == (BL, "transfer", None)
    t, = store.transfers(default.code)
    assert (t.from_unit, t.to_unit, t.reason, t.actor) == ("Công an tỉnh Cao Bằng", BL, "Địa bàn xã Bảo Lâm",
                                                         "account:admin")
    entry = store.audit_trail(default.code)[-1]
    assert (entry.action, entry.old_value, entry.new_value, entry.note, entry.actor) == (
        "unit_transfer", "Công an tỉnh Cao Bằng", BL, "Địa bàn xã Bảo Lâm", "account:admin")
    assert codes(store.list_reports(units=[BL])) == [default.code]
    store.transfer(default.code, HQ, reason="Nhầm xã", actor=ACTOR)
    assert [x.to_unit for x in store.transfers(default.code)] == [BL, HQ]
    for bad, match in (({"to_unit": "Công an xã Không Có"}, "unknown unit"), ({"reason": " "}, "reason"),
                       ({"to_unit": HQ}, "already")):
        args = {"to_unit": TP, "reason": "lý do", **bad}
        with pytest.raises(ValidationError, match=match):
            store.transfer(default.code, args["to_unit"], reason=args["reason"], actor=ACTOR)
    store.transition(default.code, "not_competent", actor=ACTOR, note="UBND")
    with pytest.raises(InvalidTransitionError):
        store.transfer(default.code, TP, reason="lý do", actor=ACTOR)
    assert len(store.transfers(default.code)) == 2


def test_units_from_content():
    from anninh.reports.units import all_units, commune_unit, unit_by_id, unit_by_name
    units = all_units()
    kinds = [u.kind for u in units]
    assert kinds.count("province") == 1 and kinds.count("commune") == 56 and len(units) == len({u.id for u in units})
    province = units[0]
    assert (province.kind, province.parent, province.name) == ("province", None, "Công an tỉnh Cao Bằng")
    bl = unit_by_name("Công an  xã Bảo Lâm")
    assert bl == unit_by_id("ca_bao_lam") and bl.kind == "commune" and bl.parent == province.id
    assert all(u.parent == province.id for u in units if u.kind != "province")
    assert unit_by_id("nope") is None and unit_by_name("Công an xã Không Có") is None
    assert commune_unit("bao lam") == commune_unit("bao_lam") == bl and commune_unit(province.name) is None


def test_count_stops_past_the_cap(store):
    for _ in range(5):
        make(store)
    assert store.count_reports() == 5
    assert store.count_reports(cap=3) == 4  # "more than 3"
    assert store.count_reports(cap=5) == 5 and store.count_reports(cap=10) == 5
    assert store.count_reports(units=[HQ], cap=3) == 0
