"""Time helpers shared by every feature. The database stores naive UTC; people see Vietnam time
(UTC+7, no DST)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

VN_TZ = timezone(timedelta(hours=7), "ICT")


def utcnow() -> datetime:
    """Naive UTC, microseconds dropped (SQLite and PostgreSQL then round-trip it identically)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


def to_vn(dt: Optional[datetime]) -> Optional[datetime]:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(VN_TZ)


def vn_year(dt: datetime) -> int:
    return to_vn(dt).year  # type: ignore[union-attr]


def vn_month(dt: datetime) -> str:
    """``YYYY-MM`` of the Vietnam-local date."""
    return to_vn(dt).strftime("%Y-%m")  # type: ignore[union-attr]


def fmt_vn(dt: Optional[datetime]) -> str:
    """``dd/mm/yyyy HH:MM`` Vietnam time, the way officers and citizens write it."""
    v = to_vn(dt)
    return v.strftime("%d/%m/%Y %H:%M") if v else ""


def fmt_day(d: date, year: bool = True) -> str:
    """``dd/mm/yyyy`` (or ``dd/mm``), the way dates are written to citizens."""
    return d.strftime("%d/%m/%Y" if year else "%d/%m")


def iso_utc(dt: Optional[datetime]) -> Optional[str]:
    return dt.replace(tzinfo=timezone.utc).isoformat() if dt else None


def vn_day_start_utc(d: date) -> datetime:
    """Naive UTC instant at which Vietnam-local day ``d`` starts."""
    return datetime.combine(d, time(0, 0), VN_TZ).astimezone(timezone.utc).replace(tzinfo=None)


def parse_day(text: str) -> date:
    """``YYYY-MM-DD`` or ``DD/MM/YYYY``; ValueError otherwise."""
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    raise ValueError(f"invalid date {text!r} (use YYYY-MM-DD or DD/MM/YYYY)")


def now_vn() -> datetime:
    """The current time in Vietnam (aware)."""
    return datetime.now(VN_TZ)


def today_vn() -> date:
    """Today's date in Vietnam."""
    return now_vn().date()
