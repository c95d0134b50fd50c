"""Individual facts of a procedure: the answer to one question citizens ask, with its conditions.

A procedure's six aspect fields answer the usual questions (papers, steps, fee, time, where,
online). Questions beyond them — "do I have to?", "am I exempt?", "what is the fine?", "it has
already expired", "is my old card still valid?" — are answered from ``facts:`` entries that editors
write under a procedure::

    facts:
      - id: duoi_30_ngay
        kind: yes_no            # yes_no | fine | info | deadline
        ask: [có bắt buộc không, ở 20 ngày, ở vài tuần]
        answer: Dạ, phải đăng ký tạm trú khi ở từ 30 ngày trở lên.
        condition: {quantity: days, at_least: 30}
        if_met: Dạ, có ạ. Ở từ 30 ngày trở lên thì phải đăng ký tạm trú.
        if_not_met: Dạ, không bắt buộc ạ. Ở dưới 30 ngày thì chưa phải đăng ký tạm trú.
        basis: Luật Cư trú số 68/2020/QH14
        unconfirmed: false
        verified_on: 2026-11-28

``condition`` compares a quantity named in the question (an age in years, or a duration in days:
"2 tháng" is 60 days) with ``at_least`` and/or ``below``, or with ``one_of`` (a list: met when the
value is one of them, e.g. the ages at which an ID card is changed free of charge); when the
question names none, the general ``answer`` is given. ``when: expired`` makes a fact answer only
messages saying the thing has already expired ("hết hạn 3 hôm rồi": a renewal is no longer
possible), and it is preferred for them. Each fact has its own legal basis, confirmation and date.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from anninh.content import ContentError
from anninh.text import fold

FACT_KINDS = ("yes_no", "fine", "info", "deadline")
QUANTITIES = ("age", "days")
SITUATIONS = ("expired",)  # values of ``when``
_FACT_FIELDS = {"id", "kind", "ask", "answer", "condition", "if_met", "if_not_met", "basis",
                "unconfirmed", "verified_on", "see", "when"}
# Text a citizen must never see: an editor's placeholder left in a field.
PLACEHOLDER = re.compile(r"\{[^}]*\}|<[^>]*>|\bTODO\b|\bxxx\b|\.\.\.$|^…$|\?\?", re.IGNORECASE)


@dataclass(frozen=True)
class Condition:
    quantity: str
    at_least: Optional[float] = None
    below: Optional[float] = None
    one_of: Tuple[float, ...] = ()

    def met(self, value: float) -> bool:
        if self.one_of and value not in self.one_of:
            return False
        if self.at_least is not None and value < self.at_least:
            return False
        if self.below is not None and value >= self.below:
            return False
        return True


@dataclass(frozen=True)
class Fact:
    id: str
    procedure: str
    kind: str
    ask: Tuple[str, ...]
    answer: str
    basis: str
    verified_on: dt.date
    unconfirmed: bool = False
    condition: Optional[Condition] = None
    if_met: str = ""
    if_not_met: str = ""
    see: str = ""            # another procedure the citizen is pointed to (a button)
    when: str = ""           # "expired": only for messages saying it has already expired

    def text_for(self, quantities: Dict[str, float]) -> Tuple[str, Optional[bool]]:
        """The answer for this question, and whether the condition was met (None: not evaluated)."""
        if self.condition and self.condition.quantity in quantities:
            met = self.condition.met(quantities[self.condition.quantity])
            text = self.if_met if met else self.if_not_met
            if text:
                return text, met
        return self.answer, None


# Durations and ages named in a message (already folded, accent-free).
_NUMBER = r"(\d{1,3}(?:[.,]5)?)"
_DURATION = re.compile(r"(?<![a-z0-9])" + _NUMBER + r"\s*(ngay|hom|tuan|thang|nam)(?![a-z0-9])")
_AGE = re.compile(r"(?<![a-z0-9])" + _NUMBER + r"\s*(tuoi|t)(?![a-z0-9])")
_AGE_MONTHS = re.compile(r"(?<![a-z0-9])" + _NUMBER + r"\s*thang\s*tuoi(?![a-z0-9])")
_UNIT_DAYS = {"ngay": 1, "hom": 1, "tuan": 7, "thang": 30, "nam": 365}
_WORD_NUMBERS = {"mot": "1", "hai": "2", "ba": "3", "bon": "4", "nam": "5", "sau": "6", "bay": "7",
                 "tam": "8", "chin": "9", "muoi": "10", "vai": "3", "nua": "0.5"}
_WORD_NUMBER = re.compile(r"(?<![a-z0-9])(" + "|".join(_WORD_NUMBERS) + r")\s+(?=(ngay|hom|tuan|thang|nam|tuoi)\b)")


def quantities(text: str) -> Dict[str, float]:
    """{"age": years, "days": days} named in ``text``: "15 tuổi" -> age 15; "2 tháng" -> 60 days;
    "3 tháng tuổi" -> age 0.25; "vài ngày" counts as 3 days."""
    folded = _WORD_NUMBER.sub(lambda m: _WORD_NUMBERS[m.group(1)] + " ", fold(text))
    out: Dict[str, float] = {}
    m = _AGE_MONTHS.search(folded)
    if m:
        out["age"] = float(m.group(1).replace(",", ".")) / 12
        out["days"] = float(m.group(1).replace(",", ".")) * 30
        return out
    m = _AGE.search(folded)
    if m and float(m.group(1).replace(",", ".")) < 120:
        out["age"] = float(m.group(1).replace(",", "."))
    m = _DURATION.search(folded)
    if m:
        out["days"] = float(m.group(1).replace(",", ".")) * _UNIT_DAYS[m.group(2)]
    return out


def _number(value: Any) -> Optional[float]:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def parse_facts(raw: Any, procedure_id: str, default_date: Optional[dt.date], path: Path,
                today: dt.date, problems: List[ContentError]) -> Tuple[Fact, ...]:
    """Check and build the ``facts:`` list of one procedure; problems name entry and field."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.append(ContentError(path, "cần một danh sách, mỗi ý bắt đầu bằng '- id:'",
                                     entry=procedure_id, field="facts"))
        return ()
    out: List[Fact] = []
    seen = set()
    for i, item in enumerate(raw):
        entry = f"{procedure_id} › facts[{i}]"
        if not isinstance(item, dict):
            problems.append(ContentError(path, "mỗi ý phải là một bảng 'trường: giá trị'", entry=entry))
            continue
        fid = str(item.get("id") or "").strip()
        entry = f"{procedure_id} › {fid}" if fid else entry
        bad = len(problems)

        def problem(field_name: str, message: str) -> None:
            problems.append(ContentError(path, message, entry=entry, field=field_name))

        for name in sorted(set(item) - _FACT_FIELDS):
            problem(name, "trường không có trong mẫu (viết sai tên trường?)")
        if not fid:
            problem("id", "thiếu mã ý (ví dụ: duoi_30_ngay)")
        elif fid in seen:
            problem("id", "mã ý bị trùng trong thủ tục này")
        seen.add(fid)
        kind = item.get("kind", "info")
        if kind not in FACT_KINDS:
            problem("kind", f"chọn một trong: {', '.join(FACT_KINDS)}")
        ask = item.get("ask")
        if not isinstance(ask, list) or not ask or not all(isinstance(a, str) and a.strip() for a in ask):
            problem("ask", "cần danh sách các cách người dân hỏi, mỗi dòng bắt đầu bằng '- '")
            ask = []
        texts: Dict[str, str] = {}
        for name in ("answer", "basis", "if_met", "if_not_met", "see", "when"):
            value = item.get(name, "")
            if value is None:
                value = ""
            if not isinstance(value, str):
                problem(name, "cần một đoạn chữ")
                value = ""
            value = " ".join(value.split())
            if value and PLACEHOLDER.search(value):
                problem(name, "còn chỗ để trống hoặc ký hiệu tạm ({…}, <…>, TODO, ...): "
                              "người dân sẽ thấy nguyên văn")
            texts[name] = value
        if not texts["answer"]:
            problem("answer", "cần câu trả lời chung (khi câu hỏi không nêu số tuổi, số ngày)")
        if not texts["basis"]:
            problem("basis", "cần căn cứ pháp lý của ý này")
        if texts["when"] and texts["when"] not in SITUATIONS:
            problem("when", f"chọn một trong: {', '.join(SITUATIONS)} (hoặc bỏ trống)")
        condition = None
        cond = item.get("condition")
        if cond is not None:
            if not isinstance(cond, dict) or cond.get("quantity") not in QUANTITIES \
                    or set(cond) - {"quantity", "at_least", "below", "one_of"}:
                problem("condition", "dạng đúng: {quantity: age hoặc days, at_least: SỐ, below: SỐ}"
                                     " hoặc {quantity: age, one_of: [SỐ, SỐ]}")
            else:
                least, below = _number(cond.get("at_least")), _number(cond.get("below"))
                raw_one_of = cond.get("one_of") or []
                one_of = tuple(_number(v) for v in raw_one_of) if isinstance(raw_one_of, list) else (None,)
                if None in one_of:
                    problem("condition", "one_of cần một danh sách số, ví dụ [14, 25, 40, 60]")
                    one_of = ()
                elif least is None and below is None and not one_of:
                    problem("condition", "cần ít nhất một trong at_least, below, one_of (là số)")
                condition = Condition(cond["quantity"], least, below, one_of)
                if not (texts["if_met"] and texts["if_not_met"]):
                    problem("condition", "có điều kiện thì cần cả if_met và if_not_met")
        unconfirmed = item.get("unconfirmed", False)
        if not isinstance(unconfirmed, bool):
            problem("unconfirmed", "ghi true (chưa xác nhận) hoặc false")
            unconfirmed = False
        verified = item.get("verified_on", default_date)
        if verified is None and "verified_on" not in item:
            verified = dt.date.min  # the procedure's own date is wrong: reported there, once
        if isinstance(verified, str):
            try:
                verified = dt.date.fromisoformat(verified.strip())
            except ValueError:
                verified = None
        if not isinstance(verified, dt.date):
            problem("verified_on", "ngày kiểm tra phải viết dạng NĂM-THÁNG-NGÀY, ví dụ 2026-11-28")
        elif verified > today:
            problem("verified_on", f"ngày kiểm tra {verified.isoformat()} ở tương lai")
        if len(problems) > bad:
            continue
        out.append(Fact(id=fid, procedure=procedure_id, kind=kind,
                        ask=tuple(a.strip() for a in ask), answer=texts["answer"],
                        basis=texts["basis"], verified_on=verified, unconfirmed=unconfirmed,
                        condition=condition, if_met=texts["if_met"],
                        if_not_met=texts["if_not_met"], see=texts["see"], when=texts["when"]))
    return tuple(out)
