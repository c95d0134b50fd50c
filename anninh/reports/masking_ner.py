"""Person names found by underthesea's named-entity tagger, as character spans.

underthesea ships its CRF NER model inside the package (``pipeline/ner/ner_crf_*.bin``), so
``underthesea.ner`` works offline; the "deep" transformer variant downloads a model and is never
used. The tagger is one signal among the rules of ``masking``: when underthesea cannot be
imported or fails on a text, the rules still apply (and the failure is logged once, without the
text).
"""
from __future__ import annotations

from typing import List, Tuple

from anninh.reports.privacy import get_logger
from anninh.text import fold, fold_with_map

log = get_logger(__name__)
_broken = False


def _tag(text: str) -> List[Tuple[str, str]]:
    from underthesea import ner
    return [(row[0], row[-1]) for row in ner(text)]


def person_spans(text: str) -> List[Tuple[int, int]]:
    """(start, end) in ``text`` of every person the tagger sees (B-PER / I-PER runs)."""
    global _broken
    if _broken or not text.strip():
        return []
    try:
        tagged = _tag(text)
    except Exception as exc:  # noqa: BLE001 - an optional signal: the rules still mask
        _broken = True
        log.warning("underthesea NER unavailable (%s); masking uses the rules only", type(exc).__name__)
        return []
    folded, index = fold_with_map(text)
    spans: List[Tuple[int, int]] = []
    cursor = 0
    for token, tag in tagged:
        needle = fold(token)
        pos = folded.find(needle, cursor) if needle else -1
        if pos < 0:
            continue
        cursor = pos + len(needle)
        start, end = index[pos], index[pos + len(needle) - 1] + 1
        if tag.endswith("PER"):
            if tag.startswith("I-") and spans and _only_spaces(text, spans[-1][1], start):
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def _only_spaces(text: str, a: int, b: int) -> bool:
    return a <= b and not text[a:b].strip()
