"""The sentences citizens read in the hotline, patrol, news and emergency answers
(``content/texts.yml``), owned by editors.

The file has one section per feature (``common``, ``directory``, ``patrol``, ``news``,
``emergency``); each entry is one sentence or label with ``{placeholders}``. ``SCHEMA`` below lists,
for every entry, the placeholders it may use; a missing entry, an empty text or an unknown
placeholder is a ``ContentError`` naming the file, the section (entry) and the key (field).
``make validate`` checks the file. When an edited file is broken at run time, the last good
version stays in use (and the error is logged), so a typo never silences the assistant.
"""
from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict, FrozenSet, List, Mapping, Tuple

from anninh import CONTENT_DIR
from anninh.content import (ContentError, file_stamp, load_yaml, problems_of, require_mapping,
                            template)

logger = logging.getLogger(__name__)

TEXTS_FILE = CONTENT_DIR / "texts.yml"


def _keys(**entries: str) -> Dict[str, FrozenSet[str]]:
    """``key="placeholder placeholder"`` -> {key: frozenset of placeholders}."""
    return {key: frozenset(names.split()) for key, names in entries.items()}


SCHEMA: Mapping[str, Mapping[str, FrozenSet[str]]] = {
    "common": _keys(
        phone_line="number name", call="number", weekdays=""),
    "emergency": _keys(
        call_now="number name", free_calls=""),
    "directory": _keys(
        lines_intro="", hotline_line="number unit", fallback_hotline_line="number",
        call_hotline="", call_unit="unit", free_calls="", address="address", hours="hours",
        district_note="district abolished", unit_header="unit", unit_phone="phone",
        unit_hotline="phone", unit_no_phone="unit", visit_commune="", emergency_reminder="lines",
        emergency_reminder_item="number name", district_abolished="district abolished police_ended",
        district_row="unit phone", no_number="", district_now_in="district",
        district_ask_commune="example", needed_numbers="", support_line="name number",
        support_intro="", national_line="number name", other_numbers="", ask_commune="example",
        urgent_intro="", unavailable=""),
    "patrol": _keys(
        closing="", none_published="", unavailable="", nothing_found="scope",
        upcoming="", found="scope", place_dropped="place", more="count", may_change="",
        entry="when hours where unit", entry_day="date", entry_range="first last",
        entry_source="source", scope_routes="routes", scope_place="place",
        route_ql="number", route_dt="number",
        period_day="date", period_tomorrow="date", period_today="date", period_this_week="span",
        period_next_week="span", period_weekend="span", period_this_month="month year",
        period_next_month="month year", period_current=""),
    "news": _keys(
        empty="", head="", head_from="feed", read_more=""),
}
WEEKDAYS = 7  # common.weekdays: Monday to Sunday, comma-separated


class Texts:
    """The parsed file: ``texts.get("patrol", "found", scope=…)``."""

    def __init__(self, path: Path, entries: Dict[Tuple[str, str], str]):
        self.path = path
        self._entries = entries

    def get(self, section: str, key: str, **values: object) -> str:
        return self._entries[(section, key)].format(**values)

    def weekday(self, iso_weekday: int) -> str:
        """The name of a day, Monday = 1 … Sunday = 7."""
        return self._entries[("common", "weekdays")].split(",")[iso_weekday - 1].strip()


def parse_texts(path: "str | Path" = TEXTS_FILE) -> Texts:
    """Read and check the whole file; the first problem is raised as a ContentError."""
    path = Path(path)
    data = require_mapping(load_yaml(path), path)
    entries: Dict[Tuple[str, str], str] = {}
    for section, keys in SCHEMA.items():
        raw = data.get(section)
        if raw is None:
            raise ContentError(path, "thiếu cả phần này", entry=section)
        raw = require_mapping(raw, path, entry=section)
        for key, allowed in keys.items():
            entries[(section, key)] = template(raw.get(key), path, section, key, allowed)
        unknown = sorted(set(map(str, raw)) - set(keys))
        if unknown:
            raise ContentError(path, f"chương trình không dùng mục này (có thể gõ nhầm tên); các "
                                     f"mục của phần '{section}': {', '.join(keys)}",
                               entry=section, field=unknown[0])
    unknown_sections = sorted(set(map(str, data)) - set(SCHEMA))
    if unknown_sections:
        raise ContentError(path, f"chương trình không dùng phần này; các phần: {', '.join(SCHEMA)}",
                           entry=unknown_sections[0])
    days = [d.strip() for d in entries[("common", "weekdays")].split(",")]
    if len(days) != WEEKDAYS or not all(days):
        raise ContentError(path, "cần đúng 7 tên thứ, từ Thứ Hai đến Chủ nhật, cách nhau bởi dấu phẩy",
                           entry="common", field="weekdays")
    return Texts(path, entries)


def validate_texts(path: "str | Path" = TEXTS_FILE) -> List[ContentError]:
    return problems_of(parse_texts, path)


_CACHE: Dict[str, Tuple[tuple, Texts]] = {}


def load_texts(path: "str | Path | None" = None) -> Texts:
    """The texts (default ``TEXTS_FILE``), re-read when the file changes. A broken edit keeps the
    last good version in use (logged as an error); with no good version yet the ContentError is
    raised."""
    path = Path(path or TEXTS_FILE)
    key = str(path)
    stamp = file_stamp(path)
    cached = _CACHE.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        texts = parse_texts(path)
    except ContentError as exc:
        if cached is None:
            raise
        logger.error("texts file broken, the previous version stays in use: %s", exc)
        _CACHE[key] = (stamp, cached[1])
        return cached[1]
    _CACHE[key] = (stamp, texts)
    return texts
