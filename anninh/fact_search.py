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
    def __init__(self, catalogue: Catalogue, abbreviations: Abbreviations,
                 yes_no_cues: Sequence[str] = ()):
        self.abbreviations = abbreviations
        # the words of a yes/no question ("có cần", "có phải"): an ask phrase holding them asks it
        self._yes_no_cues = [tuple(normalize(c, abbreviations)) for c in yes_no_cues]
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
        # ask phrases of the facts searched, each not inside a longer one of another fact searched
        outer = self._phrases.outermost_matches(words, keep=lambda key: bool(mask[int(key)]))
        phrase_hits = {int(m.key) for m in outer}
        # an ask phrase found as such is strong evidence: add a bonus; and a fact whose ask phrase,
        # written word for word (no typo, no word inside), holds the question's own words beats one
        # that only shares words with the message ("thuê trọ 2 tháng có cần đăng ký tạm trú không"
        # asks whether to register, not whether the lease needs a notary; "đủ 25 tuổi …, có mất
        # phí không" asks the fee, though "đủ 25 tuổi" is a phrase of another fact)
        for i in phrase_hits:
            scores[i] += min_score
        written = [m for m in outer if m.score == 2 * (m.end - m.start)]
        asking = {int(m.key) for m in written if self._asks_yes_no(words[m.start:m.end])}
        best = max(asking, key=lambda i: scores[i]) if asking else int(np.argmax(scores))
        # ... unless the message also names the case of a narrower rule on the same quantity
        # ("trong độ tuổi nghĩa vụ quân sự, đi làm xa 5 tháng có phải khai báo tạm vắng không":
        # 3 months for them, not everyone's 12)
        narrower = {int(m.key) for m in written} - {best}
        narrower = {i for i in narrower if self._narrows(self.facts[i], self.facts[best])}
        if asking and narrower:
            best = max(narrower, key=lambda i: scores[i])
        if scores[best] < min_score or not mask[best]:
            return None
        return FactMatch(self.facts[best], float(scores[best]), best in phrase_hits)

    def _asks_yes_no(self, phrase: Sequence[str]) -> bool:
        """The phrase holds a yes/no cue and says more than the cue alone ("có cần đăng ký tạm
        trú", not "bắt buộc")."""
        n = len(phrase)
        return any(len(c) < n and tuple(phrase[i:i + len(c)]) == c
                   for c in self._yes_no_cues for i in range(n - len(c) + 1))

    @staticmethod
    def _narrows(fact: Fact, general: Fact) -> bool:
        """``fact`` is a rule of the same procedure on the same quantity as ``general``."""
        return (fact.procedure == general.procedure and fact.condition is not None
                and general.condition is not None
                and fact.condition.quantity == general.condition.quantity)
