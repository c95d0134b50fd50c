"""Vietnamese text normalisation shared by the NLU components and the actions.

Citizens write with or without diacritics, with old or new tone placement ("hoà"/"hòa"),
teencode ("ko", "dc", "đk") and typos. Everything that compares text goes through ``fold``:
lower case, no tone or vowel marks, and "đ" folded to "d" (which ``unicodedata`` alone does not do).

``fold_with_map`` keeps, for every folded character, the index of the raw character it came from, so
that matches found in folded text can be reported as offsets into the raw message.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Dict, List, Tuple

_D_MAP = {"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"}


@lru_cache(maxsize=4096)
def fold_char(ch: str) -> str:
    """Fold one character: "Ộ" -> "o", "đ" -> "d"; a combining mark folds to ""."""
    if ch in _D_MAP:
        return _D_MAP[ch]
    if ch.isascii():
        return ch.lower()
    decomposed = unicodedata.normalize("NFD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return base.lower()


def fold(text: str) -> str:
    """Accent- and case-insensitive form of ``text`` ("Đăng ký" -> "dang ky")."""
    return "".join(fold_char(c) for c in text)


def fold_with_map(text: str) -> Tuple[str, List[int]]:
    """Fold ``text`` and return, for every folded character, its index in ``text``."""
    out: List[str] = []
    index: List[int] = []
    for i, ch in enumerate(text):
        f = fold_char(ch)
        for c in f:
            out.append(c)
            index.append(i)
    return "".join(out), index


def has_diacritics(text: str) -> bool:
    """True if ``text`` contains any Vietnamese letter with a mark (including "đ")."""
    return any(unicodedata.combining(ch)
               or (ch.isalpha() and not ch.isascii() and fold_char(ch) != ch.lower())
               for ch in text)


_WORD_RE = re.compile(r"[0-9a-z]+")
# "kí"/"ký", "lí"/"lý", "mĩ"/"mỹ", "quí"/"quý": a final "y" after consonants is spelled either way.
_FINAL_Y = re.compile(r"^(qu|[bcdghklmnpqrstvx]+)y$")


def canonical(syllable: str) -> str:
    """One spelling for variants that differ only in final i/y: "ky" -> "ki"."""
    return _FINAL_Y.sub(r"\1i", syllable)


def syllables(text: str) -> List[str]:
    """Folded, canonical syllables of ``text``; punctuation and emoji are dropped."""
    return [canonical(w) for w in _WORD_RE.findall(fold(text))]


class Abbreviations:
    """Teencode and abbreviations ("ko" -> "không", "đk" -> "đăng ký"), loaded from a data file.

    A key matches a word exactly as written (lower case): "ca" (công an) does not match "cà",
    and "đk" and "dk" are listed separately. An expansion is a list of folded syllables.
    """

    def __init__(self, mapping: Dict[str, str],
                 contexts: "Dict[str, Dict[str, List[str]]] | None" = None):
        self._map: Dict[str, List[str]] = {}
        for short, long in mapping.items():
            key = unicodedata.normalize("NFC", str(short)).strip().lower()
            self._map[key] = syllables(str(long))
        # Keys read as abbreviations only in context ("ca xã" = công an xã, but "ca nha" = "cả
        # nhà"): before one of ``before`` (folded words), after one of ``after``, or at the end.
        self._contexts: Dict[str, Tuple[frozenset, frozenset]] = {}
        for short, spec in (contexts or {}).items():
            key = unicodedata.normalize("NFC", str(short)).strip().lower()
            self._contexts[key] = (frozenset(canonical(fold(w)) for w in spec.get("before", ())),
                                   frozenset(canonical(fold(w)) for w in spec.get("after", ())))

    def get(self, word: str) -> "List[str] | None":
        """The expansion of ``word`` as written, or None."""
        return self._map.get(unicodedata.normalize("NFC", word).lower())

    def in_context(self, word: str, before: "str | None", after: "str | None") -> bool:
        """Whether ``word`` (a key) is an abbreviation here: ``before`` is the previous word and
        ``after`` the next one (raw, or None at the ends of the message)."""
        spec = self._contexts.get(unicodedata.normalize("NFC", word).lower())
        if spec is None:
            return True
        next_words, previous_words = spec
        if after is None:
            return True
        if canonical(fold(after)) in next_words:
            return True
        return before is not None and canonical(fold(before)) in previous_words


_RAW_WORD_RE = re.compile(r"\w+")


def normalize(text: str, abbreviations: "Abbreviations | None" = None) -> List[str]:
    """Folded syllables of ``text`` with abbreviations expanded: the form all matching uses."""
    if abbreviations is None:
        return syllables(text)
    out: List[str] = []
    raw = _RAW_WORD_RE.findall(unicodedata.normalize("NFC", text))
    for i, word in enumerate(raw):
        expansion = abbreviations.get(word)
        if expansion is not None and not abbreviations.in_context(
                word, raw[i - 1] if i else None, raw[i + 1] if i + 1 < len(raw) else None):
            expansion = None
        out.extend(expansion if expansion is not None else syllables(word))
    return out


def edit_distance_at_most_one(a: str, b: str) -> bool:
    """True if ``a`` and ``b`` differ by at most one insertion, deletion or substitution."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = j = 0
    edited = False
    while i < la and j < lb:
        if a[i] == b[j]:
            i += 1
            j += 1
            continue
        if edited:
            return False
        edited = True
        if la == lb:
            i += 1
        j += 1
    return True
