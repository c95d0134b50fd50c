"""Finding known phrases (aliases, keywords) in a message: accent-insensitive, one typo allowed."""
from __future__ import annotations

from typing import Dict, Iterable, List, Sequence, Tuple

from anninh.text import Abbreviations, edit_distance_at_most_one, normalize

Phrase = Tuple[str, ...]


class PhraseIndex:
    """Finds which keys' phrases occur in a message; score = matched length (x2), -1 if fuzzy."""

    def __init__(self, phrases: Iterable[Tuple[str, str]], abbreviations: Abbreviations):
        self.abbreviations = abbreviations
        self._by_first: Dict[str, List[Tuple[Phrase, str]]] = {}
        self._phrases: List[Tuple[Phrase, str]] = []
        for key, text in phrases:
            words = tuple(normalize(text, abbreviations))
            if words:
                self._phrases.append((words, key))
                self._by_first.setdefault(words[0], []).append((words, key))

    def scores(self, words: Sequence[str]) -> Dict[str, int]:
        best: Dict[str, int] = {}

        def keep(key: str, score: int) -> None:
            if score > best.get(key, 0):
                best[key] = score

        n = len(words)
        for i, w in enumerate(words):  # exact matches, indexed by first word
            for phrase, key in self._by_first.get(w, ()):
                if tuple(words[i:i + len(phrase)]) == phrase:
                    keep(key, 2 * len(phrase))
        for phrase, key in self._phrases:  # one typo in a phrase of two or more words
            m = len(phrase)
            if m < 2 or best.get(key, 0) >= 2 * m:
                continue
            for i in range(n - m + 1):
                diffs = 0
                for a, b in zip(phrase, words[i:i + m]):
                    if a != b:
                        if len(a) < 3 or len(b) < 3 or not edit_distance_at_most_one(a, b):
                            diffs = 2
                            break
                        diffs += 1
                        if diffs > 1:
                            break
                if diffs == 1:
                    keep(key, 2 * m - 1)
                    break
        return best
