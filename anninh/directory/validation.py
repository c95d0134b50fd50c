"""Reading ``content/units.yml`` and checking it for editors: every problem names file, entry and
field; units without a phone (expected while numbers are unknown) are warnings."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, List, Mapping, Tuple

from anninh.content import ContentError, load_yaml, require_mapping
from anninh.directory.model import KINDS, UNITS_FILE, Problems, SupportLine, Unit, _Parsed
from anninh.emergency import EMERGENCY_FILE, load_emergency
from anninh.phones import phone_digits, phone_problem
from anninh.places import PLACES_FILE, Places, load_places
from anninh.text import fold


def _text(item: Mapping, key: str, path: Path, entry: str, problems: Problems,
          required: bool = False) -> str:
    value = item.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append(ContentError(path, "cần một đoạn chữ (đặt trong ngoặc kép)", entry=entry,
                                     field=key))
        return ""
    value = " ".join(value.split())
    if required and not value:
        problems.append(ContentError(path, "không được để trống", entry=entry, field=key))
    return value


def _phone_field(value, path: Path, entry: str, key: str, problems: Problems) -> str:
    """Digits of the phone in ``value``; malformed numbers are errors (never shown to citizens)."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        problems.append(ContentError(
            path, "số điện thoại phải đặt trong ngoặc kép, ví dụ \"0206 3xxx xxx\" (không có ngoặc "
                  "kép thì số 0 ở đầu bị mất)", entry=entry, field=key))
        return ""
    if not value.strip():
        return ""
    problem = phone_problem(value)
    if problem:
        problems.append(ContentError(path, problem, entry=entry, field=key))
        return ""
    return phone_digits(value)


def _aliases(item: Mapping, path: Path, entry: str, problems: Problems,
             key: str = "aliases") -> Tuple[str, ...]:
    raw = item.get("aliases") or []
    if not isinstance(raw, list) or not all(isinstance(a, str) and a.strip() for a in raw):
        problems.append(ContentError(path, "cần một danh sách các cách gọi", entry=entry or None,
                                     field=key))
        return ()
    return tuple(a.strip() for a in raw)


def _coverage(places_path: Path, places: Places, problems: Problems) -> Dict[str, Tuple[str, ...]]:
    """Former district id -> ids of the communes that now cover it, where ``places.yml`` knows them
    (optional ``communes`` list of a ``former_districts`` entry; ``load_places`` ignores it)."""
    data = load_yaml(places_path) or {}
    commune_ids = {c.id for c in places.communes}
    out: Dict[str, Tuple[str, ...]] = {}
    for item in data.get("former_districts") or []:
        if not isinstance(item, dict) or not item.get("communes"):
            continue
        did, ids = str(item.get("id")), item.get("communes")
        if not isinstance(ids, list):
            problems.append(ContentError(places_path, "cần danh sách mã xã/phường", entry=did,
                                         field="communes"))
            continue
        unknown = [str(i) for i in ids if str(i) not in commune_ids]
        for i in unknown:
            problems.append(ContentError(places_path, f"không có xã/phường mã '{i}'", entry=did,
                                         field="communes"))
        out[did] = tuple(str(i) for i in ids if str(i) in commune_ids)
    return out


