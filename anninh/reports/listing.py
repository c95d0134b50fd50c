"""Filters and ordering of report listings (officers' console, CLI, exports).

Every filter narrows the result; ``units`` is the permission filter: a list of unit names the
caller may see (None = every unit, an empty list = nothing). Queries stay on indexed columns
(unit, status, created_at, assigned_to, due_at); ``text`` scans the folded ``search_text`` of
the rows the other filters leave.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, List, Optional, Sequence, Tuple

from sqlalchemy import and_, false, literal_column, not_, text

from anninh.reports.codes import KINDS
from anninh.reports.errors import ValidationError, one_of
from anninh.reports.model import STATUSES, TERMINAL_STATUSES
from anninh.reports.schema import reports as reports_t
from anninh.reports.search import search_pattern
from anninh.reports.timeutil import utcnow, vn_day_start_utc

ORDERS = ("newest", "oldest", "due", "updated")
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
OPEN_STATUSES: Tuple[str, ...] = tuple(s for s in STATUSES if s not in TERMINAL_STATUSES)


@dataclass(frozen=True)
class ReportFilter:
    units: Optional[Sequence[str]] = None
    status: Optional[str] = None
    kind: Optional[str] = None
    commune: Optional[str] = None
    since: Optional[date] = None
    until: Optional[date] = None
    text: Optional[str] = None
    assigned_to: Optional[str] = None
    overdue: Optional[bool] = None


# Spelled out as in the partial index ix_reports_open_due_at (revision 0005), so that SQLite's
# planner, which matches a partial index's condition by its text and literal values, can use it.
OPEN_CLAUSE = "reports.status IN (" + ", ".join(f"'{s}'" for s in OPEN_STATUSES) + ")"


def overdue_clause(now: Optional[datetime] = None) -> Any:
    return and_(text(OPEN_CLAUSE), reports_t.c.due_at.isnot(None),
                reports_t.c.due_at < (now or utcnow()))


def where_clauses(f: ReportFilter, *, now: Optional[datetime] = None) -> List[Any]:
    """SQL conditions for the filter; ValidationError for a value that cannot match anything
    known (unknown status, kind or commune, dates in the wrong order)."""
    c = reports_t.c
    out: List[Any] = []
    if f.units is not None:
        names = sorted({" ".join(u.split()) for u in f.units if u and u.strip()})
        out.append(c.unit.in_(names) if names else false())
    if f.status is not None:
        out.append(c.status == one_of(f.status, STATUSES, "status"))
    if f.kind is not None:
        out.append(c.kind == one_of(f.kind, KINDS, "kind"))
    if f.commune is not None:
        from anninh.reports.units import commune_unit
        unit = commune_unit(f.commune)
        if unit is None:
            raise ValidationError(f"unknown commune or ward {f.commune!r}")
        out.append(c.unit == unit.name)
    if f.since is not None and f.until is not None and f.since > f.until:
        raise ValidationError("the start date is after the end date")
    if f.since is not None:
        out.append(c.created_at >= vn_day_start_utc(_day(f.since)))
    if f.until is not None:
        out.append(c.created_at < vn_day_start_utc(_day(f.until) + timedelta(days=1)))
    if f.text is not None and f.text.strip():
        out.append(c.search_text.like(search_pattern(f.text), escape="\\"))
    if f.assigned_to is not None:
        out.append(c.assigned_to == f.assigned_to)
    if f.overdue is True:
        out.append(overdue_clause(now))
    elif f.overdue is False:
        out.append(not_(overdue_clause(now)))
    return out


def _day(value: Any) -> date:
    return value.date() if isinstance(value, datetime) else value


def order_by(order: str, *, scan_first: bool = False, due_known: bool = False) -> Tuple[Any, ...]:
    """``scan_first`` (SQLite, text searches narrowed by the trigram index): sort the matching
    rows instead of walking the date index and reading every report in date order until enough
    match, which is slow for a rare word (a unary ``+`` keeps SQLite's planner off the index).
    ``due_known`` (the overdue list: every row has a deadline): order by deadline alone, which
    the index on open deadlines serves without sorting."""
    c = reports_t.c
    if order == "due" and due_known:
        return c.due_at.asc(), c.id.asc()
    if scan_first and order in ("newest", "oldest"):
        way = "DESC" if order == "newest" else "ASC"
        return (literal_column(f"+reports.created_at {way}"), literal_column(f"reports.id {way}"))
    if order == "newest":
        return c.created_at.desc(), c.id.desc()
    if order == "oldest":
        return c.created_at.asc(), c.id.asc()
    if order == "due":  # soonest deadline first, reports without one last
        return c.due_at.is_(None).asc(), c.due_at.asc(), c.id.asc()
    if order == "updated":
        return c.updated_at.desc(), c.id.desc()
    one_of(order, ORDERS, "order")
    raise AssertionError(order)  # every order is handled above


def check_page(offset: int, limit: Optional[int]) -> None:
    """``limit`` None means every row (exports, the command-line tool). Web pages ask for at most
    ``MAX_LIMIT`` rows (the default is ``DEFAULT_LIMIT``)."""
    if offset is None or int(offset) < 0:
        raise ValidationError("offset must be 0 or more")
    if limit is not None and int(limit) < 1:
        raise ValidationError("limit must be at least 1")
