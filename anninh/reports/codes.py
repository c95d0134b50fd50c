"""Report kinds and ticket codes (``TG-2026-000123``).

The prefixes are part of codes already given to citizens, so they live here, not in the
editable content file. Sequences are per kind and per (Vietnam-local) year and are allocated
by ``store.ReportStore.create_report`` inside the transaction that inserts the report.
"""
from __future__ import annotations

import re
from typing import Dict, NamedTuple, Optional

KINDS = ("to_giac", "tin_bao", "phan_anh", "kien_nghi")
KIND_PREFIX: Dict[str, str] = {
    "to_giac": "TG",    # tố giác tội phạm
    "tin_bao": "TB",    # tin báo về tội phạm
    "phan_anh": "PA",   # phản ánh
    "kien_nghi": "KN",  # kiến nghị
}
PREFIX_KIND: Dict[str, str] = {v: k for k, v in KIND_PREFIX.items()}
# Kinds that are crime information under the Criminal Procedure Code (Điều 147 BLTTHS 2015).
CRIME_KINDS = frozenset({"to_giac", "tin_bao"})

# Lenient on input: case, spaces/dots/underscores/no separator, missing zero padding.
_CODE_RE = re.compile(r"^\s*([A-Za-z]{2})[\s\-_.]*(\d{4})[\s\-_.]*(\d{1,9})\s*$")


class ParsedCode(NamedTuple):
    kind: str
    year: int
    seq: int


def format_code(kind: str, year: int, seq: int) -> str:
    if kind not in KIND_PREFIX:
        raise ValueError(f"unknown report kind {kind!r}")
    if seq < 1:
        raise ValueError("sequence starts at 1")
    return f"{KIND_PREFIX[kind]}-{year:04d}-{seq:06d}"


def parse_code(text: Optional[str]) -> Optional[ParsedCode]:
    """Parse what a citizen or officer typed; None when it cannot be a ticket code."""
    if not text:
        return None
    m = _CODE_RE.match(text)
    if not m:
        return None
    kind = PREFIX_KIND.get(m.group(1).upper())
    seq = int(m.group(3))
    if kind is None or seq < 1:
        return None
    return ParsedCode(kind, int(m.group(2)), seq)


def normalize_code(text: Optional[str]) -> Optional[str]:
    """``" tg 2026 123"`` -> ``"TG-2026-000123"``; None when not a code."""
    parsed = parse_code(text)
    return format_code(*parsed) if parsed else None
