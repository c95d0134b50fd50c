"""Moved to ``anninh.timeutil`` (shared by every feature); kept so existing imports work."""
from anninh.timeutil import (VN_TZ, fmt_day, fmt_vn, iso_utc, now_vn, parse_day, to_vn, today_vn,  # noqa: F401
                             utcnow, vn_day_start_utc, vn_month, vn_year)
