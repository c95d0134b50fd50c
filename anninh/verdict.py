"""Yes/no questions the catalogue's own fields settle: "có mất phí không" from the fee, "làm online
được không" from the online channel.

The answer starts with the answer ("Dạ, về Khai báo tạm vắng: không mất lệ phí ạ.", "…: được ạ.
Nộp trực tuyến trên …") and goes on with the rule and its legal basis. A field the catalogue marks
unconfirmed, or one that does not settle the question (a fee "from 150,000 to 4,000,000 đồng by
area" is paid; "book online, then come in person" is neither yes nor no), gives no verdict: the
aspect answer is given instead, with its warnings. A question naming the former district police
("làm ở công an huyện được không") is a no, then where the procedure is done now (the reference:
never send a citizen to "Công an huyện"). The sentences are in content/procedure_texts.yml.
"""
from __future__ import annotations

import re
from typing import Dict, List, Optional, Sequence

from anninh import render
from anninh.answer_texts import load_texts
from anninh.catalogue import Procedure
from anninh.render import Reply
from anninh.resolver import Resolution, Resolver
from anninh.screen import fit
from anninh.text import fold

# "được giảm / miễn phí không" asks about an exemption for someone, which the fee's existence does
# not answer (a fact does, or the fee aspect with its exemptions)
_EXEMPTION = ("giam", "mien", "uu dai")
_YES_NO_END = re.compile(r"\b(khong|chua|k|hong|ko)\s*$")
_AMOUNT_OR_HOW = ("bao nhieu", "the nao", "nhu nao", "ra sao", "o dau", "cach nao", "lam sao",
                  "nhung gi", "can gi")
_MONEY = re.compile(r"\d{1,3}(?:\.\d{3})+ đồng")
_FREE_START = ("khong mat", "mien phi", "mien le phi", "khong thu")
_ONLINE_YES = re.compile(r"^(?:co the )?(?:nop|khai|thong bao|dang ky)(?: ho so)? truc tuyen"
                         r"|chi nop truc tuyen")


def asked(result: Resolution, words: Sequence[str]) -> Optional[str]:
    """"fee" or "online" when the message is a yes/no question about that aspect (the aspects as
    content/lexicon/aspects.yml names them), else None."""
    text = " ".join(words)
    if not (_YES_NO_END.search(text) or " duoc khong" in f" {text}" or text.startswith("co ")):
        return None
    if any(cue in text for cue in _AMOUNT_OR_HOW) or any(w in _EXEMPTION for w in words):
        return None
    return next((a for a in result.aspects if a in ("fee", "online")), None)


def _names_a_group_of_the_fee(words: Sequence[str], fee: str) -> bool:
    """True when the message names someone the fee text treats apart ("xã biên giới", "sinh viên"):
    a pair of the message's words found in the fee text, other than the question's own words."""
    padded = f" {' '.join(fold(fee).replace(',', ' ').replace(';', ' ').split())} "
    pairs = {f"{a} {b}" for a, b in zip(words, words[1:])}
    return any(f" {pair} " in padded for pair in pairs - _QUESTION_PAIRS)


# pairs of words that ask about the fee itself, not about who pays it
_QUESTION_PAIRS = {"le phi", "mat phi", "mat le", "mat tien", "co mat", "thu phi", "nop phi",
                   "phi la", "la bao", "bao nhieu", "nhieu dong", "lam thu", "thu tuc"}


def verdict(proc: Procedure, topic: str, words: Sequence[str] = ()) -> Optional[str]:
    """"yes" / "no" when the field settles the question; None when it does not, or is unconfirmed.

    A fee paid by most but reduced or waived for some ("200.000 đồng; sinh viên 100.000 đồng; miễn
    cho người thường trú tại các xã biên giới") settles nothing for a citizen who names one of those
    groups: the fee aspect, with its exemptions, answers instead of a wrong "có mất lệ phí"."""
    value = getattr(proc, topic) or ""
    if not value or proc.has_unconfirmed(topic):
        return None
    folded = fold(value)
    if topic == "fee":
        if folded.startswith(_FREE_START):
            return "no"
        if _names_a_group_of_the_fee(words, value):
            return None
        return "yes" if _MONEY.search(value) else None
    return "yes" if _ONLINE_YES.search(folded) else None


def verdict_answer(proc: Procedure, result: Resolution, words: Sequence[str], aspects: Dict,
                   prefix: Sequence[str] = ()) -> Optional[List[Reply]]:
    """The reply to a yes/no question about the fee or the online channel, or None."""
    topic = asked(result, words)
    if topic is None:
        return None
    said = verdict(proc, topic, words)
    if said is None:
        return None
    texts = load_texts()
    key = {("fee", "no"): "verdict_fee_no", ("fee", "yes"): "verdict_fee_yes",
           ("online", "yes"): "verdict_online_yes"}[(topic, said)]
    # the rule after the answer, except a free fee's "Không mất lệ phí." (the answer says it)
    rule = [] if said == "no" else [{"fee": proc.fee, "online": proc.online}[topic]]
    basis = render.basis_line(proc, "fee" if topic == "fee" else None, compact=True, texts=texts)
    lines = fit([texts(key, title=proc.title), *rule, *prefix, basis], keep=1, keep_last=1)
    buttons = [render.overview_button(proc, texts)] + render.aspect_buttons(proc, aspects)
    return [Reply("\n".join(lines), render.capped(buttons))]


def old_district_asked(result: Resolution) -> bool:
    """A yes/no question about doing the procedure at the former district police."""
    return "old_district" in result.questions and "yes_no" in result.questions \
        and "fine" not in result.questions


def old_district_answer(resolver: Resolver, proc: Procedure) -> List[Reply]:
    """"Không ạ, …" right after the topic label, then where the procedure is done now."""
    replies = render.aspect_answer(proc, ["where"], resolver.aspects)
    lines = replies[0].text.split("\n")
    lines[0] = f"{lines[0]} {load_texts()('verdict_old_district')}"
    replies[0].text = "\n".join(fit(lines, keep=1, keep_last=1))
    return replies
