"""Which procedure, and which aspect of it, a citizen's message is about.

Matching is phrase-based on the catalogue's aliases (editors add aliases, no retraining needed),
accent-insensitive, with teencode expanded and one typo tolerated per phrase. The longest matching
alias wins; a tie between procedures, or only a family word ("căn cước", "giấy tờ xe"), means the
question is vague and the bot asks back with the candidates.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, Iterable, List, Optional, Sequence, Tuple

from anninh.catalogue import ASPECT_FIELDS, Catalogue, load_catalogue
from anninh.entities import extract_age
from anninh.fact_search import FactIndex
from anninh.content import ContentError, load_yaml, require_mapping
from anninh.lexicon import LEXICON_DIR, load_lexicon
from anninh.phrases import PhraseIndex
from anninh.text import Abbreviations, normalize
from anninh import topics



# A cue ("hết hạn") in a message about its family beats that family's bare words ("tạm trú").
CUE_CONTEXT_BONUS = 1


@dataclass
class Resolution:
    procedure: Optional[str] = None          # one procedure, confidently
    candidates: List[str] = field(default_factory=list)  # several: ask back
    family: Optional[str] = None             # the family when only that is known
    aspects: List[str] = field(default_factory=list)      # documents, fee, time, ...
    questions: List[str] = field(default_factory=list)    # yes_no, fine, expired, old_district
    second: Optional[str] = None             # another procedure, also asked
    second_family: Optional[str] = None      # or another family, named only by its bare name


@dataclass
class Aspect:
    id: str
    label: str
    icon: str
    priority: int = 100  # when a message asks several aspects, the lowest is answered first


QUESTION_KINDS = ("yes_no", "fine", "expired", "old_district", "deadline", "processing")
SECOND_TOPIC_MIN_SCORE = 4  # an exact alias of two words or more
TOPIC_JOINERS = {"va", "voi", "con", "ca", "them", "lan", "roi", "cung"}  # và, với, còn, cả, ...
# "cần" before a family's name asks for it as well ("mở quán karaoke cần giấy pccc gì")
NEED_WORDS = {"can"}


class Resolver:
    def __init__(self, catalogue: Catalogue, aspects: Dict[str, Aspect],
                 aspect_phrases: Iterable[Tuple[str, str]], abbreviations: Abbreviations,
                 question_phrases: Iterable[Tuple[str, str]] = (),
                 compounds: FrozenSet[Tuple[str, ...]] = frozenset()):
        self.catalogue = catalogue
        self.compounds = compounds
        self.aspects = aspects
        self.abbreviations = abbreviations
        alias_phrases = [(p.id, a) for p in catalogue.procedures.values() for a in (p.title,) + p.aliases]
        self._procedures = PhraseIndex(alias_phrases, abbreviations)
        # Question cues are read with the aliases so that a cue inside an alias ("bị phạt" in
        # "bị phạt nguội") is not a question about fines.
        self._questions = PhraseIndex(
            [("q:" + k, t) for k, t in question_phrases] + [("p:" + k, a) for k, a in alias_phrases],
            abbreviations, gaps=False)
        self.facts = FactIndex(catalogue, abbreviations,
                               yes_no_cues=[t for k, t in question_phrases if k == "yes_no"])
        self._families = PhraseIndex(
            ((f.id, a) for f in catalogue.families.values() for a in f.aliases), abbreviations)
        self._cues = PhraseIndex(
            ((p.id, c) for p in catalogue.procedures.values() for c in p.cues), abbreviations)
        self._aspects = PhraseIndex(aspect_phrases, abbreviations, gaps=False)

    def question_cues(self, text: str) -> List[Tuple[str, Tuple[str, ...]]]:
        """(kind, words) of the question cues in ``text``; exact matches only (one typo turns
        "nhà chồng cần" into "không cần")."""
        words = normalize(text, self.abbreviations)
        return [(m.key[2:], tuple(words[m.start:m.end])) for m in self._questions.outermost_matches(words)
                if m.key.startswith("q:") and m.score % 2 == 0]

    def content_words(self, text: str) -> List[str]:
        """The words of ``text`` outside the names of procedures and families."""
        words = normalize(text, self.abbreviations)
        named = {i for index in (self._procedures, self._families)
                 for m in index.outermost_matches(words) for i in range(m.start, m.end)}
        return [w for i, w in enumerate(words) if i not in named]

    def detect_questions(self, text: str) -> List[str]:
        # "quan" alone is "quận" only when written so: "quán", "cơ quan" fold to the same word
        found = {kind for kind, words in self.question_cues(text)
                 if not (kind == "old_district" and words == ("quan",) and "quận" not in text.lower())}
        return [k for k in QUESTION_KINDS if k in found]

    def second_topic(self, words: List[str], first: str, age: Optional[int] = None
                     ) -> Tuple[Optional[str], Optional[str]]:
        """(procedure, family) also named in the message, apart from the first procedure: another
        procedure named exactly (two words or more), else another family's bare name. Only exact
        matches count: "làm [căn cước và] hộ chiếu" (words inside a name) hides no second topic."""
        matches = topics.retarget(self.catalogue, age, self._procedures.matches(words))
        exact = [m for m in matches if m.score % 2 == 0]
        own = [m for m in exact if m.key == first] or [m for m in matches if m.key == first]
        spans = [(m.start, m.end) for m in own]

        def apart(m) -> bool:
            return not any(s < m.end and m.start < e for s, e in spans)

        def nested(m) -> bool:
            return any(o.key != m.key and o.start <= m.start and m.end <= o.end
                       and (o.end - o.start) > (m.end - m.start) for o in exact)

        best: Tuple[int, Optional[str]] = (0, None)
        for m in exact:
            if m.key == first or m.score < SECOND_TOPIC_MIN_SCORE or not apart(m) or nested(m):
                continue
            if m.score > best[0]:
                best = (m.score, m.key)
        if best[1]:
            return best[1], None
        # A family's bare name counts only when joined to the first topic by "và", "với", … or
        # asked for with "cần" ("phạt nguội xe máy" is one topic; "căn cước và hộ chiếu" two).
        family = self.catalogue.procedures[first].family
        first_span = min(spans) if spans else (0, 0)

        def joined(m) -> bool:
            lo, hi = (first_span[1], m.start) if first_span[1] <= m.start else (m.end, first_span[0])
            return any(w in TOPIC_JOINERS or w in NEED_WORDS for w in words[lo:hi])

        families = [m for m in self._families.outermost_matches(words)
                    if m.key != family and apart(m) and joined(m)]
        return None, (families[0].key if families else None)

    def detect_aspects(self, text: str) -> List[str]:
        """Aspects asked; a keyword that is half of a compound word is not one ("tiền" in
        "phương tiện")."""
        words = normalize(text, self.abbreviations)
        spans = compound_spans(words, self.compounds)
        found = {m.key for m in self._aspects.outermost_matches(words)
                 if not any(s < m.start < e or s < m.end < e for s, e in spans)
                 and not _situation_quantity(words, m)}
        return sorted((a for a in self.aspects if a in found), key=lambda a: self.aspects[a].priority)

    def procedure_scores(self, words: List[str]) -> Tuple[Dict[str, int], Dict[str, int]]:
        """Scores of procedures and of families for a normalised message.

        A procedure scores by its aliases; its ``cues`` ("hết hạn", "bị mất", "mới mua") count
        only when the message is already about its family: added to an alias match, or on their
        own with a bonus that beats the family's bare words ("tạm trú ... sắp hết hạn").
        """
        proc_scores = self._procedures.outermost(words)
        fam_scores = self._families.scores(words)
        context = set(fam_scores) | {self.catalogue.procedures[p].family for p in proc_scores}
        for pid, cue in self._cues.scores(words).items():
            if self.catalogue.procedures[pid].family in context:
                alias = proc_scores.get(pid, 0)
                proc_scores[pid] = alias + cue if alias else cue + CUE_CONTEXT_BONUS
        return proc_scores, fam_scores

    def resolve(self, text: str, age: Optional[int] = None) -> Resolution:
        words = normalize(text, self.abbreviations)
        result = Resolution(aspects=self.detect_aspects(text), questions=self.detect_questions(text))
        _deadline_or_time(result, words)
        if age is None:
            age = extract_age(text)
        proc_scores, fam_scores = self.procedure_scores(words)
        if age is not None:
            self._apply_age(age, proc_scores, fam_scores)
            topics.drop_too_old(self.catalogue, age, proc_scores)
        if proc_scores:
            top = max(proc_scores.values())
            best = [p for p, s in proc_scores.items() if s == top]
            named = topics.retarget(self.catalogue, age, self._procedures.outermost_matches(words))
            if len(best) == 1:
                result.procedure = best[0]
                result.second, result.second_family = self.second_topic(words, best[0], age)
                return result
            pair = topics.split_tie(named, best)
            if pair is not None:  # two procedures, each named on its own: two questions
                result.procedure, result.second = pair
                return result
            families = {self.catalogue.procedures[p].family for p in best}
            if len(families) == 2 and len(best) == 2:
                # two topics of two families with equal scores: answer the first named first
                first, other = sorted(best, key=lambda p: self._first_position(words, p))
                result.procedure, result.second = first, other
                return result
            result.candidates = sorted((p for p in best if not self._too_old(p, age)),
                                       key=self._order) or sorted(best, key=self._order)
            families = {self.catalogue.procedures[p].family for p in best}
            result.family = families.pop() if len(families) == 1 else None
            return result
        if fam_scores:
            top = max(fam_scores.values())
            best = [f for f, s in fam_scores.items() if s == top]
            if len(best) == 1:
                result.family = best[0]
                result.candidates = [p.id for p in self.catalogue.in_family(best[0])
                                     if not self._too_old(p.id, age)]
        return result

    def _too_old(self, procedure_id: str, age: Optional[int]) -> bool:
        """An age-specific procedure ("dưới 14 tuổi") is not a candidate for someone older."""
        limit = self.catalogue.procedures[procedure_id].applies_to_age_under
        return age is not None and limit is not None and age >= limit

    def _apply_age(self, age: int, proc_scores: Dict[str, int], fam_scores: Dict[str, int]) -> None:
        """A child's age picks the age-specific procedure of the family being asked about."""
        for proc in self.catalogue.procedures.values():
            limit = proc.applies_to_age_under
            if limit is None or age >= limit:
                continue
            in_family = fam_scores.get(proc.family, 0) or any(
                self.catalogue.procedures[p].family == proc.family for p in proc_scores)
            if in_family:
                top = max(list(proc_scores.values()) + list(fam_scores.values()) + [0])
                proc_scores[proc.id] = top + 1

    def _first_position(self, words: List[str], procedure_id: str) -> int:
        return min((m.start for m in self._procedures.outermost_matches(words)
                    if m.key == procedure_id), default=len(words))

    def _order(self, procedure_id: str) -> int:
        return list(self.catalogue.procedures).index(procedure_id)


