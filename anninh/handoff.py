"""Settings and texts of "talk to an officer" (content/handoff.yml): office hours, how long the
assistant stays silent, and what the citizen is told. Storage is ``anninh.reports.handoff``."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from anninh import CONTENT_DIR
from anninh.content import (ContentError, file_stamp, load_yaml, problems_of, require_mapping,
                            template)
from anninh.texts import load_texts

HANDOFF_FILE = CONTENT_DIR / "handoff.yml"
# Vietnamese day numbers: 2 = Monday … 7 = Saturday, 8 = Sunday (names: content/texts.yml).
DAYS = range(2, 9)
MESSAGES = {"requested": {"when"}, "when_open": set(), "when_closed": {"next_open"},
            "when_unknown": set(), "handed_back": set(), "next_open": {"time", "day", "date"},
            "unavailable": set()}
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def vn_day(d: datetime) -> int:
    return d.isoweekday() + 1  # Monday (1) -> 2 … Sunday (7) -> 8


@dataclass(frozen=True)
class Period:
    days: Tuple[int, ...]
    start: time
    end: time


@dataclass(frozen=True)
class HandoffSettings:
    office_hours: Tuple[Period, ...]
    silence_hours: float
    messages: Dict[str, str]

    def is_open(self, now_vn: datetime) -> bool:
        return any(vn_day(now_vn) in p.days and p.start <= now_vn.time() < p.end
                   for p in self.office_hours)

    def next_open(self, now_vn: datetime) -> Optional[datetime]:
        """The next moment office hours start after ``now_vn`` (within two weeks)."""
        best = None
        for offset in range(15):
            day = (now_vn + timedelta(days=offset)).date()
            for p in self.office_hours:
                start = datetime.combine(day, p.start, tzinfo=now_vn.tzinfo)
                if vn_day(start) in p.days and start > now_vn and (best is None or start < best):
                    best = start
            if best is not None:
                return best
        return best

    def when_text(self, now_vn: datetime) -> str:
        if not self.office_hours:
            return self.messages["when_unknown"]
        if self.is_open(now_vn):
            return self.messages["when_open"]
        nxt = self.next_open(now_vn)
        if nxt is None:
            return self.messages["when_unknown"]
        label = self.messages["next_open"].format(
            time=f"{nxt:%H:%M}", day=load_texts().weekday(nxt.isoweekday()), date=f"{nxt:%d/%m}")
        return self.messages["when_closed"].format(next_open=label)

    def requested_text(self, now_vn: datetime) -> str:
        return self.messages["requested"].format(when=self.when_text(now_vn))


def _time(value, path: Path, entry: str, key: str) -> time:
    m = _HHMM.match(str(value or "").strip())
    if not m:
        raise ContentError(path, 'cần giờ dạng "HH:MM", ví dụ "07:30"', entry=entry, field=key)
    return time(int(m.group(1)), int(m.group(2)))


def _period(item, path: Path, i: int) -> Period:
    entry = f"office_hours[{i}]"
    item = require_mapping(item, path, entry=entry)
    days = item.get("days")
    if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
        raise ContentError(path, "cần danh sách các thứ, từ 2 (Thứ Hai) đến 8 (Chủ nhật)",
                           entry=entry, field="days")
    start, end = _time(item.get("from"), path, entry, "from"), _time(item.get("to"), path, entry, "to")
    if end <= start:
        raise ContentError(path, "giờ kết thúc phải sau giờ bắt đầu", entry=entry, field="to")
    return Period(tuple(days), start, end)


def _message(messages: dict, key: str, path: Path) -> str:
    return template(messages.get(key), path, "messages", key, MESSAGES[key])


def parse_settings(path: Path) -> HandoffSettings:
    data = require_mapping(load_yaml(path), path)
    raw_hours = data.get("office_hours")
    raw_hours = [] if raw_hours is None else raw_hours
    if not isinstance(raw_hours, list):
        raise ContentError(path, "cần một danh sách (để trống: office_hours: [])", field="office_hours")
    hours = tuple(_period(item, path, i) for i, item in enumerate(raw_hours))
    silence = data.get("silence_hours")
    if isinstance(silence, bool) or not isinstance(silence, (int, float)) or not 0 < silence <= 72:
        raise ContentError(path, "cần số giờ lớn hơn 0 và không quá 72", field="silence_hours")
    messages = data.get("messages")
    if not isinstance(messages, dict):
        raise ContentError(path, "cần các câu trả lời", field="messages")
    return HandoffSettings(hours, float(silence), {k: _message(messages, k, path) for k in MESSAGES})


def validate_handoff(path: "str | Path" = HANDOFF_FILE) -> List[ContentError]:
    return problems_of(parse_settings, Path(path))


@lru_cache(maxsize=4)
def _cached(path: str, stamp: tuple) -> HandoffSettings:
    return parse_settings(Path(path))


def load_handoff(path: "str | Path" = HANDOFF_FILE) -> HandoffSettings:
    """The settings, re-read when the file changes."""
    return _cached(str(path), file_stamp(path))


def transcript_from_events(events: Sequence[dict], limit: int = 40) -> List[Dict[str, str]]:
    """The conversation so far as lines for the officer: who (citizen / bot) and what was said."""
    lines = []
    for e in events:
        if e.get("event") == "user" and e.get("text"):
            lines.append({"who": "citizen", "text": e["text"], "at": str(e.get("timestamp") or "")})
        elif e.get("event") == "bot" and e.get("text"):
            lines.append({"who": "bot", "text": e["text"], "at": str(e.get("timestamp") or "")})
    return lines[-limit:]
