"""The procedure catalogue: one YAML file per family in ``content/procedures/``.

Editors own these files. ``load_catalogue`` checks every entry and raises ``CatalogueError`` listing
every problem as file + entry + field, so one run of ``make validate`` shows all of them.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from anninh import CONTENT_DIR
from anninh.content import ContentError, load_yaml
from anninh.facts import PLACEHOLDER, Fact, parse_facts

PROCEDURES_DIR = CONTENT_DIR / "procedures"

# Aspect id (used in button payloads and the aspects lexicon) -> catalogue field.
ASPECT_FIELDS: Dict[str, str] = {
    "documents": "documents",
    "steps": "steps",
    "fee": "fee",
    "time": "processing_time",
    "where": "where",
    "online": "online",
}

_TEXT_FIELDS = ("title", "where", "processing_time", "fee", "online")
_OPTIONAL_TEXT_FIELDS = ("dvc_code", "fee_basis")  # must be present, may be ""
_LIST_FIELDS = ("aliases", "legal_basis", "documents", "steps", "sources")
_OPTIONAL_LIST_FIELDS = ("notes", "cues")
_UNCONFIRMABLE = set(ASPECT_FIELDS.values()) | {"notes"}
REQUIRED_FIELDS = ("id",) + _TEXT_FIELDS + _OPTIONAL_TEXT_FIELDS + _LIST_FIELDS \
    + ("notes", "unconfirmed", "verified_on")
KNOWN_FIELDS = set(REQUIRED_FIELDS) | {"applies_to_age_under", "cues", "facts"}


@dataclass(frozen=True)
class Procedure:
    id: str
    family: str
    title: str
    aliases: Tuple[str, ...]
    legal_basis: Tuple[str, ...]
    dvc_code: str
    documents: Tuple[str, ...]
    steps: Tuple[str, ...]
    where: str
    processing_time: str
    fee: str
    fee_basis: str
    online: str
    notes: Tuple[str, ...]
    unconfirmed: Tuple[str, ...]
    sources: Tuple[str, ...]
    verified_on: dt.date
    file: str
    cues: Tuple[str, ...] = ()
    applies_to_age_under: Optional[int] = None
    facts: Tuple[Fact, ...] = ()
    # field -> fragments: only the items/sentences of that field containing one are unconfirmed
    unconfirmed_parts: Tuple[Tuple[str, str], ...] = ()

    def is_unconfirmed(self, field_name: str) -> bool:
        """The whole field is unconfirmed."""
        return field_name in self.unconfirmed

    def unconfirmed_fragments(self, field_name: str) -> Tuple[str, ...]:
        return tuple(text for name, text in self.unconfirmed_parts if name == field_name)

    def has_unconfirmed(self, field_name: str) -> bool:
        return self.is_unconfirmed(field_name) or bool(self.unconfirmed_fragments(field_name))


@dataclass(frozen=True)
class Family:
    id: str
    title: str
    aliases: Tuple[str, ...]
    procedure_ids: Tuple[str, ...]
    file: str
    order: int = 100


@dataclass
class Catalogue:
    families: Dict[str, Family] = field(default_factory=dict)
    procedures: Dict[str, Procedure] = field(default_factory=dict)

    def get(self, procedure_id: str) -> Optional[Procedure]:
        return self.procedures.get(procedure_id)

    def family_of(self, procedure_id: str) -> Optional[Family]:
        proc = self.procedures.get(procedure_id)
        return self.families.get(proc.family) if proc else None

    def in_family(self, family_id: str) -> List[Procedure]:
        fam = self.families.get(family_id)
        return [self.procedures[p] for p in fam.procedure_ids] if fam else []


class CatalogueError(Exception):
    """All problems found in the catalogue; ``problems`` lists them one by one."""

    def __init__(self, problems: List[ContentError]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _text(value: Any) -> Optional[str]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return value.strip() if isinstance(value, str) else None


def _parse_procedure(raw: Any, family_id: str, path: Path, index: int,
                     today: dt.date, problems: List[ContentError]) -> Optional[Procedure]:
    label = f"procedures[{index}]"
    if not isinstance(raw, dict):
        problems.append(ContentError(path, "mỗi thủ tục phải là một bảng 'trường: giá trị'",
                                     entry=label))
        return None
    entry = _text(raw.get("id")) or label
    bad = len(problems)

    def problem(field_name: str, message: str) -> None:
        problems.append(ContentError(path, message, entry=entry, field=field_name))

    for name in REQUIRED_FIELDS:
        if name not in raw:
            problem(name, "thiếu trường bắt buộc")
    for name in sorted(set(raw) - KNOWN_FIELDS):
        problem(name, "trường không có trong mẫu (viết sai tên trường?)")

    values: Dict[str, Any] = {}
    for name in ("id",) + _TEXT_FIELDS:
        if name in raw:
            value = _text(raw[name])
            if not value:
                problem(name, "cần một đoạn chữ, không được để trống")
            values[name] = value or ""
    for name in _OPTIONAL_TEXT_FIELDS:
        value = raw.get(name, "")
        value = "" if value is None else _text(value)
        if value is None:
            problem(name, "cần một đoạn chữ (có thể để \"\")")
        values[name] = value or ""
    for name in _LIST_FIELDS + _OPTIONAL_LIST_FIELDS:
        value = raw.get(name, [])
        if value is None:
            value = []
        if not isinstance(value, list) or not all(_text(v) for v in value):
            problem(name, "cần một danh sách, mỗi dòng bắt đầu bằng '- ' và có nội dung")
            value = []
        elif name in _LIST_FIELDS and name in raw and not value:
            problem(name, "danh sách không được để trống")
        values[name] = tuple(_text(v) for v in value)

    pid = values.get("id", "")
    if pid and not pid.startswith(family_id + "."):
        problem("id", f"mã thủ tục phải bắt đầu bằng '{family_id}.' (tên nhóm của tệp)")
    whole, parts = _parse_unconfirmed(raw.get("unconfirmed", []), values, problem)
    values["unconfirmed"] = whole
    for name in ("title",) + _TEXT_FIELDS + ("fee_basis",):
        if values.get(name) and PLACEHOLDER.search(values[name]):
            problem(name, "còn chỗ để trống hoặc ký hiệu tạm ({…}, <…>, TODO, ...): người dân sẽ thấy")
    for name in ("legal_basis", "documents", "steps", "notes"):
        if any(PLACEHOLDER.search(v) for v in values.get(name, ())):
            problem(name, "còn chỗ để trống hoặc ký hiệu tạm ({…}, <…>, TODO, ...): người dân sẽ thấy")
    verified = raw.get("verified_on")
    if "verified_on" in raw:
        if isinstance(verified, str):
            try:
                verified = dt.date.fromisoformat(verified.strip())
            except ValueError:
                verified = None
        if not isinstance(verified, dt.date) or isinstance(verified, dt.datetime):
            problem("verified_on", "ngày kiểm tra phải viết dạng NĂM-THÁNG-NGÀY, ví dụ 2026-11-28")
            verified = None
        elif verified > today:
            problem("verified_on", f"ngày kiểm tra {verified.isoformat()} ở tương lai")
    age = raw.get("applies_to_age_under")
    if age is not None and (not isinstance(age, int) or isinstance(age, bool) or not 0 < age < 120):
        problem("applies_to_age_under", "cần một số tuổi, ví dụ 14")
        age = None

    facts = parse_facts(raw.get("facts"), entry, verified if isinstance(verified, dt.date) else None,
                        path, today, problems)
    if len(problems) > bad:
        return None
    return Procedure(family=family_id, verified_on=verified, file=str(path),
                     applies_to_age_under=age, facts=facts, unconfirmed_parts=parts, **values)


def _parse_unconfirmed(raw: Any, values: Dict[str, Any], problem) -> Tuple[Tuple[str, ...],
                                                                          Tuple[Tuple[str, str], ...]]:
    """``unconfirmed`` lists whole fields (``fee``) or single facts of a field
    (``{field: fee, contains: ô tô}``: only the items/sentences containing "ô tô")."""
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        problem("unconfirmed", "cần một danh sách tên trường hoặc {field: ..., contains: ...}")
        return (), ()
    whole: List[str] = []
    parts: List[Tuple[str, str]] = []
    for item in raw:
        name, contains = (item, None) if isinstance(item, str) else (
            (item.get("field"), item.get("contains")) if isinstance(item, dict) else (None, None))
        if name not in _UNCONFIRMABLE:
            problem("unconfirmed", f"'{name}' không phải tên trường có thể đánh dấu "
                                   f"(chọn trong: {', '.join(sorted(_UNCONFIRMABLE))})")
            continue
        if contains is None:
            whole.append(name)
            continue
        value = values.get(name)
        text = " ".join(value) if isinstance(value, tuple) else str(value or "")
        if not isinstance(contains, str) or not contains.strip() or contains.strip() not in text:
            problem("unconfirmed", f"không thấy đoạn '{contains}' trong trường '{name}'")
            continue
        parts.append((name, contains.strip()))
    return tuple(whole), tuple(parts)


def stale_entries(catalogue: "Catalogue", today: dt.date, max_age_days: int
                  ) -> List[Tuple[str, str, dt.date]]:
    """(file, entry, verified_on) of every procedure and fact checked more than ``max_age_days``
    ago: laws change every year, so editors re-check them."""
    out = []
    limit = today - dt.timedelta(days=max_age_days)
    for proc in catalogue.procedures.values():
        if proc.verified_on < limit:
            out.append((proc.file, proc.id, proc.verified_on))
        out += [(proc.file, f"{proc.id} › {f.id}", f.verified_on) for f in proc.facts
                if f.verified_on < limit and f.verified_on != proc.verified_on]
    return out


def _load_family_file(path: Path, today: dt.date, problems: List[ContentError]
                      ) -> Tuple[Optional[Family], List[Procedure]]:
    try:
        data = load_yaml(path)
    except ContentError as exc:
        problems.append(exc)
        return None, []
    if not isinstance(data, dict):
        problems.append(ContentError(path, "tệp cần có hai phần 'family:' và 'procedures:'"))
        return None, []
    fam = data.get("family")
    if not isinstance(fam, dict):
        problems.append(ContentError(path, "thiếu phần 'family:' (id, title, aliases)", field="family"))
        return None, []
    family_id = _text(fam.get("id"))
    if not family_id:
        problems.append(ContentError(path, "thiếu mã nhóm", entry="family", field="id"))
        return None, []
    if family_id != path.stem:
        problems.append(ContentError(path, f"mã nhóm '{family_id}' phải trùng tên tệp '{path.stem}'",
                                     entry="family", field="id"))
    title = _text(fam.get("title"))
    if not title:
        problems.append(ContentError(path, "thiếu tên nhóm", entry="family", field="title"))
    aliases = fam.get("aliases") or []
    if not isinstance(aliases, list) or not all(_text(a) for a in aliases):
        problems.append(ContentError(path, "cần một danh sách các cách gọi", entry="family",
                                     field="aliases"))
        aliases = []
    raw_procs = data.get("procedures")
    if not isinstance(raw_procs, list) or not raw_procs:
        problems.append(ContentError(path, "cần danh sách thủ tục, mỗi thủ tục bắt đầu bằng '- id:'",
                                     field="procedures"))
        raw_procs = []
    procs = [p for i, raw in enumerate(raw_procs)
             if (p := _parse_procedure(raw, family_id, path, i, today, problems)) is not None]
    order = fam.get("order", 100)
    if not isinstance(order, int) or isinstance(order, bool):
        problems.append(ContentError(path, "thứ tự hiển thị phải là một số", entry="family",
                                     field="order"))
        order = 100
    family = Family(id=family_id, title=title or family_id,
                    aliases=tuple(_text(a) for a in aliases),
                    procedure_ids=tuple(p.id for p in procs), file=str(path), order=order)
    return family, procs


def load_catalogue(directory: "str | Path" = PROCEDURES_DIR,
                   today: Optional[dt.date] = None) -> Catalogue:
    """Load and check every ``*.yml`` family file in ``directory``."""
    directory = Path(directory)
    today = today or dt.date.today()
    problems: List[ContentError] = []
    catalogue = Catalogue()
    files = sorted(directory.glob("*.yml"))
    if not files:
        problems.append(ContentError(directory, "không có tệp thủ tục nào (*.yml)"))
    for path in files:
        family, procs = _load_family_file(path, today, problems)
        if family is None:
            continue
        if family.id in catalogue.families:
            problems.append(ContentError(path, f"nhóm '{family.id}' đã có ở tệp khác",
                                         entry="family", field="id"))
            continue
        catalogue.families[family.id] = family
        for proc in procs:
            if proc.id in catalogue.procedures:
                other = catalogue.procedures[proc.id].file
                problems.append(ContentError(path, f"mã thủ tục bị trùng (đã có trong {other})",
                                             entry=proc.id, field="id"))
                continue
            catalogue.procedures[proc.id] = proc
    if problems:
        raise CatalogueError(problems)
    catalogue.families = dict(sorted(catalogue.families.items(), key=lambda kv: kv[1].order))
    catalogue.procedures = {pid: catalogue.procedures[pid]
                            for fam in catalogue.families.values() for pid in fam.procedure_ids}
    return catalogue
