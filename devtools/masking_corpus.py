"""The publication-masking corpus (tests/data/publication_corpus.yml) and how masking is scored on
it: shared by the pytest test and ``bench/masking_bench.py``.

An item to mask counts as masked when every letter and digit of every occurrence of it in the
text lies inside a masked span (so "Hùng" left over from "Nông Văn Hùng" is a miss). A masked span
is correct when it overlaps an item to mask; one overlapping nothing listed is a false positive.
An item to keep is kept when it is still in the published text.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

import yaml

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "publication_corpus.yml"
GROUPS = ("names", "addresses", "numbers")


@dataclass
class Score:
    found: Dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    total: Dict[str, int] = field(default_factory=lambda: dict.fromkeys(GROUPS, 0))
    spans: int = 0
    correct_spans: int = 0
    kept: int = 0
    keep_total: int = 0
    misses: List[str] = field(default_factory=list)

    def recall(self, group: str) -> float:
        return self.found[group] / self.total[group] if self.total[group] else 1.0

    @property
    def precision(self) -> float:
        return self.correct_spans / self.spans if self.spans else 1.0


def load_corpus(path: Path = CORPUS) -> List[dict]:
    items = yaml.safe_load(path.read_text(encoding="utf-8"))
    for i, item in enumerate(items):
        unknown = set(item.get("mask") or {}) - set(GROUPS)
        assert not unknown, f"item {i}: unknown groups {unknown}"
        for s in [s for g in GROUPS for s in (item.get("mask") or {}).get(g, [])] + item.get("keep", []):
            assert str(s) in item["text"], f"item {i}: {s!r} is not in the text"
    return items


def occurrences(text: str, needle: str) -> List[Tuple[int, int]]:
    out, start = [], text.find(needle)
    while start >= 0:
        out.append((start, start + len(needle)))
        start = text.find(needle, start + 1)
    return out


def covered(text: str, start: int, end: int, spans: Sequence[Tuple[int, int]]) -> bool:
    return all(any(a <= k < b for a, b in spans) for k in range(start, end) if text[k].isalnum())


def score(items: Sequence[dict], mask) -> Score:
    """``mask(text)`` -> (source, published_text, [(start, end), ...] spans into source)."""
    result = Score()
    for item in items:
        source, published, spans = mask(item["text"])
        targets = []
        for group in GROUPS:
            for needle in (item.get("mask") or {}).get(group, []):
                occ = occurrences(source, str(needle))
                targets += occ
                result.total[group] += 1
                if all(covered(source, a, b, spans) for a, b in occ):
                    result.found[group] += 1
                else:
                    result.misses.append(f"{group}: {needle!r} in {item['text']!r} -> {published!r}")
        for a, b in spans:
            result.spans += 1
            if any(a < y and x < b for x, y in targets):
                result.correct_spans += 1
            else:
                result.misses.append(f"over-masked {source[a:b]!r} in {item['text']!r}")
        for needle in item.get("keep", []):
            result.keep_total += 1
            if str(needle) in published:
                result.kept += 1
            else:
                result.misses.append(f"keep: {needle!r} lost in {published!r}")
    return result
