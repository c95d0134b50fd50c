"""The citizen-facing texts of ``content/reports.yml`` (labels, messages, public site).

Loading validates the whole file (every kind and status present, only known ``{placeholders}``
in each message) and reports problems as ``anninh.content.ContentError`` naming the field.
"""
from __future__ import annotations

import json
import os
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

from anninh import CONTENT_DIR
from anninh.content import ContentError, load_yaml, require_mapping
from anninh.reports.codes import KINDS
from anninh.reports.model import STATUSES

DEFAULT_CONTENT_PATH = CONTENT_DIR / "reports.yml"
ENV_OA_UNITS = "REPORTS_OA_UNITS"  # JSON object {oa_id: unit}; overrides/extends units.by_oa

_MESSAGE_FIELDS: Dict[str, frozenset] = {
    "submitted": frozenset({"signature", "kind_label", "kind_title", "code", "time_limit", "unit"}),
    "status_changed": frozenset({"signature", "kind_label", "kind_title", "code", "status_label",
                                 "status_explanation", "unit"}),
    "result_published": frozenset({"signature", "kind_label", "kind_title", "code", "status_label",
                                   "result", "unit"}),
    "lookup": frozenset({"kind_label", "kind_title", "code", "status_label", "status_explanation",
                         "received_at", "unit", "result_part"}),
    "lookup_result": frozenset({"result", "published_at"}),
    "not_found": frozenset(),
}
_SITE_FIELDS: Dict[str, frozenset] = {
    "title": frozenset(), "intro": frozenset({"signature", "generated_at"}), "empty": frozenset(),
    "column_month": frozenset(), "column_kind": frozenset(), "column_unit": frozenset(),
    "column_summary": frozenset(),
}


@dataclass(frozen=True)
class KindText:
    label: str
    title: str
    time_limit: str
    deadline_days: int = 20  # days from receipt to the handling deadline (console: overdue)


@dataclass(frozen=True)
class StatusText:
    label: str
    explanation: str


@dataclass(frozen=True)
class ReportsContent:
    signature: str
    default_unit: Optional[str]
    oa_units: Mapping[str, str]
    kinds: Mapping[str, KindText]
    statuses: Mapping[str, StatusText]
    messages: Mapping[str, str]
    site: Mapping[str, str]
    path: str = field(default="")

    def kind_label(self, kind: str) -> str:
        return self.kinds[kind].label if kind in self.kinds else kind

    def kind_title(self, kind: str) -> str:
        return self.kinds[kind].title if kind in self.kinds else kind

    def deadline_days(self, kind: str) -> int:
        """Days from receipt to the handling deadline of this kind (``kinds.<kind>.deadline_days``)."""
        return self.kinds[kind].deadline_days

    def status_label(self, status: str) -> str:
        return self.statuses[status].label if status in self.statuses else status

    # -- messages to citizens ------------------------------------------------------------------
    def _common(self, code: str, kind: str, unit: Optional[str]) -> Dict[str, str]:
        return {"signature": self.signature, "code": code, "kind_label": self.kind_label(kind),
                "kind_title": self.kind_title(kind), "unit": unit or self.default_unit or self.signature}

    def submitted_text(self, code: str, kind: str, unit: Optional[str] = None) -> str:
        """The answer right after a successful submit (contains the ticket code)."""
        return _squash(self.messages["submitted"].format(
            time_limit=self.kinds[kind].time_limit, **self._common(code, kind, unit)))

    def status_changed_text(self, report: Any) -> str:
        """Notification text for ``report`` (anything with code, kind, status, unit)."""
        st = self.statuses[report.status]
        return _squash(self.messages["status_changed"].format(
            status_label=st.label, status_explanation=st.explanation,
            **self._common(report.code, report.kind, report.unit)))

    def result_published_text(self, report: Any) -> str:
        return _squash(self.messages["result_published"].format(
            status_label=self.status_label(report.status), result=report.published_result or "",
            **self._common(report.code, report.kind, report.unit)))

    def lookup_text(self, view: Any) -> str:
        """The answer to the sender's own lookup (``view``: a ``store.CitizenView``)."""
        from anninh.reports.timeutil import fmt_vn
        result_part = ""
        if view.published_result:
            result_part = " " + self.messages["lookup_result"].format(
                result=view.published_result, published_at=fmt_vn(view.published_at)[:10])
        st = self.statuses[view.status]
        return _squash(self.messages["lookup"].format(
            kind_label=self.kind_label(view.kind), kind_title=self.kind_title(view.kind),
            code=view.code, status_label=st.label, status_explanation=st.explanation,
            received_at=fmt_vn(view.received_at), unit=view.unit or self.default_unit or "",
            result_part=result_part))

    def not_found_text(self) -> str:
        """The answer for an unknown code AND for someone else's code (identical on purpose)."""
        return _squash(self.messages["not_found"])