def _parse(path: Path, places_path: Path, emergency_path: Path) -> Tuple[_Parsed, Problems]:
    """Read the units file, collecting every problem instead of stopping at the first."""
    problems = Problems()
    data = require_mapping(load_yaml(path), path)
    places = load_places(places_path)
    communes = {c.id: c for c in places.communes}

    hotline = _phone_field(data.get("provincial_hotline"), path, "", "provincial_hotline", problems)

    national: Dict[str, Tuple[str, ...]] = {}
    raw_national = data.get("national_lines") or {}
    if not isinstance(raw_national, dict):
        problems.append(ContentError(path, "cần bảng 'số: [cách gọi]'", field="national_lines"))
        raw_national = {}
    known_numbers = set()
    try:
        guide = load_emergency(emergency_path)
        known_numbers = {l.number for l in guide.lines + guide.others}
    except ContentError as exc:
        problems.append(exc)
    for number, words in raw_national.items():
        number = str(number)
        if known_numbers and number not in known_numbers:
            problems.append(ContentError(path, f"số '{number}' không có trong "
                                               "content/lexicon/emergency.yml",
                                         entry=number, field="national_lines"))
            continue
        national[number] = _aliases({"aliases": words}, path, number, problems)

    others: List[SupportLine] = []
    raw_others = data.get("other_lines") or []
    if not isinstance(raw_others, list):
        problems.append(ContentError(path, "cần một danh sách", field="other_lines"))
        raw_others = []
    for i, item in enumerate(raw_others):
        entry = f"other_lines[{i}]"
        if not isinstance(item, dict):
            problems.append(ContentError(path, "cần một bảng 'khóa: giá trị'", entry=entry))
            continue
        number = _phone_field(item.get("number"), path, entry, "number", problems)
        name = _text(item, "name", path, entry, problems, required=True)
        if not number and not any(p.entry == entry and p.field == "number" for p in problems):
            problems.append(ContentError(path, "thiếu số", entry=entry, field="number"))
        if number and name:
            others.append(SupportLine(number, name, _aliases(item, path, entry, problems)))

    raw_units = data.get("units")
    if not isinstance(raw_units, list) or not raw_units:
        problems.append(ContentError(path, "cần danh sách các đơn vị", field="units"))
        raw_units = []
    units: List[Unit] = []
    seen_ids: Dict[str, int] = {}
    seen_places: Dict[str, str] = {}
    seen_oa: Dict[str, str] = {}
    for i, item in enumerate(raw_units):
        if not isinstance(item, dict):
            problems.append(ContentError(path, "cần một bảng 'khóa: giá trị'", entry=f"units[{i}]"))
            continue
        uid = item.get("id")
        if not isinstance(uid, str) or not re.fullmatch(r"[a-z0-9_]+", uid or ""):
            problems.append(ContentError(path, "mã đơn vị chỉ gồm chữ thường không dấu, số và '_'",
                                         entry=f"units[{i}]", field="id"))
            continue
        entry = uid
        if uid in seen_ids:
            problems.append(ContentError(path, f"mã bị trùng (đã dùng ở đơn vị thứ "
                                               f"{seen_ids[uid] + 1})", entry=uid, field="id"))
            continue
        seen_ids[uid] = i
        kind = item.get("kind")
        if kind not in KINDS:
            problems.append(ContentError(path, "loại đơn vị phải là province, department hoặc "
                                               "commune", entry=entry, field="kind"))
            continue
        name = _text(item, "name", path, entry, problems, required=True)
        place = _text(item, "place", path, entry, problems)
        if kind == "commune":
            if not place:
                problems.append(ContentError(path, "cần mã xã/phường (content/places.yml)",
                                             entry=entry, field="place"))
            elif place not in communes:
                problems.append(ContentError(path, f"không có xã/phường mã '{place}' trong "
                                                   "content/places.yml", entry=entry, field="place"))
            elif place in seen_places:
                problems.append(ContentError(path, f"xã/phường này đã có đơn vị "
                                                   f"'{seen_places[place]}'", entry=entry, field="place"))
            else:
                seen_places[place] = uid
                if name and fold(communes[place].name) not in fold(name):
                    problems.append(ContentError(path, f"tên đơn vị không khớp xã/phường "
                                                       f"'{communes[place].name}'",
                                                 entry=entry, field="name"))
        elif place:
            problems.append(ContentError(path, "chỉ Công an xã, phường có 'place'", entry=entry,
                                         field="place"))
        emergency_line = str(item.get("emergency_line") or "")
        if emergency_line and known_numbers and emergency_line not in known_numbers:
            problems.append(ContentError(path, f"số '{emergency_line}' không có trong "
                                               "content/lexicon/emergency.yml",
                                         entry=entry, field="emergency_line"))
            emergency_line = ""
        oa = item.get("zalo_oa_id")
        oa = "" if oa is None else str(oa).strip()
        if oa:
            if not oa.isdigit():
                problems.append(ContentError(path, "mã Zalo OA chỉ gồm chữ số", entry=entry,
                                             field="zalo_oa_id"))
                oa = ""
            elif oa in seen_oa:
                problems.append(ContentError(path, f"mã Zalo OA này đã gán cho đơn vị "
                                                   f"'{seen_oa[oa]}'", entry=entry, field="zalo_oa_id"))
                oa = ""
            else:
                seen_oa[oa] = uid
        phone = _phone_field(item.get("phone"), path, entry, "phone", problems)
        source = _text(item, "source", path, entry, problems)
        if not phone and not any(p.entry == entry and p.field == "phone" for p in problems):
            problems.warnings.append(ContentError(
                path, "chưa có số điện thoại (trợ lý sẽ đưa các số toàn quốc)", entry=entry,
                field="phone"))
        if phone and not source:
            problems.warnings.append(ContentError(
                path, "có số điện thoại nhưng chưa ghi nguồn chính thức", entry=entry, field="source"))
        units.append(Unit(
            id=uid, kind=kind, name=name or uid, parent=_text(item, "parent", path, entry, problems),
            place=place if kind == "commune" else "", aliases=_aliases(item, path, entry, problems),
            emergency_line=emergency_line, phone=phone,
            address=_text(item, "address", path, entry, problems),
            hours=_text(item, "hours", path, entry, problems), zalo_oa_id=oa, source=source))

    ids = {u.id for u in units}
    for u in units:
        if u.parent and u.parent not in ids:
            problems.append(ContentError(path, f"không có đơn vị mã '{u.parent}'", entry=u.id,
                                         field="parent"))
    provinces = [u for u in units if u.kind == "province"]
    if len(provinces) != 1 and raw_units:
        problems.append(ContentError(path, "cần đúng một đơn vị loại province (Công an tỉnh)",
                                     field="units"))
    for cid, commune in communes.items():
        if cid not in seen_places:
            problems.warnings.append(ContentError(
                path, f"chưa có đơn vị cho {commune.kind} {commune.name}", entry=cid, field="place"))
    coverage = _coverage(places_path, places, problems)
    commune_aliases = ()
    if data.get("commune_police_aliases") is not None:
        commune_aliases = _aliases({"aliases": data["commune_police_aliases"]}, path, "",
                                   problems, key="commune_police_aliases")
    return _Parsed(units, hotline, national, others, coverage, commune_aliases), problems


def validate_units(path: "str | Path" = UNITS_FILE, places_path: "str | Path" = PLACES_FILE,
                   emergency_path: "str | Path" = EMERGENCY_FILE) -> Problems:
    """Every problem in the units file: a list of errors, with ``.warnings`` for units that have
    no phone yet (expected while numbers are unknown) or a phone without its source."""
    try:
        return _parse(Path(path), Path(places_path), Path(emergency_path))[1]
    except ContentError as exc:
        return Problems([exc])

