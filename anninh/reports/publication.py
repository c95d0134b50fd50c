"""What may be published about a report: its outcome, masked.

``prepare_publication(report, text)`` is the one path from an officer's result text to the text
the citizen, the public site and the chat see (``ReportStore.publish_result`` and its preview
both use it, so the preview is exactly what is stored):

- the content of a report is never public, only its outcome: a result text that repeats a run of
  ``QUOTE_WORDS`` words of the citizen's description is refused (``ValidationError``);
- the text is masked by ``masking.mask_publication``, with the sender's name and place text
  masked wherever they appear (commune-level parts of the place stay readable).
"""
from __future__ import annotations

import re
from typing import Any, List, Optional

from anninh.reports.errors import ValidationError
from anninh.reports.masking import Masked, mask_publication
from anninh.text import fold

#: this many consecutive words of the description in a result text count as repeating it
QUOTE_WORDS = 8


def _words(text: Optional[str]) -> List[str]:
    return re.findall(r"\w+", fold(text or ""))


def quotes_description(text: str, description: Optional[str], n: int = QUOTE_WORDS) -> bool:
    """True when ``text`` contains ``n`` consecutive words of ``description`` (accent-insensitive)."""
    source = _words(description)
    if len(source) < n:
        return False
    grams = {tuple(source[i:i + n]) for i in range(len(source) - n + 1)}
    words = _words(text)
    return any(tuple(words[i:i + n]) in grams for i in range(len(words) - n + 1))


def prepare_publication(report: Any, text: str) -> Masked:
    """The masked result text of ``report`` (a ``Report`` or a row with ``description``,
    ``contact_name`` and ``place_text``), or ``ValidationError`` when it repeats the report."""
    if quotes_description(text, getattr(report, "description", None)):
        raise ValidationError(f"the result text repeats the report's content ({QUOTE_WORDS} or more words of "
                              "the description); publish only the outcome")
    names = [getattr(report, "contact_name", None) or ""]
    places = [getattr(report, "place_text", None) or ""]
    return mask_publication(text, known_names=names, known_places=places)