def load_aspects(path: Path) -> Tuple[Dict[str, Aspect], List[Tuple[str, str]]]:
    data = require_mapping(load_yaml(path), path)
    raw = require_mapping(data.get("aspects"), path, field="aspects")
    aspects: Dict[str, Aspect] = {}
    phrases: List[Tuple[str, str]] = []
    for aspect_id, spec in raw.items():
        if aspect_id not in ASPECT_FIELDS:
            raise ContentError(path, f"không có khía cạnh này (chọn trong: {', '.join(ASPECT_FIELDS)})",
                               entry=str(aspect_id))
        spec = require_mapping(spec, path, entry=str(aspect_id))
        label = spec.get("label")
        keywords = spec.get("keywords")
        if not isinstance(label, str) or not label.strip():
            raise ContentError(path, "thiếu chữ trên nút", entry=aspect_id, field="label")
        if not isinstance(keywords, list) or not keywords:
            raise ContentError(path, "cần danh sách cụm từ", entry=aspect_id, field="keywords")
        priority = spec.get("priority", 100)
        if not isinstance(priority, int) or isinstance(priority, bool):
            raise ContentError(path, "cần một số", entry=aspect_id, field="priority")
        aspects[aspect_id] = Aspect(aspect_id, label.strip(), str(spec.get("icon") or ""), priority)
        phrases.extend((aspect_id, str(k)) for k in keywords)
    missing = set(ASPECT_FIELDS) - set(aspects)
    if missing:
        raise ContentError(path, f"thiếu khía cạnh: {', '.join(sorted(missing))}", field="aspects")
    return aspects, phrases


