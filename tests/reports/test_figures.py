"""The month's figures (``anninh.reports.figures``) against a database filled with known data, on
SQLite and PostgreSQL, and Rasa's own SQL tracker store: counts, medians, 90th percentiles."""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine

from anninh.reports import figures as F

from .seed_figures import NOW, UNIT_A, UNIT_B, seed_handoffs, seed_reports, seed_tracker

MARCH = F.Month(2026, 3)


@pytest.fixture
def seeded(store):
    seed_reports(store.engine)
    seed_handoffs(store.engine)
    return store


def test_month_bounds_are_vietnam_local():
    start, end = MARCH.bounds()
    assert (start.isoformat(), end.isoformat()) == ("2026-02-28T17:00:00", "2026-03-31T17:00:00")
    assert F.Month.parse("2026-12").next() == F.Month(2027, 1)
    assert F.Month.parse("2026-01").previous() == F.Month(2025, 12)
    for bad in ("2026-13", "march", "2026"):
        with pytest.raises(ValueError):
            F.Month.parse(bad)


def test_unit_figures(seeded):
    f = F.compute(seeded.engine, MARCH, UNIT_A, overdue_minutes=30, now=NOW)
    assert f.received == 5  # report 6 was sent on 28 February, Vietnam time
    assert f.reports_by_kind == {"tin_bao": 3, "to_giac": 1, "phan_anh": 1}
    assert f.reports_by_status == {"resolved": 3, "in_progress": 1, "received": 1}
    assert f.handled == 3
    assert f.handling_median_days == pytest.approx(3.0)
    assert f.handling_p90_days == pytest.approx(8.6)  # 3 + 0.8 * (10 - 3)
    assert f.overdue_reports == 2  # one still open past its deadline, one closed late
    assert f.handoffs == 5 and f.handoffs_taken == 3
    assert f.handoffs_overdue == 2  # taken after 50 min; never taken within its 2 hours
    assert f.handoff_wait_median_min == pytest.approx(30.0)
    assert f.handoff_wait_p90_min == pytest.approx(46.0)  # 30 + 0.8 * (50 - 30)
    assert f.conversations is None  # no tracker store given


def test_province_figures_and_comparison(seeded):
    f = F.compute(seeded.engine, MARCH, None, overdue_minutes=30, now=NOW)
    assert f.received == 6 and f.handled == 4
    assert f.handling_median_days == pytest.approx(2.5)
    assert f.handling_p90_days == pytest.approx(7.9)  # [1, 2, 3, 10]: 3 + 0.7 * 7
    assert f.handoffs == 6 and f.handoffs_overdue == 2
    rows = {r.unit: r for r in F.compare_units(seeded.engine, MARCH, overdue_minutes=30, now=NOW)}
    assert set(rows) == {UNIT_A, UNIT_B}
    a, b = rows[UNIT_A], rows[UNIT_B]
    assert (a.received, a.handled, a.overdue_reports, a.handoffs, a.handoffs_overdue) == (5, 3, 2, 5, 2)
    assert a.handling_p90_days == pytest.approx(8.6) and a.handoff_wait_p90_min == pytest.approx(46.0)
    assert (b.received, b.handled, b.handling_median_days, b.handoffs) == (1, 1, 2.0, 1)
    april = F.compute(seeded.engine, F.Month(2026, 4), UNIT_A, overdue_minutes=30, now=NOW)
    assert april.received == 0 and april.handoffs == 1 and april.handling_median_days is None


def test_published_results_of_the_month(seeded):
    found = F.published_results(seeded.engine, MARCH, [UNIT_A])
    assert [p.code for p in found] == ["TB-2026-000001"]
    assert F.published_results(seeded.engine, MARCH, [UNIT_B]) == []


def test_conversations_from_rasa_tracker_store(tmp_path):
    tracker = create_engine(seed_tracker(tmp_path / "tracker.db"), future=True)
    f = F.Figures(unit=None, month=MARCH.key)
    F.conversation_figures(tracker, MARCH, None, f)
    assert (f.conversations, f.citizen_messages, f.assistant_messages) == (2, 3, 2)
    assert f.procedures_by_family == {"xe": 2, "cu_tru": 1}
    one = F.Figures(unit="x", month=MARCH.key)
    F.conversation_figures(tracker, MARCH, ["oa1"], one)
    assert (one.conversations, one.citizen_messages, one.assistant_messages) == (1, 2, 1)
    assert one.procedures_by_family == {"xe": 1, "cu_tru": 1}
    none = F.Figures(unit="y", month=MARCH.key)
    F.conversation_figures(tracker, MARCH, [], none)  # a unit without an OA of its own
    assert none.conversations is None


def test_unreadable_tracker_store_leaves_the_conversations_empty(tmp_path):
    missing = create_engine(f"sqlite:///file:{tmp_path / 'none.db'}?mode=ro&uri=true", future=True)
    part = F.conversations_of(missing, MARCH, None)
    assert part["conversations"] is None and part["procedures_by_family"] == {}
