"""Small pattern-based entities shared by the NLU extractor and the actions."""
from __future__ import annotations

import re
from typing import Optional, Tuple

from anninh.text import fold

_L = r"(?<![a-z0-9])"
_R = r"(?![a-z0-9])"
_MONTHS = re.compile(_L + r"(\d{1,2})\s*thang\s*tuoi" + _R)
_YEARS = re.compile(_L + r"(\d{1,3})\s*(?:tuoi|t)" + _R)


def find_age(folded: str) -> Optional[Tuple[int, int, int]]:
    """(age in years, start, end) in already folded text: "5 tuoi" -> 5; "8 thang tuoi" -> 0."""
    m = _MONTHS.search(folded)
    if m:
        return 0, m.start(), m.end()
    m = _YEARS.search(folded)
    if m and int(m.group(1)) < 120:
        return int(m.group(1)), m.start(), m.end()
    return None


def extract_age(text: str) -> Optional[int]:
    found = find_age(fold(text))
    return found[0] if found else None
