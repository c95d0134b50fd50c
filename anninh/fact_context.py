"""What a question says about the citizen's situation, beyond its words: has the thing already
expired (then it is no longer a renewal), and which age or duration the conversation named before.

"tạm trú hết hạn 3 hôm rồi" and "đã quá hạn" say it has expired; "còn 10 ngày nữa là hết hạn",
"sắp hết hạn", "trước khi hết hạn" do not. A fact kept for that situation (``when: expired`` in
content/procedures) answers it: the fact of the procedure asked about, or the fact of another
procedure that points to it (``see``): the renewal's "already expired" fact points to the
registration to be done again, and the conversation continues about that one.

An age or a duration said in an earlier message ("bé nhà em 5 tuổi ...") still holds for the next
question about the same procedure ("thế có cần mang bé đi lấy dấu vân tay không").
"""
from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence

from anninh.facts import Fact, quantities

EXPIRED = "expired"
_EXPIRY = (("het", "han"), ("qua", "han"))
_BEFORE_NOT_YET = {"sap", "chua", "truoc", "khi", "gan", "nua", "se"}   # sắp, chưa, trước khi, sẽ
# rồi, từ (tháng trước), lâu, (tuần) trước, (hôm) qua, (năm) ngoái, (hết hạn) được (2 tuần)
_AFTER_DONE = {"roi", "tu", "lau", "truoc", "qua", "ngoai", "duoc"}
_WINDOW_AFTER = 5


def already_expired(words: Sequence[str]) -> bool:
    """The folded, abbreviation-expanded words say something has already expired."""
    for i in range(len(words) - 1):
        if (words[i], words[i + 1]) not in _EXPIRY:
            continue
        before = words[max(0, i - 3):i]
        if any(w in _BEFORE_NOT_YET for w in before):
            continue
        if i and words[i - 1] in ("da", "bi"):
            return True
        after = words[i + 2:i + 2 + _WINDOW_AFTER]
        if tuple(after[:1]) in (("bao",), ("may",)) or tuple(after[:2]) in (
                ("truoc", "bao"), ("truoc", "may")):
            continue  # "quá hạn bao lâu", "hết hạn trước mấy ngày": a deadline asked, nothing done
        if any(w in _AFTER_DONE for w in after):
            return True
    return False


def expired_scope(facts: Iterable[Fact], procedure_id: str) -> List[str]:
    """Procedures whose "already expired" facts answer for ``procedure_id``: its own, and those
    whose such fact points to it."""
    out = [procedure_id]
    for fact in facts:
        if fact.when == EXPIRED and fact.see == procedure_id and fact.procedure not in out:
            out.append(fact.procedure)
    return out


def answered_procedure(fact: Fact) -> str:
    """The procedure the conversation is about after ``fact`` was answered: the one an
    "already expired" fact points to (what is to be done now), else the fact's own."""
    return fact.see if fact.when == EXPIRED and fact.see else fact.procedure


def known_quantities(earlier: Iterable[str]) -> Dict[str, float]:
    """Ages and durations named in earlier messages, the latest mention of each kept."""
    out: Dict[str, float] = {}
    for text in earlier:
        out.update(quantities(text))
    return out


def with_known(text: str, known: Optional[Dict[str, float]]) -> Dict[str, float]:
    """The quantities of ``text``, completed by those named earlier (``text`` wins)."""
    out = dict(known or {})
    out.update(quantities(text))
    return out
