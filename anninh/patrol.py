"""Traffic-police patrol schedules (``content/patrol_schedule.yml``), as published in the plans.

Editors copy the published plans into the file: period (``from``/``to``), hours, route or area,
unit and source (the plan's number and date). The file is empty until a plan is published, and the
assistant then says so plainly. Questions name a time ("hôm nay", "tuần này", "cuối tuần",
"ngày 5/1"…) and/or a route ("quốc lộ 3", "ql34", "QL.4A", "ĐT 208") or a commune; routes are
matched on a normalised code ("QL3", "QL4A", "ĐT208"), communes accent-insensitively.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from anninh import CONTENT_DIR
from anninh.content import (ContentError, content_date, file_stamp, load_dated_yaml, print_problems,
                            require_mapping)
from anninh.lexicon import load_lexicon
from anninh.place_matcher import place_matcher
from anninh.places import PLACES_FILE, Place, load_places
from anninh.render import Reply, split_text
from anninh.text import fold, normalize
from anninh.texts import load_texts
from anninh.timeutil import fmt_day, today_vn

PATROL_FILE = CONTENT_DIR / "patrol_schedule.yml"
MAX_ENTRIES = 8

# --- routes ------------------------------------------------------------------------------------

_L, _R = r"(?<![a-z0-9])", r"(?![a-z0-9])"
_CODE = r"(\d{1,3}[a-z]?)" + _R
_ROUTE_PREFIXES = (
    ("QL", re.compile(_L + r"(?:quoc\s*lo|qlo|ql)\s*(?:so\s*)?[.\-]?\s*" + _CODE)),
    ("ĐT", re.compile(_L + r"(?:duong\s*tinh|tinh\s*lo|dt|tl)\s*(?:so\s*)?[.\-]?\s*" + _CODE)),
)
_MORE_CODES = re.compile(r"\s*(?:,|/|&|va|\+)\s*(?:(?:quoc\s*lo|ql)\s*[.\-]?\s*)?" + _CODE)


def route_codes(text: str) -> Tuple[str, ...]:
    """Normalised road codes in ``text``: "Quốc lộ 3 và 34, QL.4A" -> ("QL3", "QL34", "QL4A")."""
    folded = fold(text)
    found: List[Tuple[int, str]] = []
    for prefix, pattern in _ROUTE_PREFIXES:
        for m in pattern.finditer(folded):
            found.append((m.start(), prefix + m.group(1).upper()))
            end = m.end()
            while True:  # "quốc lộ 3, 34 và 4A"
                more = _MORE_CODES.match(folded, end)
                if not more:
                    break
                found.append((more.start(), prefix + more.group(1).upper()))
                end = more.end()
    out: List[str] = []
    for _, code in sorted(found):
        if code not in out:
            out.append(code)
    return tuple(out)


def route_label(code: str) -> str:
    key = "route_ql" if code.startswith("QL") else "route_dt"
    return load_texts().get("patrol", key, number=code[2:])


# --- content -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Patrol:
    entry: str          # how the entry is named in errors: its id or "entries[i]"
    start: date
    end: date
    hours: str
    route: str
    area: str
    unit: str
    source: str
    note: str = ""
    places: Tuple[str, ...] = ()
    routes: Tuple[str, ...] = field(default=())

    def overlaps(self, first: date, last: date) -> bool:
        return self.start <= last and first <= self.end

    def where(self) -> str:
        return ", ".join(p for p in (self.route, self.area) if p)

    def mentions_place(self, place_id: str, place_name: str) -> bool:
        return place_id in self.places or fold(place_name) in fold(f"{self.route} {self.area}")


def _date(value, path: Path, entry: str, key: str, problems: List[ContentError]) -> Optional[date]:
    try:
        return content_date(value, path, entry, key)
    except ContentError as exc:
        problems.append(exc)
        return None


def _str(item: dict, key: str, path: Path, entry: str, problems: List[ContentError],
         required: bool = False) -> str:
    value = item.get(key)
    if value is None:
        value = ""
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        problems.append(ContentError(path, "cần một đoạn chữ", entry=entry, field=key))
        return ""
    value = " ".join(str(value).split())
    if required and not value:
        problems.append(ContentError(path, "không được để trống", entry=entry, field=key))
    return value


def _parse(path: Path, places_path: Path) -> Tuple[List[Patrol], List[ContentError]]:
    problems: List[ContentError] = []
    data = load_dated_yaml(path)
    if data is None:
        return [], problems
    data = require_mapping(data, path)
    raw = data.get("entries")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        return [], [ContentError(path, "cần một danh sách (để trống: entries: [])", field="entries")]
    commune_ids = {c.id for c in load_places(places_path).communes}
    out: List[Patrol] = []
    seen = set()
    for i, item in enumerate(raw):
        entry = f"entries[{i}]"
        if not isinstance(item, dict):
            problems.append(ContentError(path, "cần một bảng 'khóa: giá trị'", entry=entry))
            continue
        if item.get("id"):
            entry = str(item["id"])
            if entry in seen:
                problems.append(ContentError(path, "mã bị trùng", entry=entry, field="id"))
            seen.add(entry)
        before = len(problems)
        start = _date(item.get("from"), path, entry, "from", problems)
        end = _date(item.get("to", item.get("from")), path, entry, "to", problems)
        if start and end and end < start:
            problems.append(ContentError(path, "ngày kết thúc trước ngày bắt đầu", entry=entry,
                                         field="to"))
        hours = _str(item, "hours", path, entry, problems, required=True)
        route = _str(item, "route", path, entry, problems)
        area = _str(item, "area", path, entry, problems)
        if not route and not area:
            problems.append(ContentError(path, "cần ghi tuyến đường (route) hoặc địa bàn (area)",
                                         entry=entry, field="route"))
        unit = _str(item, "unit", path, entry, problems, required=True)
        source = _str(item, "source", path, entry, problems, required=True)
        note = _str(item, "note", path, entry, problems)
        places = item.get("places") or []
        if not isinstance(places, list):
            problems.append(ContentError(path, "cần danh sách mã xã/phường", entry=entry,
                                         field="places"))
            places = []
        for p in places:
            if str(p) not in commune_ids:
                problems.append(ContentError(path, f"không có xã/phường mã '{p}' trong "
                                                   "content/places.yml", entry=entry, field="places"))
        if len(problems) == before and start and end:
            out.append(Patrol(entry, start, end, hours, route, area, unit, source, note,
                              tuple(str(p) for p in places), route_codes(route)))
    out.sort(key=lambda p: (p.start, p.end))
    return out, problems


def validate_patrol(path: "str | Path" = None, places_path: "str | Path" = PLACES_FILE
                    ) -> List[ContentError]:
    """Every problem in the schedule file (each names file, entry and field)."""
    try:
        return _parse(Path(path or PATROL_FILE), Path(places_path))[1]
    except ContentError as exc:
        return [exc]


_CACHE: Dict[str, Tuple[Tuple, List[Patrol]]] = {}


def load_patrols(path: "str | Path" = None, places_path: "str | Path" = PLACES_FILE
                 ) -> List[Patrol]:
    """The entries, sorted by start date; raises the first ContentError. Re-read when the file
    changes, so a newly published plan applies without a restart."""
    path = Path(path or PATROL_FILE)
    stamp = file_stamp(path)
    cached = _CACHE.get(str(path))
    if cached and cached[0] == stamp and stamp != (None,):
        return cached[1]
    entries, problems = _parse(path, Path(places_path))
    if problems:
        raise problems[0]
    _CACHE[str(path)] = (stamp, entries)
    return entries


# --- questions --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    first: date
    last: Optional[date]   # None: from ``first`` on (current and upcoming)
    label: str


_fmt = fmt_day


def _span(first: date, last: date) -> str:
    if first == last:
        return _fmt(first)
    return f"{_fmt(first, first.year != last.year)}–{_fmt(last)}"


_DATE = re.compile(_L + r"(\d{1,2})/(\d{1,2})(?:/(\d{4}))?" + _R)  # "5/1", "05/01/2026"


def _phrase_in(words: Sequence[str], phrase: str) -> bool:
    target = phrase.split()
    n = len(target)
    return any(list(words[i:i + n]) == target for i in range(len(words) - n + 1))


def parse_period(text: str, today: date) -> Period:
    """The time a question asks about; current and upcoming schedules when it names none."""
    t = load_texts()
    words = [x for w in normalize(text, load_lexicon().abbreviations)
             for x in (["hom", "nay"] if w in ("hnay", "homnay") else [w])]

    def has(*phrases: str) -> bool:
        return any(_phrase_in(words, p) for p in phrases)

    m = _DATE.search(fold(text))
    if m:
        day, month = int(m.group(1)), int(m.group(2))
        year = int(m.group(3)) if m.group(3) else today.year
        try:
            d = date(year, month, day)
            return Period(d, d, t.get("patrol", "period_day", date=_fmt(d)))
        except ValueError:
            pass
    monday = today - timedelta(days=today.weekday())
    if has("tuan sau", "tuan toi"):
        first = monday + timedelta(days=7)
        last = first + timedelta(days=6)
        return Period(first, last, t.get("patrol", "period_next_week", span=_span(first, last)))
    if has("cuoi tuan"):
        first = max(today, monday + timedelta(days=5))
        last = monday + timedelta(days=6)
        return Period(first, last, t.get("patrol", "period_weekend", span=_span(first, last)))
    if has("tuan nay", "trong tuan"):
        last = monday + timedelta(days=6)
        return Period(monday, last, t.get("patrol", "period_this_week", span=_span(monday, last)))
    if has("thang sau", "thang toi"):
        first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
        last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
        return Period(first, last, t.get("patrol", "period_next_month", month=first.month, year=first.year))
    if has("thang nay", "trong thang"):
        first = today.replace(day=1)
        last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
        return Period(first, last, t.get("patrol", "period_this_month", month=first.month, year=first.year))
    if has("ngay mai", "mai", "toi mai", "sang mai", "dem mai"):
        d = today + timedelta(days=1)
        return Period(d, d, t.get("patrol", "period_tomorrow", date=_fmt(d)))
    if has("hom nay", "toi nay", "dem nay", "sang nay", "chieu nay", "trua nay", "bay gio",
           "hien nay", "hien tai", "luc nay"):
        return Period(today, today, t.get("patrol", "period_today", date=_fmt(today)))
    return Period(today, None, t.get("patrol", "period_current"))


@dataclass
class PatrolQuery:
    period: Period
    routes: Tuple[str, ...]
    place: Optional[Place]  # a commune or ward named in the question


def parse_query(text: str, today: date, places_path: "str | Path" = PLACES_FILE) -> PatrolQuery:
    communes = place_matcher(places_path).find_communes(text) if text else []
    commune = communes[0][0] if communes else None
    return PatrolQuery(parse_period(text, today), route_codes(text), commune)


def select(entries: Sequence[Patrol], query: PatrolQuery) -> Tuple[List[Patrol], bool]:
    """Entries for the question, and whether the place filter had to be dropped (a route's
    entries were found, but none names the commune asked about)."""
    p = query.period
    last = p.last or date.max
    found = [e for e in entries if e.overlaps(p.first, last)]
    if query.routes:
        found = [e for e in found if set(e.routes) & set(query.routes)]
    if query.place:
        with_place = [e for e in found if e.mentions_place(query.place.id, query.place.name)]
        if with_place or not query.routes:
            return with_place, False
        return found, bool(found)
    return found, False


def _entry_line(e: Patrol) -> str:
    t = load_texts()
    when = (t.get("patrol", "entry_day", date=_fmt(e.start)) if e.start == e.end
            else t.get("patrol", "entry_range", first=_fmt(e.start, e.start.year != e.end.year),
                       last=_fmt(e.end)))
    line = t.get("patrol", "entry", when=when, hours=e.hours, where=e.where(), unit=e.unit)
    if e.note:
        line += f" {e.note.rstrip('.')}."
    return line + " " + t.get("patrol", "entry_source", source=e.source)


def answer(text: str, today: Optional[date] = None, path: "str | Path" = None,
           places_path: "str | Path" = PLACES_FILE) -> List[Reply]:
    """The reply to a schedule question, from the published plans only."""
    today = today or today_vn()
    entries = load_patrols(path, places_path)
    t = load_texts()
    closing = t.get("patrol", "closing")
    if not entries:
        return [Reply(t.get("patrol", "none_published") + " " + closing)]
    query = parse_query(text, today, places_path)
    found, place_dropped = select(entries, query)
    about = [query.period.label]
    if query.routes:
        about.append(t.get("patrol", "scope_routes",
                           routes=", ".join(route_label(c) for c in query.routes)))
    if query.place and not place_dropped:
        about.append(t.get("patrol", "scope_place", place=f"{query.place.kind} {query.place.name}"))
    scope = ", ".join(about)
    if not found:
        lines = [t.get("patrol", "nothing_found", scope=scope)]
        upcoming = [e for e in entries if e.end >= today][:3]
        if upcoming:
            lines.append(t.get("patrol", "upcoming"))
            lines += [_entry_line(e) for e in upcoming]
        lines.append(closing)
        return [Reply(x) for x in split_text("\n".join(lines))]
    lines = [t.get("patrol", "found", scope=scope)]
    if place_dropped:
        lines.append(t.get("patrol", "place_dropped", place=f"{query.place.kind} {query.place.name}"))
    lines += [_entry_line(e) for e in found[:MAX_ENTRIES]]
    if len(found) > MAX_ENTRIES:
        lines.append(t.get("patrol", "more", count=len(found) - MAX_ENTRIES))
    lines.append(t.get("patrol", "may_change") + " " + closing)
    return [Reply(x) for x in split_text("\n".join(lines))]


def unavailable() -> List[Reply]:
    """The reply when the schedule file cannot be read."""
    t = load_texts()
    return [Reply(t.get("patrol", "unavailable") + " " + t.get("patrol", "closing"))]


def main(argv: Sequence[str] = ()) -> int:
    problems = validate_patrol(argv[0] if argv else None)
    if print_problems(problems):
        return 1
    print(f"✓ Lịch tuần tra hợp lệ ({len(load_patrols(argv[0] if argv else None))} mục).")
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