@lru_cache(maxsize=4)
def get_resolver(procedures_dir: Optional[str] = None, lexicon_dir: Optional[str] = None) -> Resolver:
    """The resolver over the catalogue and lexicon on disk (cached; the action server loads once)."""
    lexicon_path = Path(lexicon_dir) if lexicon_dir else LEXICON_DIR
    catalogue = load_catalogue(procedures_dir) if procedures_dir else load_catalogue()
    aspects, phrases = load_aspects(lexicon_path / "aspects.yml")
    lexicon = load_lexicon(lexicon_path)
    return Resolver(catalogue, aspects, phrases, lexicon.abbreviations,
                    load_questions(lexicon_path / "questions.yml"), lexicon.compounds)


# Words after which "mấy hôm", "mấy ngày", "bao nhiêu ngày" tell how long someone stays or is away
# (ở, ở nhờ, ở trọ, về chơi, về thăm, đi vắng, đến, nghỉ): the citizen's situation, not a question.
# Not "lại", "về", "đi": "làm lại thẻ mấy ngày", "gửi về mấy ngày" ask the processing time.
STAY_WORDS = {"o", "nho", "choi", "tham", "vang", "den", "nghi", "tro"}
COUNT_WORDS = {"may", "bao", "vai"}


def _situation_quantity(words: Sequence[str], match) -> bool:
    """A time keyword that counts a stay ("khách ở nhờ mấy hôm", "về quê mấy ngày"): it describes
    the situation, the question is elsewhere ("báo lưu trú thế nào")."""
    if match.key != "time" or words[match.start] not in COUNT_WORDS:
        return False
    return any(w in STAY_WORDS for w in words[max(0, match.start - 2):match.start])


