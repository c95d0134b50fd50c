"""Known data for the figures tests (and the bench): reports, handoff requests and Rasa tracker
events with hand-computed counts, medians and percentiles."""
from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

from sqlalchemy import insert

from anninh.reports.db import writer
from anninh.reports.schema import handoffs, reports

UNIT_A, UNIT_B = "Công an xã Thử A", "Công an xã Thử B"
NOW = datetime(2026, 4, 10)  # "today" for the overdue figures
D = datetime  # naive UTC; March 2026 in Vietnam starts 2026-02-28 17:00 UTC


def _report(i: int, unit: str, kind: str, status: str, created: datetime, closed: Optional[datetime],
            due: Optional[datetime]) -> dict:
    return {"code": f"TB-2026-{i:06d}", "kind": kind, "status": status, "description": "mô tả",
            "anonymous": True, "channel": "zalo", "unit": unit, "created_at": created, "updated_at": created,
            "closed_at": closed, "due_at": due, "published_result": None, "published_at": None}


def seed_reports(engine) -> None:
    rows = [
        _report(1, UNIT_A, "tin_bao", "resolved", D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 22)),       # 1 day
        _report(2, UNIT_A, "tin_bao", "resolved", D(2026, 3, 2), D(2026, 3, 5), D(2026, 3, 22)),       # 3 days
        _report(3, UNIT_A, "to_giac", "in_progress", D(2026, 3, 5), None, D(2026, 3, 6)),              # late, open
        _report(4, UNIT_A, "phan_anh", "resolved", D(2026, 3, 1), D(2026, 3, 11), D(2026, 3, 5)),      # 10 days, late
        _report(5, UNIT_A, "tin_bao", "received", D(2026, 2, 28, 18), None, D(2026, 5, 1)),            # 1 March VN
        _report(6, UNIT_A, "tin_bao", "received", D(2026, 2, 28, 16), None, D(2026, 5, 1)),            # February VN
        _report(7, UNIT_B, "tin_bao", "resolved", D(2026, 3, 2), D(2026, 3, 4), D(2026, 3, 22)),       # 2 days
    ]
    rows[0].update(published_result="Đã xác minh, xử lý.", published_at=D(2026, 3, 3))
    with writer(engine).begin() as conn:
        conn.execute(insert(reports), rows)


def _handoff(unit: str, requested: datetime, taken_after_min: Optional[float], *,
             closed_after_min: Optional[float] = None, hours: float = 2) -> dict:
    return {"channel": "zalo", "sender_id": f"oa1:u{requested:%d%H}", "oa_id": "oa1", "unit": unit,
            "status": "closed" if closed_after_min is not None else "open", "transcript": "[]",
            "requested_at": requested, "expires_at": requested + timedelta(hours=hours),
            "closed_at": requested + timedelta(minutes=closed_after_min) if closed_after_min is not None else None,
            "taken_by": "officer_a" if taken_after_min is not None else None,
            "taken_at": requested + timedelta(minutes=taken_after_min) if taken_after_min is not None else None}


def seed_handoffs(engine) -> None:
    rows = [
        _handoff(UNIT_A, D(2026, 3, 10, 1), 10, closed_after_min=40),
        _handoff(UNIT_A, D(2026, 3, 10, 2), 50, closed_after_min=90),   # overdue (50 > 30)
        _handoff(UNIT_A, D(2026, 3, 10, 3), None, closed_after_min=20),  # gave up after 20 min: not overdue
        _handoff(UNIT_A, D(2026, 3, 11, 3), None),                       # nobody, expired after 2 h: overdue
        _handoff(UNIT_A, D(2026, 3, 12, 3), 30, closed_after_min=60),   # exactly the limit: not overdue
        _handoff(UNIT_B, D(2026, 3, 12, 4), 5, closed_after_min=10),
        _handoff(UNIT_A, D(2026, 4, 2, 3), 5, closed_after_min=10),     # April
    ]
    with writer(engine).begin() as conn:
        conn.execute(insert(handoffs), rows)


def seed_tracker(path: Path) -> str:
    """Rasa's own SQL tracker store (SQLite file): two conversations in March, one in February."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    def ts(d: datetime) -> float:
        return (d - datetime(1970, 1, 1)).total_seconds()

    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    convs = {
        "oa1:u1": [UserUttered("dang ky xe", timestamp=ts(D(2026, 3, 3))),
                   SlotSet("procedure", "xe.dang_ky_xe", timestamp=ts(D(2026, 3, 3)) + 1),
                   BotUttered("Dạ, ...", timestamp=ts(D(2026, 3, 3)) + 2),
                   UserUttered("tam tru", timestamp=ts(D(2026, 3, 4))),
                   SlotSet("procedure", "cu_tru.dang_ky_tam_tru", timestamp=ts(D(2026, 3, 4)) + 1)],
        "oa2:u2": [UserUttered("xe", timestamp=ts(D(2026, 3, 20))),
                   SlotSet("procedure", "xe.cap_bien", timestamp=ts(D(2026, 3, 20)) + 1),
                   BotUttered("Dạ", timestamp=ts(D(2026, 3, 20)) + 2)],
        "oa1:u3": [UserUttered("xin chao", timestamp=ts(D(2026, 2, 10)))],
    }
    for sender, events in convs.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    return f"sqlite:///{path}"
