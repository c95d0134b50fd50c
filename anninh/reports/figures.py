"""The month's figures of a unit or of the province, computed from the databases (no drawing).

* conversations and messages: Rasa's tracker store, table ``events``, read only. A unit's
  conversations are those with the Zalo OAs the unit owns (``content/units.yml``,
  ``zalo_oa_id``; sender ids are ``<oa_id>:<user_id>``); a unit without an OA has no such
  figures (None), the province counts every conversation;
* procedure questions by family: the answers the assistant gave (``procedure`` slot events;
  a procedure id starts with its family id, ``xe.dang_ky`` -> ``xe``);
* reports received in the month by kind and by status (their status today), reports closed in
  the month with the median and 90th percentile of their handling time (received -> closed, in
  days), reports received in the month that passed their deadline (closed late or still open
  past it);
* handoff requests of the month, their waiting time until an officer took them (median and
  90th percentile, minutes) and how many waited longer than the overdue limit (or were never
  taken).

Months are Vietnam-local calendar months; the databases store naive UTC. Percentiles are
numpy's (linear interpolation), medians ``statistics.median``.
"""
from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple

from sqlalchemy import and_, case, func, or_, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from anninh.reports.model import TERMINAL_STATUSES
from anninh.reports.privacy import get_logger
from anninh.reports.schema import handoffs as handoffs_t
from anninh.reports.schema import reports as reports_t
from anninh.reports.timeutil import utcnow, vn_day_start_utc

log = get_logger(__name__)
EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, raw: Optional[str], today: Optional[date] = None) -> "Month":
        """``YYYY-MM``; empty = the current month. ValueError for anything else."""
        if not raw:
            from anninh.reports.timeutil import to_vn
            d = today or to_vn(utcnow()).date()
            return cls(d.year, d.month)
        try:
            y, m = (int(p) for p in raw.strip().split("-"))
        except ValueError:
            raise ValueError(f"invalid month {raw!r} (use YYYY-MM)") from None
        if not (2000 <= y <= 2100 and 1 <= m <= 12):
            raise ValueError(f"invalid month {raw!r} (use YYYY-MM)")
        return cls(y, m)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), 12 if self.month == 1 else self.month - 1)

    def bounds(self) -> Tuple[datetime, datetime]:
        """[start, end) as naive UTC."""
        nxt = self.next()
        return vn_day_start_utc(date(self.year, self.month, 1)), vn_day_start_utc(date(nxt.year, nxt.month, 1))


def percentile(values: Sequence[float], q: float) -> Optional[float]:
    if not values:
        return None
    import numpy
    return float(numpy.percentile(numpy.asarray(values, dtype=float), q))


def median(values: Sequence[float]) -> Optional[float]:
    return float(statistics.median(values)) if values else None


@dataclass
class Figures:
    unit: Optional[str]  # None: the province (every unit)
    month: str
    conversations: Optional[int] = None
    citizen_messages: Optional[int] = None
    assistant_messages: Optional[int] = None
    procedures_by_family: Dict[str, int] = field(default_factory=dict)
    reports_by_kind: Dict[str, int] = field(default_factory=dict)
    reports_by_status: Dict[str, int] = field(default_factory=dict)
    received: int = 0
    handled: int = 0
    handling_median_days: Optional[float] = None
    handling_p90_days: Optional[float] = None
    overdue_reports: int = 0
    handoffs: int = 0
    handoffs_taken: int = 0
    handoffs_overdue: int = 0
    handoff_wait_median_min: Optional[float] = None
    handoff_wait_p90_min: Optional[float] = None

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


def _unit_filter(column, units: Optional[Sequence[str]]):
    return column.in_(list(units)) if units is not None else None


def _where(*conds):
    return and_(*[c for c in conds if c is not None])


def report_figures(engine: Engine, month: Month, units: Optional[Sequence[str]], f: Figures,
                   now: Optional[datetime] = None) -> None:
    start, end = month.bounds()
    now = now or utcnow()
    r = reports_t.c
    in_month = _where(r.created_at >= start, r.created_at < end, _unit_filter(r.unit, units))
    closed_in_month = _where(r.closed_at >= start, r.closed_at < end, r.status.in_(sorted(TERMINAL_STATUSES)),
                             _unit_filter(r.unit, units))
    late = or_(and_(r.closed_at.is_(None), r.due_at < now), r.closed_at > r.due_at)
    with engine.connect() as conn:
        for kind, status, n in conn.execute(select(r.kind, r.status, func.count()).where(in_month)
                                            .group_by(r.kind, r.status)):
            f.reports_by_kind[kind] = f.reports_by_kind.get(kind, 0) + n
            f.reports_by_status[status] = f.reports_by_status.get(status, 0) + n
            f.received += n
        f.overdue_reports = int(conn.execute(select(func.count()).select_from(reports_t)
                                             .where(and_(in_month, r.due_at.isnot(None), late))).scalar_one())
        spans = [(c - s).total_seconds() / 86400 for s, c in
                 conn.execute(select(r.created_at, r.closed_at).where(closed_in_month))]
    f.handled = len(spans)
    f.handling_median_days = median(spans)
    f.handling_p90_days = percentile(spans, 90)


