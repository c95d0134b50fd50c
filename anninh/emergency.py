"""Emergency numbers: which one to call first, from keywords in content/lexicon/emergency.yml."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

from anninh.content import ContentError, load_yaml, require_mapping
from anninh.lexicon import LEXICON_DIR, load_lexicon
from anninh.render import Reply
from anninh.phrases import PhraseIndex
from anninh.text import normalize

EMERGENCY_FILE = LEXICON_DIR / "emergency.yml"


@dataclass(frozen=True)
class Line:
    number: str
    name: str


class EmergencyGuide:
    def __init__(self, lines: List[Line], keywords: List[Tuple[str, str]], others: List[Line],
                 headline: str, closing: str):
        self.lines = lines
        self.others = others
        self.headline = headline
        self.closing = closing
        self._index = PhraseIndex(keywords, load_lexicon().abbreviations)

    def ranked(self, text: str) -> List[Line]:
        """All main lines, the one matching the message best first (113 when nothing matches)."""
        scores = self._index.scores(normalize(text, self._index.abbreviations))
        return sorted(self.lines, key=lambda l: -scores.get(l.number, 0))

    def mentions(self, text: str) -> bool:
        """Whether the message names any emergency keyword (fire, robbery, injured…)."""
        scores = self._index.scores(normalize(text, self._index.abbreviations))
        return any(score > 0 for score in scores.values())

    def reply(self, text: str) -> Reply:
        ranked = self.ranked(text)
        first = ranked[0]
        lines = [self.headline.format(number=first.number, name=first.name)]
        lines += [f"☎️ {l.number}: {l.name}" for l in ranked + self.others]
        lines.append(self.closing)
        buttons = [{"title": f"Gọi {l.number}", "type": "phone_number", "payload": l.number}
                   for l in ranked]
        return Reply("\n".join(lines), buttons)


def _line(item, path: Path, i: int, key: str) -> Line:
    item = require_mapping(item, path, entry=f"{key}[{i}]")
    number, name = str(item.get("number") or "").strip(), str(item.get("name") or "").strip()
    if not number.isdigit():
        raise ContentError(path, "số điện thoại chỉ gồm chữ số", entry=f"{key}[{i}]", field="number")
    if not name:
        raise ContentError(path, "thiếu tên", entry=f"{key}[{i}]", field="name")
    return Line(number, name)


@lru_cache(maxsize=2)
def load_emergency(path: "str | Path" = EMERGENCY_FILE) -> EmergencyGuide:
    path = Path(path)
    data = require_mapping(load_yaml(path), path)
    lines, keywords = [], []
    for i, item in enumerate(data.get("lines") or []):
        line = _line(item, path, i, "lines")
        lines.append(line)
        keywords += [(line.number, str(k)) for k in (item.get("keywords") or [])]
    if not lines:
        raise ContentError(path, "cần danh sách số khẩn cấp", field="lines")
    others = [_line(item, path, i, "others") for i, item in enumerate(data.get("others") or [])]
    texts = {}
    for key in ("headline", "closing"):
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(path, "thiếu câu (không được để trống)", field=key)
        texts[key] = " ".join(value.split())
    try:
        texts["headline"].format(number="113", name="Công an")
    except (KeyError, IndexError, ValueError):
        raise ContentError(path, "chỉ dùng được {number} và {name}", field="headline") from None
    return EmergencyGuide(lines, keywords, others, **texts)
