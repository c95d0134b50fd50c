"""Keeping phone and ID numbers out of logs and published texts.

``mask_text`` replaces Vietnamese phone numbers (``0912 345 678``, ``+84 912.345.678``,
``02063 852 123``) and ID-card numbers (CCCD 12 digits, CMND 9 digits), and in general every
stand-alone run of 9 to 12 digits, by ``[PHONE]`` / ``[ID]``. It deliberately over-masks
(an amount like ``150000000`` is masked too) and leaves alone what officers need in logs:
ticket codes (``TG-2026-000123``), dates, and Zalo user/OA ids (16+ digits).

``PiiMaskingFilter`` applies it to log records (message, arguments, exception text);
``install_log_masking()`` puts it on the handlers of a logger (the root logger by default).
Modules of this package log through ``get_logger(__name__)``, which carries the filter.
"""
from __future__ import annotations

import logging
import re
from typing import Iterable, List, Optional, Tuple

from anninh.phones import mask_phone  # noqa: F401 - shared helper, re-exported here

PHONE_MASK = "[PHONE]"
ID_MASK = "[ID]"

# A phone number: 0 / 84 / +84 then 8-11 more digits, single separators allowed between digits
# (11 so that a spaced 12-digit CCCD "004 123 456 789" is caught whole).
_PHONE_RE = re.compile(r"(?<![\d+])(?:\+\s?84|\(\+?84\)\s?|84|0)(?:[ .\-]?\d){8,11}(?!\d)")
# 3-3-3(-3) digit groups with one consistent separator (a spaced CMND/CCCD not starting with 0).
_GROUPED_RE = re.compile(r"(?<![\d.\-])\d{3}([ .\-])\d{3}\1\d{3}(?:\1\d{3})?(?!\d)")
# Any other stand-alone run of 9-12 digits (CCCD, CMND, passport-like numbers, phones without 0).
_ID_RE = re.compile(r"(?<!\d)\d{9,12}(?!\d)")


def _phone_repl(m: "re.Match[str]") -> str:
    digits = re.sub(r"\D", "", m.group(0))
    if (digits.startswith("0") and len(digits) in (10, 11)) or \
            (digits.startswith("84") and len(digits) in (11, 12)):
        return PHONE_MASK
    return ID_MASK


def number_spans(text: str) -> List[Tuple[int, int, str]]:
    """(start, end, kind) of the phone ("phone") and ID ("id") numbers in ``text``, in order
    and never overlapping: what ``mask_text`` replaces (publication masking uses it too)."""
    spans: List[Tuple[int, int, str]] = []
    for m in _PHONE_RE.finditer(text):
        spans.append((m.start(), m.end(), "phone" if _phone_repl(m) == PHONE_MASK else "id"))
    for pattern in (_GROUPED_RE, _ID_RE):
        for m in pattern.finditer(text):
            if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), "id"))
    return sorted(spans)


def mask_text(text: Optional[str]) -> str:
    """Return ``text`` with phone and ID numbers replaced. ``None`` becomes ``""``."""
    if not text:
        return "" if text is None else text
    out, last = [], 0
    for start, end, kind in number_spans(text):
        out += [text[last:start], PHONE_MASK if kind == "phone" else ID_MASK]
        last = end
    return "".join(out) + text[last:]


def contains_pii(text: Optional[str]) -> bool:
    """True when ``text`` holds something ``mask_text`` would hide."""
    return bool(text) and mask_text(text) != text


class PiiMaskingFilter(logging.Filter):
    """A logging filter that rewrites records so phone and ID numbers never reach a handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_pii_masked", False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: mask what we have
            message = f"{record.msg} {record.args}"
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        record._pii_masked = True  # type: ignore[attr-defined]
        return True


_FILTER = PiiMaskingFilter()


def install_log_masking(logger: Optional[logging.Logger] = None,
                        handlers: Optional[Iterable[logging.Handler]] = None) -> PiiMaskingFilter:
    """Attach the masking filter to ``handlers`` (default: every handler of ``logger``, which
    defaults to the root logger) and to ``logger`` itself. Idempotent.

    Handler filters see records propagated from every child logger (rasa, aiohttp, ...);
    logger filters only see records logged on that very logger.
    """
    logger = logger if logger is not None else logging.getLogger()
    targets = list(handlers) if handlers is not None else list(logger.handlers)
    for target in targets + [logger]:
        if _FILTER not in target.filters:
            target.addFilter(_FILTER)
    return _FILTER


def get_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with the masking filter on it, so records logged on it are
    masked at the source whatever handlers the application configures."""
    logger = logging.getLogger(name)
    if _FILTER not in logger.filters:
        logger.addFilter(_FILTER)
    return logger
