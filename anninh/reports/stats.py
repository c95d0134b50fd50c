"""Monthly statistics per police unit.

For every (unit, Vietnam-local month): reports received in that month, reports handled
(closed: resolved / transferred / not_competent) in that month, split by outcome, and the
median handling time (received -> closed) of the reports closed that month, in days.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Dict, List, Optional

from anninh.reports.model import TERMINAL_STATUSES
from anninh.reports.timeutil import vn_month

NO_UNIT = "(chưa xác định đơn vị)"


@dataclass
class UnitMonthStats:
    unit: str
    month: str  # YYYY-MM
    received: int = 0
    handled: int = 0
    handled_by_status: Dict[str, int] = field(default_factory=dict)
    median_handling_days: Optional[float] = None

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def compute_stats(rows: List[tuple], *, since: Optional[date] = None,
                  until: Optional[date] = None) -> List[UnitMonthStats]:
    """``rows``: ``(unit, kind, created_at, closed_at, status)`` as from
    ``ReportStore.timeline_rows``. ``since``/``until`` keep the months they fall in."""
    first = f"{since.year:04d}-{since.month:02d}" if since else None
    last = f"{until.year:04d}-{until.month:02d}" if until else None

    def keep(month: str) -> bool:
        return (first is None or month >= first) and (last is None or month <= last)

    table: Dict[tuple, UnitMonthStats] = {}
    durations: Dict[tuple, List[float]] = defaultdict(list)

    def cell(unit: Optional[str], month: str) -> UnitMonthStats:
        key = (unit or NO_UNIT, month)
        if key not in table:
            table[key] = UnitMonthStats(unit=key[0], month=month)
        return table[key]

    for unit, _kind, created_at, closed_at, status in rows:
        month = vn_month(created_at)
        if keep(month):
            cell(unit, month).received += 1
        if closed_at is not None and status in TERMINAL_STATUSES:
            cmonth = vn_month(closed_at)
            if keep(cmonth):
                c = cell(unit, cmonth)
                c.handled += 1
                c.handled_by_status[status] = c.handled_by_status.get(status, 0) + 1
                durations[(c.unit, cmonth)].append(max(0.0, (closed_at - created_at).total_seconds()) / 86400)
    for key, values in durations.items():
        table[key].median_handling_days = round(statistics.median(values), 2)
    return [table[k] for k in sorted(table)]


def format_table(stats: List[UnitMonthStats]) -> str:
    if not stats:
        return "(không có dữ liệu / no data)"
    headers = ["Đơn vị / unit", "Tháng / month", "Tiếp nhận / received", "Đã xử lý / handled",
               "Trung vị (ngày) / median days"]
    rows = [[s.unit, s.month, str(s.received), str(s.handled),
             "" if s.median_handling_days is None else f"{s.median_handling_days:.2f}"] for s in stats]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join(lines)
