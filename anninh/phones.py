"""Phone numbers shared by every feature: checking the numbers editors write, the form people
read ("0206 3852 123"), call buttons, and masking for display where the full number is not needed."""
from __future__ import annotations

import re
from typing import Dict, Optional

_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE_FORMS = (
    re.compile(r"0[35789]\d{8}"),          # mobile, 10 digits
    re.compile(r"0206\d{7}"),              # Cao Bằng landline: 0206 + 7 digits
    re.compile(r"11[1-5]"),                # national short numbers 111-115
    re.compile(r"1[89]00\d{4}(?:\d{2})?"),  # 1800 / 1900 numbers, 8 or 10 digits
)
PHONE_FORMAT_HELP = ("số di động 10 số (0xxx xxx xxx), số máy bàn Cao Bằng 0206 + 7 số, số ngắn "
                     "111–115 hoặc số 1800/1900")


def phone_digits(raw: str) -> str:
    """Digits of a phone number as written ("0206.3852 xxx", "+84 912…" -> "0912…")."""
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    return digits


def phone_problem(raw: str) -> Optional[str]:
    """Why ``raw`` is not a valid Vietnamese number for a police unit, or None."""
    digits = phone_digits(raw)
    if not digits.isdigit():
        return f"số điện thoại chỉ gồm chữ số (có thể có dấu cách, dấu chấm): '{raw}'"
    if any(form.fullmatch(digits) for form in _PHONE_FORMS):
        return None
    if re.fullmatch(r"02\d{9}", digits):
        return f"'{raw}' là số máy bàn ngoài tỉnh; số máy bàn Cao Bằng bắt đầu bằng 0206"
    return f"'{raw}' không đúng dạng số điện thoại ({PHONE_FORMAT_HELP})"


def format_phone(digits: str) -> str:
    """The way numbers are usually written: "0206 3852 123", "0912 345 678", "1800 1096"."""
    if len(digits) == 11 and digits.startswith("02"):
        return f"{digits[:4]} {digits[4:8]} {digits[8:]}"
    if len(digits) == 10 and digits.startswith("0"):
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if digits[:4] in ("1800", "1900"):
        return f"{digits[:4]} {digits[4:]}"
    return digits



def call_button(number: str, label: Optional[str] = None) -> Dict[str, str]:
    """A button that dials ``number`` (the Zalo connector maps it to ``oa.open.phone``); its title
    is ``label`` or the ``common.call`` text of content/texts.yml."""
    from anninh.texts import load_texts

    digits = phone_digits(number)
    title = label or load_texts().get("common", "call", number=format_phone(digits))
    return {"title": title[:100], "type": "phone_number", "payload": digits}


def mask_phone(phone: Optional[str]) -> str:
    """A phone number for display where the full number is not needed: ``09******78``."""
    if not phone:
        return ""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return "*" * len(digits)
    return digits[:2] + "*" * (len(digits) - 4) + digits[-2:]