def _days(value: Any, path: Path, entry: str, fname: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 365:
        raise ContentError(path, "cần một số ngày (số nguyên từ 1 đến 365), ví dụ 20", entry=entry, field=fname)
    return value


def _squash(text: str) -> str:
    return " ".join(text.split())


def _text(value: Any, path: Path, entry: str, fname: str, allowed: Optional[frozenset] = None) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ContentError(path, "cần một đoạn văn bản không rỗng", entry=entry, field=fname)
    if allowed is not None:
        try:
            names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
        except ValueError as exc:
            raise ContentError(path, f"dấu ngoặc nhọn không khớp ({exc}); viết '{{{{' nếu cần một dấu '{{'",
                               entry=entry, field=fname) from None
        bad = sorted(n for n in names if n not in allowed)
        if bad:
            allowed_txt = " ".join("{" + a + "}" for a in sorted(allowed)) or "(không có)"
            raise ContentError(path, f"không biết chỗ điền {', '.join('{' + b + '}' for b in bad)}; "
                                     f"chỉ dùng được: {allowed_txt}", entry=entry, field=fname)
    return value.strip()


def load_reports_content(path: "str | Path | None" = None) -> ReportsContent:
    """Load and validate the content file (default ``content/reports.yml``). Cached per path."""
    return _load(str(Path(path or DEFAULT_CONTENT_PATH).resolve()), os.environ.get(ENV_OA_UNITS, ""))


@lru_cache(maxsize=8)
def _load(path_str: str, env_oa_units: str) -> ReportsContent:
    path = Path(path_str)
    data = require_mapping(load_yaml(path), path)
    signature = _text(data.get("signature"), path, "signature", "signature")
    units = require_mapping(data.get("units") or {}, path, entry="units")
    default_unit = units.get("default")
    if default_unit is not None:
        default_unit = _text(default_unit, path, "units", "default")
    by_oa_raw = units.get("by_oa") or {}
    by_oa = require_mapping(by_oa_raw, path, entry="units", field="by_oa")
    oa_units: Dict[str, str] = {}
    for oa, unit in by_oa.items():
        if unit is None:
            continue
        oa_units[str(oa)] = _text(unit, path, "units.by_oa", str(oa))
    if env_oa_units.strip():
        try:
            extra = json.loads(env_oa_units)
            if not isinstance(extra, dict):
                raise ValueError("not an object")
        except ValueError as exc:
            raise ContentError(f"${ENV_OA_UNITS}", f"cần một JSON object {{\"oa_id\": \"đơn vị\"}} ({exc})")
        oa_units.update({str(k): str(v) for k, v in extra.items() if v})

    kinds_raw = require_mapping(data.get("kinds"), path, entry="kinds")
    kinds: Dict[str, KindText] = {}
    for kind in KINDS:
        entry = require_mapping(kinds_raw.get(kind), path, entry=f"kinds.{kind}")
        kinds[kind] = KindText(label=_text(entry.get("label"), path, f"kinds.{kind}", "label"),
                               title=_text(entry.get("title"), path, f"kinds.{kind}", "title"),
                               time_limit=_text(entry.get("time_limit"), path, f"kinds.{kind}", "time_limit"),
                               deadline_days=_days(entry.get("deadline_days"), path, f"kinds.{kind}", "deadline_days"))
    unknown = sorted(set(kinds_raw) - set(KINDS))
    if unknown:
        raise ContentError(path, f"loại không có trong chương trình: {', '.join(map(str, unknown))}; "
                                 f"chỉ có: {', '.join(KINDS)}", entry="kinds")

    statuses_raw = require_mapping(data.get("statuses"), path, entry="statuses")
    statuses: Dict[str, StatusText] = {}
    for status in STATUSES:
        entry = require_mapping(statuses_raw.get(status), path, entry=f"statuses.{status}")
        statuses[status] = StatusText(
            label=_text(entry.get("label"), path, f"statuses.{status}", "label"),
            explanation=_text(entry.get("explanation"), path, f"statuses.{status}", "explanation"))
    unknown = sorted(set(statuses_raw) - set(STATUSES))
    if unknown:
        raise ContentError(path, f"trạng thái không có trong chương trình: {', '.join(map(str, unknown))}",
                           entry="statuses")

    messages_raw = require_mapping(data.get("messages"), path, entry="messages")
    messages = {name: _text(messages_raw.get(name), path, "messages", name, allowed)
                for name, allowed in _MESSAGE_FIELDS.items()}
    site_raw = require_mapping(data.get("site"), path, entry="site")
    site = {name: _text(site_raw.get(name), path, "site", name, allowed)
            for name, allowed in _SITE_FIELDS.items()}
    return ReportsContent(signature=signature, default_unit=default_unit, oa_units=oa_units,
                          kinds=kinds, statuses=statuses, messages=messages, site=site, path=path_str)
