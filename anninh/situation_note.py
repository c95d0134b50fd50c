"""A fact about the citizen's situation, as a note on the aspect answer they asked for.

"Con mới làm khai sinh, đăng ký thường trú cho cháu thế nào" asks the steps, but names a situation
with a fact of its own (a newborn: within 60 days of the birth registration). The aspect is
answered as usual and the fact, found by one of its ``ask`` phrases (never by loose words), comes
right under the topic label as a note, so the citizen sees the rule that applies to them first.
Fines are not notes (a fine is answered when asked). Sentences: ``content/procedure_texts.yml``.

Hook: ``anninh.procedure_answer.answer_procedure`` (the aspect branch).
"""
from __future__ import annotations

import re
from typing import List

from anninh.answer_texts import load_texts
from anninh.catalogue import Procedure
from anninh.facts import quantities
from anninh.render import Reply
from anninh.resolver import Resolution, Resolver
from anninh.screen import SCREEN_LINES, fit, screen_lines
from anninh.text import fold

# A yes/no fact opens with its verdict ("Có ạ.", "Được giảm ạ:"): a note keeps only the rule.
_VERDICT = re.compile(r"^[^.:;,]{1,25}\sạ[.:]\s*")


def add(resolver: Resolver, proc: Procedure, text: str, result: Resolution,
        replies: List[Reply]) -> List[Reply]:
    if not replies or "fine" in result.questions or result.second:
        return replies
    match = resolver.facts.search(text, [proc.id])
    if match is None or not match.phrase or match.fact.kind == "fine":
        return replies
    answer, _ = match.fact.text_for(quantities(text))
    answer = _VERDICT.sub("", answer, count=1)
    answer = answer[:1].upper() + answer[1:]
    first = replies[0]
    if fold(answer) in fold(first.text):
        return replies
    lines = first.text.split("\n")
    note = load_texts()("situation_note", fact=answer)
    lines = lines[:1] + [note] + lines[1:]
    if sum(screen_lines(l) for l in lines) > SCREEN_LINES:
        lines = fit(lines, keep=2, keep_last=1)
    if sum(screen_lines(l) for l in lines) > SCREEN_LINES:
        return replies  # no room: the aspect alone
    first.text = "\n".join(lines)
    return replies
