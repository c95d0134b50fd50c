"""Choosing the answer to a procedure question: a fact, an aspect, the overview, or asking back.

Order: a message saying something has already expired gets the fact kept for that (a renewal is
no longer possible: anninh.fact_context); a question about fines gets the fine (or "unknown"); a
yes/no, eligibility or "already expired" question, or one naming an ask phrase of a fact, gets that
fact (with its condition checked against the age or duration in the message, or named earlier in
the conversation), except that a yes/no on the fee or the online channel which the fields settle is
answered from them (anninh.verdict) unless a fact was named by its ask phrase; a deadline question
("hạn chót", "chậm nhất": the citizen's, not the office's processing time) gets the procedure's
``kind: deadline`` fact, or says none is known; an aspect question
gets the aspect; else the overview. Two procedures of two families in one message: the first is answered, the other is a
button. A message naming no procedure is about the one last answered, when it asks something.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence, Tuple

from anninh import follow_up, render, situation_note
from anninh.answer_texts import load_texts
from anninh.fact_context import (EXPIRED, already_expired, answered_procedure, expired_scope,
                                 with_known)
from anninh.fact_search import MIN_SCORE, MIN_SCORE_FOLLOW_UP, FactMatch
from anninh.render import Reply
from anninh.resolver import Resolution, Resolver
from anninh.text import normalize
from anninh.verdict import old_district_answer, old_district_asked, verdict_answer

FACT_QUESTIONS = ("yes_no", "fine", "expired", "deadline")
MIN_SCORE_EXPIRED = 1.0  # the message already says it has expired: a weaker match will do
Known = Optional[Dict[str, float]]  # ages and durations named earlier in the conversation
# Words too common to show that a question and a fact are about the same thing.
COMMON_WORDS = {"co", "khong", "duoc", "thi", "la", "lam", "phai", "can", "gi", "sao", "a", "nao",
                "the", "roi", "o", "va", "cho", "em", "toi", "anh", "chi", "minh", "nay", "do", "vay"}


def _prefix(result: Resolution) -> List[str]:
    return [load_texts()("old_district")] if "old_district" in result.questions else []


def _family_fact(resolver: Resolver, text: str, procedure_id: str, result: Resolution,
                 min_score: float, known: Known = None) -> Optional[FactMatch]:
    """A fact of the procedure, else one of its family's other procedures named by an ask phrase
    ("quá hạn rồi thì sao" about tạm trú is answered by gia hạn's fact)."""
    own = _find_fact(resolver, text, [procedure_id], result, min_score, known)
    if (own is not None and own.phrase) or not any(q in FACT_QUESTIONS for q in result.questions):
        return own
    # a fine asked about a procedure that has its own fine is that fine, not a neighbour's
    if own is not None and own.fact.kind == "fine" and "fine" in result.questions:
        return own
    # a fact of the family named by its ask phrase beats one of this procedure found by words only
    proc = resolver.catalogue.procedures[procedure_id]
    others = [p for p in resolver.catalogue.families[proc.family].procedure_ids if p != procedure_id]
    match = _find_fact(resolver, text, others, result, min_score, known)
    return match if match is not None and match.phrase else own


def _find_fact(resolver: Resolver, text: str, procedure_ids: Sequence[str], result: Resolution,
               min_score: float = MIN_SCORE, known: Known = None) -> Optional[FactMatch]:
    asks = [q for q in result.questions if q in FACT_QUESTIONS]
    if "fine" in asks:
        return resolver.facts.search(text, procedure_ids, kind="fine", min_score=min_score)
    if "deadline" in asks:
        deadline = _deadline_fact(resolver, text, procedure_ids)
        if deadline is not None:
            return deadline  # else another fact may answer ("ở được bao lâu thì phải làm lại")
    match = resolver.facts.search(text, procedure_ids, min_score=min_score)
    if match is None:
        return None
    if not match.phrase and not _asks_this(resolver, text, match, known):
        return None
    if not match.phrase and result.aspects and not set(result.aspects) & set(
            resolver.detect_aspects(" ; ".join((match.fact.answer,) + match.fact.ask))):
        # a fact found by its words only, saying nothing of the aspect asked, does not beat it
        # ("thu hồi biển số có mất phí không" asks the fee, not whether the plate is kept)
        return None
    # With no question word, only an ask phrase written in the message picks a fact, and not
    # over an aspect asked ("đăng ký tạm trú" alone gets the overview; "con mới sinh cần gì"
    # gets the papers).
    return match if (asks or (match.phrase and not result.aspects)) else None


def _deadline_fact(resolver: Resolver, text: str, procedure_ids: Sequence[str]
                   ) -> Optional[FactMatch]:
    """A deadline question ("hạn chót", "chậm nhất", "trước bao nhiêu ngày") is answered by a fact
    of ``kind: deadline``: the one its words find, else, asked about one procedure, its only such
    fact (its deadline, whatever words the question uses). None: the catalogue has no deadline."""
    match = resolver.facts.search(text, procedure_ids, kind="deadline", min_score=MIN_SCORE)
    if match is not None or len(procedure_ids) != 1:
        return match
    own = [f for f in resolver.catalogue.procedures[procedure_ids[0]].facts
           if f.kind == "deadline" and not f.when]
    return FactMatch(own[0], 0.0, True) if len(own) == 1 else None


def _asks_this(resolver: Resolver, text: str, match: FactMatch, known: Known = None) -> bool:
    """A fact found by its words only (no ask phrase in the message) answers the question if the
    question names the quantity its condition checks ("ở 10 ngày có cần không"), or if the
    question's own words are in one of its ask phrases ("có cần" in "có cần đăng ký tạm trú").
    Otherwise it is only about the same topic ("chưa có hợp đồng thuê nhà thì sao" is not
    "có cần công chứng hợp đồng không")."""
    fact = match.fact
    if fact.condition and fact.condition.quantity in with_known(text, known):
        return True
    asks = [tuple(normalize(a, resolver.abbreviations)) for a in fact.ask]
    cues = [cue for _, cue in resolver.question_cues(text)]
    if not any(ask[i:i + len(cue)] == cue for cue in cues for ask in asks
               for i in range(len(ask) - len(cue) + 1)):
        return False
    # ... and the rest of the question (not the procedure's name, not the question words) shares
    # a word with it: "sổ hộ khẩu còn dùng được không" is not "nộp trực tiếp được không".
    cue_words = {w for cue in cues for w in cue}
    rest = set(resolver.content_words(text)) - cue_words - COMMON_WORDS
    return bool(rest & {w for ask in asks for w in ask})


def _expired_fact(resolver: Resolver, text: str, procedure_id: Optional[str]) -> Optional[FactMatch]:
    """The "already expired" fact for a message saying so about ``procedure_id`` (see
    anninh.fact_context): not a renewal any more."""
    if not procedure_id or not already_expired(normalize(text, resolver.abbreviations)):
        return None
    scope = expired_scope(resolver.facts.facts, procedure_id)
    return resolver.facts.search(text, scope, min_score=MIN_SCORE_EXPIRED, situation=EXPIRED)


def answer_procedure(resolver: Resolver, procedure_id: str, text: str, result: Resolution,
                     min_score: float = MIN_SCORE, follow_up: bool = False,
                     known: Known = None) -> List[Reply]:
    catalogue = resolver.catalogue
    proc = catalogue.procedures[procedure_id]
    prefix = _prefix(result)
    match = _family_fact(resolver, text, procedure_id, result, min_score, known)
    # a yes/no on the fee or online channel that the fields settle (anninh.verdict), unless a fact
    # was asked for by its own phrase
    verdict = None if match is not None and match.phrase else verdict_answer(
        proc, result, normalize(text, resolver.abbreviations), resolver.aspects, prefix)
    if verdict is not None:
        return verdict
    if match is not None:
        return render.fact_answer(catalogue.procedures[match.fact.procedure], match.fact,
                                  with_known(text, known), resolver.aspects, catalogue, prefix)
    if "fine" in result.questions:
        return render.unknown_answer(proc, "fine", resolver.aspects, prefix)
    if "deadline" in result.questions:
        return render.unknown_answer(proc, "deadline", resolver.aspects, prefix)
    if old_district_asked(result) and not result.aspects:
        return old_district_answer(resolver, proc)
    if result.aspects:
        replies = render.aspect_answer(proc, result.aspects, resolver.aspects, prefix)
        return situation_note.add(resolver, proc, text, result, replies)
    if (follow_up or "yes_no" in result.questions or "expired" in result.questions) \
            and not result.second:  # with two topics, "… được không" asks for both: the overview
        return render.unknown_answer(proc, "fact", resolver.aspects, prefix)
    return render.summary(proc, resolver.aspects, prefix)


SITUATION_SHARED_WORDS = 2  # words a "… thì sao" message shares with a fact's ask phrases


def _how_about_situation(resolver: Resolver, text: str, result: Resolution,
                         procedure_id: Optional[str], previous_text: Optional[str]
                         ) -> Optional[FactMatch]:
    """After an answer, "(nếu) … thì sao" naming a situation a fact of the procedure in context
    covers ("khách đến lúc đêm thì sao", "là sinh viên thì sao") is asking that fact, not the
    previous message's aspect again: the fact found by its ask phrase, or by words it shares with
    them (at least SITUATION_SHARED_WORDS besides the question's own). A fine is asked by its own
    cues; a message asking an aspect itself keeps it."""
    if previous_text is None or not procedure_id or not follow_up.is_how_about(resolver, text):
        return None
    if result.aspects or "fine" in result.questions or result.second:
        return None
    match = resolver.facts.search(text, [procedure_id], min_score=MIN_SCORE_FOLLOW_UP)
    if match is None or match.fact.kind == "fine" or match.fact.when:
        return None
    if match.phrase:
        return match
    asks = {w for a in match.fact.ask for w in normalize(a, resolver.abbreviations)}
    cue_words = {w for _, cue in resolver.question_cues(text) for w in cue}
    rest = set(resolver.content_words(text)) - cue_words - COMMON_WORDS
    return match if len(rest & asks) >= SITUATION_SHARED_WORDS else None


def answer_question(resolver: Resolver, text: str, age: Optional[int] = None,
                    previous: Optional[str] = None, known: Known = None,
                    previous_text: Optional[str] = None) -> Tuple[Optional[str], List[Reply]]:
    """(procedure answered, replies); no replies when nothing is known (the caller shows the menu).
    ``known``: ages and durations named earlier in the conversation; ``previous_text``: the
    citizen's message before this one ("thế còn … thì sao" asks it again)."""
    catalogue = resolver.catalogue
    result = resolver.resolve(text, age=age)
    if previous is not None or previous_text is not None:
        result = follow_up.carry_question(resolver, result, text, previous_text)
    in_context = previous if not result.candidates and previous in catalogue.procedures else None
    expired = _expired_fact(resolver, text, result.procedure or in_context)
    if expired is not None:
        pid = answered_procedure(expired.fact)
        return pid, render.fact_answer(catalogue.procedures[pid], expired.fact,
                                       with_known(text, known), resolver.aspects, catalogue,
                                       _prefix(result))
    situation = _how_about_situation(resolver, text, result, result.procedure or in_context,
                                     previous_text)
    if situation is not None:
        pid = answered_procedure(situation.fact)
        return pid, render.fact_answer(catalogue.procedures[situation.fact.procedure],
                                       situation.fact, with_known(text, known), resolver.aspects,
                                       catalogue, _prefix(result))
    if result.procedure:
        replies = answer_procedure(resolver, result.procedure, text, result, known=known)
        if result.second or result.second_family:
            replies = render.with_second_topic(replies, catalogue, result.second, result.second_family)
        return result.procedure, replies
    if result.candidates:
        # Only the family is known ("CMND 9 số còn dùng được không", "căn cước mấy tuổi phải
        # làm"): a fact of the family asked for answers it, in the procedure in context first.
        scope = [previous] if previous in result.candidates else result.candidates
        match = _find_fact(resolver, text, scope, result, known=known) or _find_fact(
            resolver, text, result.candidates, result, known=known)
        if match is not None:
            pid = match.fact.procedure
            return pid, render.fact_answer(catalogue.procedures[pid], match.fact,
                                           with_known(text, known),
                                           resolver.aspects, catalogue, _prefix(result))
    if not result.candidates and previous in catalogue.procedures:
        replies = answer_follow_up(resolver, text, previous, result, known=known)
        if replies:
            # a fact of another procedure of the family answered ("thẻ chip cũ còn dùng được không"
            # after a question on cấp lại is about cấp đổi): the conversation goes on about that one
            match = _family_fact(resolver, text, previous, result, MIN_SCORE_FOLLOW_UP, known)
            return (answered_procedure(match.fact) if match is not None else previous), replies
    if result.candidates:
        family = catalogue.families.get(result.family) if result.family else None
        aspects = result.aspects
        reply = render.clarify(catalogue, result.candidates,
                               aspect=aspects[0] if len(aspects) == 1 else None, family=family,
                               prefix=_prefix(result))
        if family is not None and any(q in FACT_QUESTIONS for q in result.questions):
            # a question the catalogue cannot answer for the family: say so, then offer its procedures
            reply.text = load_texts()("family_unknown", family=family.title.lower()) + \
                "\n" + "\n".join(_prefix(result))
            reply.text = reply.text.strip()
        return None, [reply]
    # Nothing named and nothing in context: a fact asked for by its own words, anywhere.
    # A fact whose answer turns on an age or a duration the message does not name is not picked
    # from the whole catalogue ("có mất phí không" alone is not about changing an ID card at 25).
    match = _find_fact(resolver, text, list(catalogue.procedures), result, MIN_SCORE_FOLLOW_UP)
    if match is not None and match.phrase and (
            match.fact.condition is None
            or match.fact.condition.quantity in with_known(text, known)):
        pid = match.fact.procedure
        return pid, render.fact_answer(catalogue.procedures[pid], match.fact,
                                       with_known(text, known), resolver.aspects, catalogue,
                                       _prefix(result))
    return None, []


def answer_follow_up(resolver: Resolver, text: str, previous: str,
                     result: Optional[Resolution] = None, strict: bool = False,
                     known: Known = None) -> List[Reply]:
    """A message naming no procedure, about the one last answered ("còn lệ phí thì sao?",
    "giữ lại biển số được không", "con em được 2 tháng rồi có sao không"). ``strict`` (after the
    NLU was unsure): only a fact found by its ask phrase or a clear question."""
    result = result or resolver.resolve(text)
    asks = [q for q in result.questions if q in FACT_QUESTIONS]
    match = _family_fact(resolver, text, previous, result, MIN_SCORE_FOLLOW_UP, known)
    if match is not None:
        proc = resolver.catalogue.procedures[match.fact.procedure]
        return render.fact_answer(proc, match.fact, with_known(text, known), resolver.aspects,
                                  resolver.catalogue, _prefix(result))
    if strict:
        return []
    if result.aspects or asks:
        return answer_procedure(resolver, previous, text, result, MIN_SCORE_FOLLOW_UP, follow_up=True,
                                known=known)
    return []