def handoff_waits(rows: Iterable[Tuple[datetime, Optional[datetime], Optional[datetime], datetime]],
                  overdue_minutes: float, now: datetime) -> Tuple[int, List[float], int]:
    """(requests, waits of the taken ones in minutes, overdue) from
    ``(requested_at, taken_at, closed_at, expires_at)`` rows."""
    count, waits, overdue = 0, [], 0
    for requested, taken, closed, expires in rows:
        count += 1
        if taken is not None:
            wait = (taken - requested).total_seconds() / 60
            waits.append(wait)
        else:
            wait = (min(x for x in (closed, expires, now) if x is not None) - requested).total_seconds() / 60
        overdue += wait > overdue_minutes
    return count, waits, overdue


def handoff_figures(engine: Engine, month: Month, units: Optional[Sequence[str]], f: Figures,
                    overdue_minutes: float, now: Optional[datetime] = None) -> None:
    start, end = month.bounds()
    h = handoffs_t.c
    q = select(h.requested_at, h.taken_at, h.closed_at, h.expires_at).where(
        _where(h.requested_at >= start, h.requested_at < end, _unit_filter(h.unit, units)))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    f.handoffs, waits, f.handoffs_overdue = handoff_waits(rows, overdue_minutes, now or utcnow())
    f.handoffs_taken = len(waits)
    f.handoff_wait_median_min = median(waits)
    f.handoff_wait_p90_min = percentile(waits, 90)


def unit_oas(unit: Optional[str]) -> Optional[List[str]]:
    """The Zalo OAs of ``unit`` (None for the province: every OA)."""
    if unit is None:
        return None
    from anninh.directory import load_directory
    return sorted(oa for oa, u in load_directory().by_oa.items() if u.name == unit)


def _sender_filter(oas: Optional[Sequence[str]]) -> Tuple[str, Dict[str, Any]]:
    if oas is None:
        return "", {}
    parts = [f"sender_id LIKE :oa{i}" for i in range(len(oas))]
    return " AND (" + " OR ".join(parts) + ")", {f"oa{i}": f"{oa}:%" for i, oa in enumerate(oas)}


def conversation_figures(tracker: Optional[Engine], month: Month, oas: Optional[Sequence[str]],
                         f: Figures) -> None:
    """From Rasa's ``events`` table (timestamps are Unix seconds). Nothing when the tracker store
    is not readable or the unit has no OA of its own."""
    if tracker is None or (oas is not None and not oas):
        return
    start, end = month.bounds()
    params = {"a": (start - EPOCH).total_seconds(), "b": (end - EPOCH).total_seconds()}
    extra, more = _sender_filter(oas)
    params.update(more)
    try:
        row, slots = _tracker_rows(tracker, params, extra)
    except SQLAlchemyError as exc:
        log.warning("tracker store not readable for the figures: %s", type(exc).__name__)
        return
    f.conversations, f.citizen_messages, f.assistant_messages = (int(x or 0) for x in row)
    for raw in slots:
        try:
            event = json.loads(raw)
        except ValueError:
            continue
        value = event.get("value")
        if event.get("name") == "procedure" and isinstance(value, str) and value:
            family = value.split(".", 1)[0]
            f.procedures_by_family[family] = f.procedures_by_family.get(family, 0) + 1


def _tracker_rows(tracker: Engine, params: Dict[str, Any], extra: str):
    with tracker.connect() as conn:
        row = conn.execute(text(
            "SELECT COUNT(DISTINCT CASE WHEN type_name = 'user' THEN sender_id END), "
            "SUM(CASE WHEN type_name = 'user' THEN 1 ELSE 0 END), "
            "SUM(CASE WHEN type_name = 'bot' THEN 1 ELSE 0 END) FROM events "
            "WHERE timestamp >= :a AND timestamp < :b AND type_name IN ('user', 'bot')" + extra), params).first()
        slots = conn.execute(text(
            "SELECT data FROM events WHERE timestamp >= :a AND timestamp < :b AND type_name = 'slot' "
            "AND data LIKE '%\"procedure\"%'" + extra), params).scalars().all()
    return row, slots


