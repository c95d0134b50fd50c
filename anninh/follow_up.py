"""Follow-up questions that lean on the previous one: "thế còn hộ chiếu thì sao", "con 10 tuổi thì sao".

A "how about …" message (``thế còn …``, ``vậy còn …``, ``… thì sao``) that asks no aspect of its
own asks the previous question again about something else: another procedure ("thế còn tách hộ
thì sao" after "nhập hộ khẩu mất mấy ngày" asks how long that takes), or another case of the
same one ("con 10 tuổi thì sao" after "làm hộ chiếu cần gì" asks for the papers again). The aspect
of the previous message (its words, or the ``aspect`` of a button payload) is carried over.
A "… thì sao" naming a situation that a fact of the procedure in context covers ("khách đến lúc
nửa đêm thì sao", "là sinh viên thì sao") asks that fact instead: it is answered before anything
is carried (``anninh.procedure_answer._how_about_situation``).

Hook: ``anninh.procedure_answer.answer_question`` calls :func:`carry_question` on its resolution;
``actions.procedures`` finds the previous message with :func:`previous_user_text`.
"""
from __future__ import annotations

import json
import re
from typing import Any, Iterable, List, Mapping, Optional, Sequence, Tuple

from anninh.resolver import Resolution, Resolver
from anninh.text import normalize

# Folded word sequences that make a message a "how about …" question.
HOW_ABOUT: Tuple[Tuple[str, ...], ...] = (
    ("the", "con"), ("vay", "con"), ("the", "thi", "sao"), ("thi", "sao"), ("thi", "the", "nao"),
    ("con", "truong", "hop"),
)
_PAYLOAD = re.compile(r"^/\w+(\{.*\})?$", re.DOTALL)


def _contains(words: Sequence[str], seq: Sequence[str]) -> bool:
    n = len(seq)
    return any(tuple(words[i:i + n]) == tuple(seq) for i in range(len(words) - n + 1))


def is_how_about(resolver: Resolver, text: str) -> bool:
    words = normalize(text, resolver.abbreviations)
    return any(_contains(words, seq) for seq in HOW_ABOUT)


def aspects_of(resolver: Resolver, text: Optional[str]) -> List[str]:
    """The aspects a previous message asked: from its words, or from a button's payload."""
    if not text:
        return []
    match = _PAYLOAD.match(text.strip())
    if match:
        try:
            entities = json.loads(match.group(1) or "{}")
        except ValueError:
            return []
        aspect = entities.get("aspect") if isinstance(entities, dict) else None
        return [aspect] if aspect in resolver.aspects else []
    return resolver.detect_aspects(text)


def carry_question(resolver: Resolver, result: Resolution, text: str,
                   previous_text: Optional[str]) -> Resolution:
    """``result`` with the previous message's aspect when ``text`` is a "how about …" asking none.

    Nothing changes when the message asks an aspect or a fine itself; a fact the message asks for
    still comes first (the answer searches facts before aspects)."""
    if result.aspects or "fine" in result.questions or not previous_text:
        return result
    if not is_how_about(resolver, text):
        return result
    carried = aspects_of(resolver, previous_text)
    if carried:
        result.aspects = carried
    return result


SHORT_QUESTION_WORDS = 6  # "cần giấy tờ gì", "mất bao lâu ạ", "nộp ở đâu vậy"


def short_aspect_question(resolver: Resolver, text: str) -> bool:
    """A short message asking only an aspect, naming no procedure or family ("cần giấy tờ j"):
    after an answer it is about the procedure in context, even when the NLU was unsure."""
    words = normalize(text, resolver.abbreviations)
    if not words or len(words) > SHORT_QUESTION_WORDS or not resolver.detect_aspects(text):
        return False
    result = resolver.resolve(text)
    return not (result.procedure or result.candidates or result.family)


def previous_user_text(events: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The text of the user message before the latest one, if any."""
    texts = [e.get("text") or (e.get("parse_data") or {}).get("text")
             for e in events if e.get("event") == "user"]
    return texts[-2] if len(texts) >= 2 else None
