"""How much of a phone screen a message takes, and cutting text to fit one.

A Zalo chat bubble on a common phone shows about 38 characters per line; one screen above the
buttons holds about 12 lines. Lines wrap at spaces, as the app does.
"""
from __future__ import annotations

import math
import re
from typing import List, Sequence

SCREEN_WIDTH = 38
SCREEN_LINES = 12

_CLAUSE_END = re.compile(r"(?<=[.;!?])\s+|(?<=,)\s+|\s+(?=\()")


def screen_lines(text: str, width: int = SCREEN_WIDTH) -> int:
    """Phone lines ``text`` takes: each line wrapped at spaces to ``width`` characters."""
    total = 0
    for line in text.split("\n"):
        used, count = 0, 1
        for word in line.split():
            size = len(word)
            if used and used + 1 + size > width:
                count += 1
                used = 0
            if size > width:
                count += math.ceil(size / width) - 1
                size = size % width or width
            used = size if not used else used + 1 + size
        total += count
    return total


def clip(text: str, limit: int) -> str:
    """At most ``limit`` characters of ``text``: whole sentences or clauses, else cut at a word with
    an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    out = ""
    for piece in _CLAUSE_END.split(text):
        candidate = f"{out} {piece}".strip()
        if len(candidate) > limit:
            break
        out = candidate
    if len(out) >= limit // 3:
        return out.rstrip(",;:") + ("" if out.endswith((".", "!", "?")) else "…")
    cut = text[:max(limit - 1, 1)].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def fit(lines: List[str], keep: int = 1, keep_last: int = 0, max_lines: int = SCREEN_LINES,
        width: int = SCREEN_WIDTH, droppable: Sequence[str] = ()) -> List[str]:
    """Shorten the middle of ``lines`` until together they fit ``max_lines``; the first ``keep``
    and the last ``keep_last`` lines stay whole. Lines in ``droppable`` go first; then the longest
    middle line loses one phone line at a time; when nothing shrinks any more, middle lines are
    dropped from the end."""
    n = len(lines)
    rows = [[line, not keep <= i < n - keep_last] for i, line in enumerate(lines)]  # [text, fixed]

    def total() -> int:
        return sum(screen_lines(r[0], width) for r in rows)

    for line in droppable:
        if total() <= max_lines:
            break
        rows = [r for r in rows if r[0] != line]
    while total() > max_lines:
        candidates = sorted(((screen_lines(r[0], width), -i) for i, r in enumerate(rows) if not r[1]),
                            reverse=True)
        shrunk = False
        for size, neg in candidates:
            row = rows[-neg]
            if size > 1:
                shorter = clip(row[0], max(len(row[0]) - width, width - 4))
                if len(shorter) < len(row[0]) and screen_lines(shorter, width) < size:
                    row[0] = shorter
                    shrunk = True
                    break
        if shrunk:
            continue
        free = [i for i, r in enumerate(rows) if not r[1]]
        if not free:
            break
        del rows[free[-1]]
    return [r[0] for r in rows]


def fits(text: str, max_lines: int = SCREEN_LINES) -> bool:
    return screen_lines(text) <= max_lines
