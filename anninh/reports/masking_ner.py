"""Person names found by underthesea's named-entity tagger, as character spans.

underthesea ships its CRF NER model inside the package (``pipeline/ner/ner_crf_*.bin``), so
``underthesea.ner`` works offline; the "deep" transformer variant downloads a model and is never
used. The tagger is one signal among the rules of ``masking``: when underthesea cannot be
imported or fails on a text, the rules still apply (and the failure is logged once, without the
text).
"""
from __future__ import annotations

import re
import threading
from typing import List, Tuple

from anninh.reports.privacy import get_logger
from anninh.text import fold, fold_with_map

log = get_logger(__name__)
_broken = False
_lock = threading.Lock()


def _tag(text: str) -> List[Tuple[str, str]]:
    from underthesea import ner
    with _lock:  # one shared model; the action server masks in worker threads
        return [(row[0], row[-1]) for row in ner(text)]


# A sentence or clause: the tagger sees a name at the start of one ("…; Páo và Dợ đã …") that it
# misses in the middle of a long text. A dot inside "11A-123.45" or "1.500.000" does not end one.
_SENTENCE_RE = re.compile(r".+?(?:[.;!?](?=\s|$)|\n|$)", re.S)


def person_spans(text: str) -> List[Tuple[int, int]]:
    """(start, end) in ``text`` of every person the tagger sees (B-PER / I-PER runs), sentence
    by sentence."""
    out: List[Tuple[int, int]] = []
    for m in _SENTENCE_RE.finditer(text):
        out += [(m.start() + a, m.start() + b) for a, b in _sentence_spans(m.group(0))]
    return out


def _sentence_spans(text: str) -> List[Tuple[int, int]]:
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
