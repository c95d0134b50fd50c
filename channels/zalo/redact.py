"""Masking helpers: tokens and secrets never reach the logs in clear; phone and ID numbers in free
text are masked by the project's shared masking (``anninh.reports.privacy``, as in every log record)."""
from __future__ import annotations

from typing import Any, Optional

from anninh.reports.privacy import mask_text


def mask_secret(value: Optional[str]) -> str:
    """Show only enough of a token or key to tell two apart: ``abcd…(87)``."""
    if not value:
        return "<none>"
    value = str(value)
    if len(value) <= 8:
        return "***"
    return f"{value[:4]}…({len(value)})"


def redact_text(text: Any, limit: int = 300) -> str:
    """Mask phone and ID numbers in free text (a Zalo API error message) and cut it short."""
    s = mask_text(str(text))
    return s[:limit] + "…" if len(s) > limit else s
