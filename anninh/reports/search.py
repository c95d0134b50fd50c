"""The folded text the console searches in: code, description and place, lower case without
diacritics ("Trộm trâu" -> "trom trau"), so a search typed without accents finds them too.
Stored in ``reports.search_text`` when a report is created (and by revision 0004 for older ones)."""
from __future__ import annotations

from typing import Optional

from anninh.text import fold


def search_text(code: Optional[str], description: Optional[str], place_text: Optional[str]) -> str:
    return fold(" ".join(x for x in (code, description, place_text) if x))


def search_pattern(query: str) -> str:
    """A LIKE pattern (escape character ``\\``) for the folded query, spaces squeezed."""
    q = fold(" ".join(query.split()))
    return "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