CONVERSATION_FIELDS = ("conversations", "citizen_messages", "assistant_messages", "procedures_by_family")


def conversations_of(tracker: Optional[Engine], month: Month, unit: Optional[str]) -> Dict[str, Any]:
    """The tracker store's part of the figures (the costly one: Rasa's ``events`` table has no
    index on time), as a mapping a caller may keep: a past month's conversations do not change."""
    f = Figures(unit=unit, month=month.key)
    conversation_figures(tracker, month, unit_oas(unit), f)
    return {k: getattr(f, k) for k in CONVERSATION_FIELDS}


def compute(engine: Engine, month: Month, unit: Optional[str], *, tracker: Optional[Engine] = None,
            overdue_minutes: float = 30.0, now: Optional[datetime] = None,
            conversations: Optional[Dict[str, Any]] = None) -> Figures:
    """Every figure of ``unit`` (None = the province) for ``month``; ``conversations``: the
    tracker store's part already computed (``conversations_of``)."""
    f = Figures(unit=unit, month=month.key)
    units = [unit] if unit is not None else None
    report_figures(engine, month, units, f, now)
    handoff_figures(engine, month, units, f, overdue_minutes, now)
    for key, value in (conversations if conversations is not None
                       else conversations_of(tracker, month, unit)).items():
        setattr(f, key, value)
    return f


def compare_units(engine: Engine, month: Month, *, overdue_minutes: float = 30.0,
                  now: Optional[datetime] = None) -> List[Figures]:
    """The report and handoff figures of every unit with activity in the month (administrators'
    comparison), by unit name; one pass per table."""
    start, end = month.bounds()
    now = now or utcnow()
    r, h = reports_t.c, handoffs_t.c
    table: Dict[str, Figures] = {}

    def cell(unit: Optional[str]) -> Figures:
        key = unit or ""
        if key not in table:
            table[key] = Figures(unit=unit, month=month.key)
        return table[key]

    late = case((or_(and_(r.closed_at.is_(None), r.due_at < now), r.closed_at > r.due_at), 1), else_=0)
    spans: Dict[str, List[float]] = {}
    waits_rows: Dict[str, list] = {}
    with engine.connect() as conn:
        for unit, kind, status, n, n_late in conn.execute(
                select(r.unit, r.kind, r.status, func.count(), func.sum(late))
                .where(r.created_at >= start, r.created_at < end).group_by(r.unit, r.kind, r.status)):
            c = cell(unit)
            c.received += n
            c.reports_by_kind[kind] = c.reports_by_kind.get(kind, 0) + n
            c.reports_by_status[status] = c.reports_by_status.get(status, 0) + n
            c.overdue_reports += int(n_late or 0)
        for unit, s, e in conn.execute(select(r.unit, r.created_at, r.closed_at).where(
                r.closed_at >= start, r.closed_at < end, r.status.in_(sorted(TERMINAL_STATUSES)))):
            spans.setdefault(unit or "", []).append((e - s).total_seconds() / 86400)
            cell(unit)
        for row in conn.execute(select(h.unit, h.requested_at, h.taken_at, h.closed_at, h.expires_at)
                                .where(h.requested_at >= start, h.requested_at < end)):
            waits_rows.setdefault(row[0] or "", []).append(tuple(row[1:]))
            cell(row[0])
    for key, c in table.items():
        values = spans.get(key, [])
        c.handled, c.handling_median_days, c.handling_p90_days = len(values), median(values), percentile(values, 90)
        c.handoffs, waits, c.handoffs_overdue = handoff_waits(waits_rows.get(key, []), overdue_minutes, now)
        c.handoffs_taken, c.handoff_wait_median_min = len(waits), median(waits)
        c.handoff_wait_p90_min = percentile(waits, 90)
    return [table[k] for k in sorted(table)]


@dataclass(frozen=True)
class Published:
    code: str
    kind: str
    unit: Optional[str]
    published_at: datetime
    text: str


def published_results(engine: Engine, month: Month, units: Optional[Sequence[str]],
                      limit: int = 200) -> List[Published]:
    """The results published in the month (already masked when published), oldest first."""
    start, end = month.bounds()
    r = reports_t.c
    q = (select(r.code, r.kind, r.unit, r.published_at, r.published_result)
         .where(_where(r.published_at >= start, r.published_at < end, r.published_result.isnot(None),
                       _unit_filter(r.unit, units)))
         .order_by(r.published_at).limit(limit))
    with engine.connect() as conn:
        return [Published(*row) for row in conn.execute(q)]