VALIDITY = (("gia", "tri"), ("hieu", "luc"))  # "có giá trị / hiệu lực trong bao lâu": not a deadline


def _deadline_or_time(result: Resolution, words: Sequence[str] = ()) -> None:
    """The citizen's own deadline ("hạn chót", "chậm nhất", "trước bao nhiêu ngày") is not the
    office's processing time ("mất bao lâu", "bao lâu thì có"): a deadline question drops the time
    aspect its words also match ("trong bao lâu"), unless the message asks when the result comes
    ("phải nộp trong bao lâu thì có kết quả"). ``processing`` only arbitrates and is removed.
    How long a card or a registration stays valid ("có giá trị trong bao lâu") is neither: its
    facts answer it (the term of a tạm trú), else the overview."""
    if "deadline" in result.questions and any(
            tuple(words[i:i + 2]) in VALIDITY for i in range(len(words) - 1)):
        result.questions = [q for q in result.questions if q != "deadline"]
        result.aspects = [a for a in result.aspects if a != "time"]
        return
    if "processing" in result.questions:
        result.questions = [q for q in result.questions if q not in ("deadline", "processing")]
        if "time" not in result.aspects:
            result.aspects = result.aspects + ["time"]
    elif "deadline" in result.questions:
        result.aspects = [a for a in result.aspects if a != "time"]


def compound_spans(words: Sequence[str], compounds: FrozenSet[Tuple[str, ...]]) -> List[Tuple[int, int]]:
    """(start, end) of every compound word ("phương tiện") in normalised words."""
    longest = max((len(c) for c in compounds), default=0)
    return [(i, i + n) for i in range(len(words)) for n in range(2, longest + 1)
            if i + n <= len(words) and tuple(words[i:i + n]) in compounds]


def load_questions(path: Path) -> List[Tuple[str, str]]:
    """(kind, phrase) cues of the questions beyond the six aspects (content/lexicon/questions.yml)."""
    data = require_mapping(load_yaml(path), path)
    raw = require_mapping(data.get("questions"), path, field="questions")
    out: List[Tuple[str, str]] = []
    for kind, phrases in raw.items():
        if kind not in QUESTION_KINDS:
            raise ContentError(path, f"không có kiểu câu hỏi này (chọn trong: {', '.join(QUESTION_KINDS)})",
                               entry=str(kind))
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise ContentError(path, "cần danh sách cụm từ", entry=str(kind))
        out += [(kind, p) for p in phrases]
    return out
