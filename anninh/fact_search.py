"""Finding the fact a question asks for, within the procedure in context.

BM25 (``bm25s``) over every fact of the catalogue: its ``ask`` phrases (weighted) and its answer,
as accent-free syllables and syllable pairs (so "tạm trú" and "tam tru" are the same tokens and
"hết hạn" differs from "hạn" alone). Scores are computed over the whole catalogue (so words common
to all facts weigh little) and then restricted to the procedure in context.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence

import bm25s
import numpy as np

from anninh.catalogue import Catalogue
from anninh.facts import Fact
from anninh.phrases import PhraseIndex
from anninh.text import Abbreviations, normalize

ASK_WEIGHT = 3          # an ask phrase counts as much as three mentions in the answer
MIN_SCORE = 2.5         # below this, no fact is asked for
MIN_SCORE_FOLLOW_UP = 4.0  # a message naming no procedure needs a clearer match


def tokens(words: Sequence[str]) -> List[str]:
    return list(words) + [f"{a}_{b}" for a, b in zip(words, words[1:])]


@dataclass
class FactMatch:
    fact: Fact
    score: float
    phrase: bool  # one of its ask phrases is in the message


class FactIndex:
    def __init__(self, catalogue: Catalogue, abbreviations: Abbreviations):
        self.abbreviations = abbreviations
        # Names of procedures and families: their words say which procedure, not which fact.
        self._names = PhraseIndex(
            [(p.id, a) for p in catalogue.procedures.values() for a in (p.title,) + p.aliases]
            + [(f.id, a) for f in catalogue.families.values() for a in f.aliases], abbreviations)
        self.facts: List[Fact] = [f for p in catalogue.procedures.values() for f in p.facts]
        corpus = []
        for fact in self.facts:
            toks: List[str] = []
            for phrase in fact.ask:
                toks += tokens(normalize(phrase, abbreviations)) * ASK_WEIGHT
            toks += tokens(normalize(fact.answer, abbreviations))
            corpus.append(toks)
        self._bm25 = bm25s.BM25()
        self._vocab: Dict[str, int] = {}
        if corpus:
            ids = [[self._vocab.setdefault(t, len(self._vocab)) for t in doc] for doc in corpus]
            self._bm25.index(bm25s.tokenization.Tokenized(ids=ids, vocab=self._vocab),
                             show_progress=False)
        self._phrases = PhraseIndex(((str(i), a) for i, f in enumerate(self.facts) for a in f.ask),
                                    abbreviations)

    def search(self, text: str, procedure_ids: Sequence[str], kind: Optional[str] = None,
               min_score: float = MIN_SCORE, situation: str = "") -> Optional[FactMatch]:
        """The best fact of ``procedure_ids`` (of ``kind`` if given) for ``text``, or None.
        A fact kept for a situation (``when: expired``) is searched only with that ``situation``,
        and then only such facts are."""
        allowed = set(procedure_ids)
        mask = np.array([f.procedure in allowed and (kind is None or f.kind == kind)
                         and f.when == situation for f in self.facts], dtype=float)
        if not self.facts or not mask.any():
            return None
        words = normalize(text, self.abbreviations)
        named = {i for m in self._names.outermost_matches(words) for i in range(m.start, m.end)}
        rest = [w for i, w in enumerate(words) if i not in named]
        query = [t for t in tokens(rest) if t in self._vocab]
        scores = self._bm25.get_scores(query) * mask if query else np.zeros(len(self.facts))
        phrase_hits = {int(k) for k in self._phrases.outermost(words)}
        # an ask phrase found as such is strong evidence: add a bonus, and a fact asked for by its
        # own phrase beats one that only shares words with the message ("thuê trọ 2 tháng có cần
        # đăng ký tạm trú không" asks whether to register, not whether the lease needs a notary);
        # only a phrase written out word for word, not one with a typo or other words inside it
        for i in phrase_hits:
            if mask[i]:
                scores[i] += min_score
        exact = {int(m.key) for m in self._phrases.outermost_matches(words)
                 if m.score == 2 * (m.end - m.start) and mask[int(m.key)]}
        best = max(exact, key=lambda i: scores[i]) if exact else int(np.argmax(scores))
        if scores[best] < min_score or not mask[best]:
            return None
        return FactMatch(self.facts[best], float(scores[best]), best in phrase_hits)
