"""A yes or no first, when a yes/no question is answered by an aspect of the procedure.

"Làm online được không", "có mất phí không", "làm ở công an huyện được không" ask a yes or no,
but the answer is one of the procedure's aspects (online, fee, where). The aspect answer is given
as usual, and its first line (the topic label) is followed by the verdict, so the citizen reads
the yes or no first:

* online: "Được ạ." when the catalogue's online field says the procedure is filed online
  (it starts "Nộp trực tuyến …", "Khai trực tuyến …", "Có thể nộp …", or says it is only filed
  online); nothing when it only books an appointment or is unconfirmed.
* fee ("có mất phí không", "có tốn tiền không"): the fee field already opens with "Không mất lệ phí"
  when free; "Có ạ." when its first sentence states an amount; nothing when unconfirmed, and
  nothing for "được miễn / được giảm" questions (that depends on who asks: a fact answers it).
* where, for a question naming the former district police ("làm ở công an huyện được không"):
  "Không ạ, …" then where the procedure is done now (the reference: never send a citizen to
  "Công an huyện").

Every sentence is in ``content/procedure_texts.yml``. Hook: ``anninh.procedure_answer``.
"""
from __future__ import annotations

import re
from typing import List, Sequence

from anninh.answer_texts import load_texts
from anninh.catalogue import Procedure
from anninh.render import Reply
from anninh.resolver import Resolution, Resolver
from anninh.screen import SCREEN_LINES, fit, screen_lines
from anninh.text import fold, normalize

_ONLINE_YES = re.compile(r"^(nop|khai|thong bao|dang ky) truc tuyen|^co the nop|chi nop truc tuyen")
_AMOUNT = re.compile(r"\d{1,3}(?:\.\d{3})+ dong")
# "có mất phí", "tốn tiền", "thu phí": asks whether there is a fee at all
_FEE_AT_ALL = (("mat", "phi"), ("mat", "tien"), ("ton", "phi"), ("ton", "tien"), ("thu", "phi"),
               ("co", "phi"), ("mat", "le", "phi"), ("phai", "nop", "tien"), ("mien", "phi"))
_EXEMPTION = ("mien", "giam")


def _has(words: Sequence[str], seq: Sequence[str]) -> bool:
    n = len(seq)
    return any(tuple(words[i:i + n]) == tuple(seq) for i in range(len(words) - n + 1))


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.;])\s", text, maxsplit=1)[0]


def online_verdict(proc: Procedure) -> str:
    if proc.is_unconfirmed("online") or proc.has_unconfirmed("online"):
        return ""
    return load_texts()("verdict_online_yes") if _ONLINE_YES.search(fold(proc.online)) else ""


def fee_verdict(proc: Procedure, words: Sequence[str]) -> str:
    if not any(_has(words, seq) for seq in _FEE_AT_ALL) or _has(words, ("mien", "phi")):
        return ""
    if any(w in _EXEMPTION for w in words) or proc.has_unconfirmed("fee"):
        return ""
    first = fold(_first_sentence(proc.fee))
    if first.startswith("khong") or "chua duoc xac nhan" in fold(proc.fee):
        return ""  # "Không mất lệ phí." answers by itself; unconfirmed: no verdict
    return load_texts()("verdict_fee_yes") if _AMOUNT.search(first) else ""


def with_verdict(replies: List[Reply], verdict: str) -> List[Reply]:
    """The verdict right after the topic label of the first message, within one screen."""
    if not verdict or not replies:
        return replies
    lines = replies[0].text.split("\n")
    lines[0] = f"{lines[0]} {verdict}"
    if sum(screen_lines(l) for l in lines) > SCREEN_LINES:
        lines = fit(lines, keep=1, keep_last=1)
    replies[0].text = "\n".join(lines)
    return replies


def add(resolver: Resolver, proc: Procedure, text: str, result: Resolution,
        replies: List[Reply]) -> List[Reply]:
    """``replies`` (an aspect answer) with the verdict a yes/no question about its aspect needs."""
    if not result.aspects:
        return replies
    words = normalize(text, resolver.abbreviations)
    if "yes_no" not in result.questions and "khong" not in words:  # "có tốn tiền không"
        return replies
    from anninh.follow_up import is_how_about  # "… thì sao" carries a question, asks no yes/no
    if is_how_about(resolver, text):
        return replies
    aspect = result.aspects[0]
    if aspect == "online":
        return with_verdict(replies, online_verdict(proc))
    if aspect == "fee":
        return with_verdict(replies, fee_verdict(proc, words))
    return replies


def old_district_asked(result: Resolution) -> bool:
    """A yes/no question about doing the procedure at the former district police."""
    return "old_district" in result.questions and "yes_no" in result.questions \
        and "fine" not in result.questions


def old_district_answer(resolver: Resolver, proc: Procedure) -> List[Reply]:
    """"Không ạ, …" and where the procedure is done now."""
    from anninh import render
    replies = render.aspect_answer(proc, ["where"], resolver.aspects)
    return with_verdict(replies, load_texts()("verdict_old_district"))
