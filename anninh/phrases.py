"""Finding known phrases (aliases, keywords) in a message.

Matching is on normalised syllables (accent-free, teencode expanded). A phrase of two or more words
also matches with one typo ("tam truu"), and one of three or more words with a few other words
inside it ("xóa [đăng ký] tạm trú", "mua xe [máy] cũ"); such a match scores one point less than
an exact one.
Score of a match = 2 x the phrase's length in words (longer, more specific phrases win).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from anninh.text import Abbreviations, edit_distance_at_most_one, normalize

Phrase = Tuple[str, ...]
MAX_GAP = 3  # words allowed inside a phrase, in all


@dataclass(frozen=True)
class Match:
    key: str
    start: int
    end: int  # exclusive, in words
    score: int


def _fuzzy_at(phrase: Phrase, words: Sequence[str], i: int) -> bool:
    """True if ``phrase`` matches ``words[i:]`` with exactly one typo.

    Vietnamese syllables one letter apart are often different words ("tiền"/"biển"), so the typo
    must be in a long syllable ("truu"), or the phrase must have three or more words.
    """
    diffs = 0
    min_len = 3 if len(phrase) >= 3 else 5
    for a, b in zip(phrase, words[i:i + len(phrase)]):
        if a != b:
            if max(len(a), len(b)) < min_len or min(len(a), len(b)) < 3 \
                    or not edit_distance_at_most_one(a, b):
                return False
            diffs += 1
            if diffs > 1:
                return False
    return diffs == 1


def _gapped_at(phrase: Phrase, words: Sequence[str], i: int) -> Optional[int]:
    """End index if ``phrase`` occurs in order from ``words[i]`` with at most MAX_GAP extra words."""
    if words[i] != phrase[0]:
        return None
    j, gap = i + 1, 0
    for w in phrase[1:]:
        while j < len(words) and words[j] != w:
            j += 1
            gap += 1
            if gap > MAX_GAP:
                return None
        if j >= len(words):
            return None
        j += 1
    return j


class PhraseIndex:
    def __init__(self, phrases: Iterable[Tuple[str, str]], abbreviations: Abbreviations,
                 gaps: bool = True):
        self.abbreviations = abbreviations
        self.gaps = gaps
        self._by_first: Dict[str, List[Tuple[Phrase, str]]] = {}
        self._phrases: List[Tuple[Phrase, str]] = []
        # Phrases of two or more words by their first and by their second word (their position in
        # _phrases): a match with one typo has its first or its second word right.
        self._fuzzy_by_word: Tuple[Dict[str, List[int]], Dict[str, List[int]]] = ({}, {})
        for key, text in phrases:
            words = tuple(normalize(text, abbreviations))
            if words:
                if len(words) >= 2:
                    self._fuzzy_by_word[0].setdefault(words[0], []).append(len(self._phrases))
                    self._fuzzy_by_word[1].setdefault(words[1], []).append(len(self._phrases))
                self._phrases.append((words, key))
                self._by_first.setdefault(words[0], []).append((words, key))

    def matches(self, words: Sequence[str]) -> List[Match]:
        """Every phrase occurrence, exact, with one typo, or with words inside it."""
        found: List[Match] = []
        n = len(words)
        for i, w in enumerate(words):
            for phrase, key in self._by_first.get(w, ()):
                m = len(phrase)
                if tuple(words[i:i + m]) == phrase:
                    found.append(Match(key, i, i + m, 2 * m))
                elif m >= 3 and self.gaps:  # never for two words: "làm [căn cước] mất"
                    end = _gapped_at(phrase, words, i)
                    if end is not None:
                        found.append(Match(key, i, end, 2 * m - 1))
        # With one typo: only where the phrase's first or second word stands; the leftmost
        # occurrence of each phrase, phrases in their order.
        starts: Dict[int, List[int]] = {}
        for offset, index in enumerate(self._fuzzy_by_word):
            for j, w in enumerate(words):
                for p in index.get(w, ()):
                    starts.setdefault(p, []).append(j - offset)
        for p in sorted(starts):
            phrase, key = self._phrases[p]
            m = len(phrase)
            for i in sorted(set(starts[p])):
                if 0 <= i <= n - m and _fuzzy_at(phrase, words, i):
                    found.append(Match(key, i, i + m, 2 * m - 1))
                    break
        return found

    def scores(self, words: Sequence[str]) -> Dict[str, int]:
        """Best score of each key found in ``words``."""
        best: Dict[str, int] = {}
        for match in self.matches(words):
            if match.score > best.get(match.key, 0):
                best[match.key] = match.score
        return best

    def outermost_matches(self, words: Sequence[str],
                          keep: Optional[Callable[[str], bool]] = None) -> List[Match]:
        """Matches that do not lie inside a longer match of another key; with ``keep``, only the
        matches of the keys it keeps count, for both."""
        found = [m for m in self.matches(words) if keep is None or keep(m.key)]
        return [m for m in found
                if not any(o.key != m.key and o.start <= m.start and m.end <= o.end
                           and (o.end - o.start) > (m.end - m.start) for o in found)]

    def outermost(self, words: Sequence[str]) -> Dict[str, int]:
        """Like ``scores``, ignoring matches that lie inside a longer match of another key
        ("bao nhiêu" inside "bao nhiêu ngày")."""
        best: Dict[str, int] = {}
        for match in self.outermost_matches(words):
            best[match.key] = max(best.get(match.key, 0), match.score)
        return best
