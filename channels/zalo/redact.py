"""Masking helpers: tokens, secrets and phone numbers never reach the logs in clear."""
from __future__ import annotations

import re
from typing import Any, Optional

from anninh.phones import mask_phone as shared_mask_phone

_PHONE_RE = re.compile(r"(?<!\d)(\+?\d[\d .-]{7,}\d)(?!\d)")


def mask_secret(value: Optional[str]) -> str:
    """Show only enough of a token or key to tell two apart: ``abcd…(87)``."""
    if not value:
        return "<none>"
    value = str(value)
    if len(value) <= 8:
        return "***"
    return f"{value[:4]}…({len(value)})"


def mask_phone(value: Optional[str]) -> str:
    """``0912345678`` → ``09******78``."""
    if not value:
        return "<none>"
    digits = str(value)
    if len(digits) <= 4:
        return "***"
    return shared_mask_phone(digits)


def redact_text(text: Any, limit: int = 300) -> str:
    """Mask anything that looks like a phone number in free text and cut it short."""
    s = str(text)
    s = _PHONE_RE.sub(lambda m: mask_phone(re.sub(r"\D", "", m.group(1))), s)
    if len(s) > limit:
        s = s[:limit] + "…"
    return s
