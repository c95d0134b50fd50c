"""Police units and their contacts (``content/units.yml``): who to call, where, when.

The file lists the provincial police, its departments and the police of the 56 communes and wards.
Phone numbers are only ever taken from official sources; an unknown number is left empty and the
answer then says so and gives the national lines (from ``content/lexicon/emergency.yml``) and the
provincial hotline when one is configured (``provincial_hotline`` or env ``PROVINCIAL_HOTLINE``).

A question is resolved, in this order, to:

1. the communes or wards it names (``content/places.yml``; accent-insensitive, one typo);
2. a former district ("huyện Hòa An", "TP Cao Bằng"): districts were abolished on 1/7/2025, so the
   answer explains that and points to the commune police (listing them only when the
   ``communes`` of that former district are known in ``places.yml``);
3. a department or the provincial police, by its ``aliases``;
4. a national or support line ("số cứu hỏa", "tổng đài dịch vụ công");
5. the unit of the Zalo OA the citizen wrote to, else the provincial police. "Công an xã" with no
   commune named, when the OA is not a commune's, gets a question back for the commune's name.

``validate_units`` checks the file for editors: errors (malformed phone, unknown place, duplicate
id, …) and, separately, ``warnings`` (units without a phone, which is expected for now).
Run ``python -m anninh.directory`` to print both.
"""
from __future__ import annotations

import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from anninh import CONTENT_DIR
from anninh.content import ContentError, load_yaml, require_mapping
from anninh.emergency import EMERGENCY_FILE, EmergencyGuide, Line, load_emergency
from anninh.lexicon import load_lexicon
from anninh.phrases import Match, PhraseIndex
from anninh.places import PLACES_FILE, Place, Places, load_places
from anninh.render import Reply, split_text
from anninh.text import Abbreviations, fold, normalize, syllables

logger = logging.getLogger(__name__)

UNITS_FILE = CONTENT_DIR / "units.yml"
HOTLINE_ENV = "PROVINCIAL_HOTLINE"
KINDS = ("province", "department", "commune")
MAX_BUTTONS = 4
MAX_UNITS_PER_ANSWER = 3
DISTRICTS_ABOLISHED = "1/7/2025"
DISTRICT_POLICE_ENDED = "1/3/2025"

# --- phone numbers ---------------------------------------------------------------------------

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
    """A button that dials ``number`` (the Zalo connector maps it to ``oa.open.phone``)."""
    digits = phone_digits(number)
    return {"title": (label or f"Gọi {format_phone(digits)}")[:100], "type": "phone_number",
            "payload": digits}


# --- content ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Unit:
    id: str
    kind: str
    name: str
    parent: str = ""
    place: str = ""
    aliases: Tuple[str, ...] = ()
    emergency_line: str = ""
    phone: str = ""       # digits only, "" when unknown
    address: str = ""
    hours: str = ""
    zalo_oa_id: str = ""
    source: str = ""


@dataclass(frozen=True)
class SupportLine:
    number: str  # digits
    name: str
    aliases: Tuple[str, ...] = ()


class Problems(list):
    """Errors found in a content file (a list of ContentError), plus ``warnings``."""

    def __init__(self, errors: Iterable[ContentError] = (),
                 warnings: Iterable[ContentError] = ()):
        super().__init__(errors)
        self.warnings: List[ContentError] = list(warnings)


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


def _aliases(item: Mapping, path: Path, entry: str, problems: Problems) -> Tuple[str, ...]:
    raw = item.get("aliases") or []
    if not isinstance(raw, list) or not all(isinstance(a, str) and a.strip() for a in raw):
        problems.append(ContentError(path, "cần một danh sách các cách gọi", entry=entry,
                                     field="aliases"))
        return ()
    return tuple(a.strip() for a in raw)


@dataclass
class _Parsed:
    units: List[Unit]
    provincial_hotline: str
    national_aliases: Dict[str, Tuple[str, ...]]
    other_lines: List[SupportLine]
    coverage: Dict[str, Tuple[str, ...]]


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
    return _Parsed(units, hotline, national, others, coverage), problems


def validate_units(path: "str | Path" = UNITS_FILE, places_path: "str | Path" = PLACES_FILE,
                   emergency_path: "str | Path" = EMERGENCY_FILE) -> Problems:
    """Every problem in the units file: a list of errors, with ``.warnings`` for units that have
    no phone yet (expected while numbers are unknown) or a phone without its source."""
    try:
        return _parse(Path(path), Path(places_path), Path(emergency_path))[1]
    except ContentError as exc:
        return Problems([exc])


# --- places in a message ---------------------------------------------------------------------

class PlaceMatcher:
    """Communes/wards and former districts named in a message (accent-insensitive, one typo).

    Place names are matched on the message's plain syllables, without expanding abbreviations:
    with them, "Ca Thành" would read "công an thành" and match "công an thành phố" (which is why
    ``places.find_commune`` is not used here). "huyện X" names the former district X even when a
    commune is also called X; a bare district name counts only when no commune has that name.
    """

    def __init__(self, places: Places):
        self.places = places
        self.communes = {c.id: c for c in places.communes}
        self.districts = {d.id: d for d in places.former_districts}
        self._index = PhraseIndex(self._phrases(), Abbreviations({}), gaps=False)

    def _phrases(self) -> Iterable[Tuple[str, str]]:
        commune_names = {fold(c.name) for c in self.places.communes}
        for c in self.places.communes:
            yield f"c:{c.id}", c.name
            yield f"c:{c.id}", f"{c.kind} {c.name}"
        for d in self.places.former_districts:
            yield f"d:{d.id}", f"huyện {d.name}"
            if fold(d.name) not in commune_names:
                yield f"d:{d.id}", d.name
            if fold(d.name).startswith("thanh pho "):
                rest = d.name.split(" ", 2)[2]
                yield f"d:{d.id}", f"tp {rest}"
                yield f"d:{d.id}", f"thị xã {rest}"

    def matches(self, text: str) -> List[Match]:
        """Place matches, those inside a longer match of another place dropped ("Hòa An" inside
        "huyện Hòa An"); strongest first, then in message order; one per place."""
        found = self._index.matches(syllables(text))
        found = [m for m in found
                 if not any(o.key != m.key and o.start <= m.start and m.end <= o.end
                            and (o.end - o.start) > (m.end - m.start) for o in found)]
        found.sort(key=lambda m: (-m.score, m.start))
        out, seen = [], set()
        for m in found:
            if m.key not in seen:
                seen.add(m.key)
                out.append(m)
        return out

    def find_communes(self, text: str) -> List[Tuple[Place, bool]]:
        """Communes named, in message order, each with whether its kind ("xã"/"phường") was
        written; a commune typed with a typo counts only when nothing matches better."""
        found = [m for m in self.matches(text) if m.key.startswith("c:")]
        if not found:
            return []
        top = found[0].score
        chosen = sorted((m for m in found if m.score == top or m.score % 2 == 0),
                        key=lambda m: m.start)
        out = []
        for m in chosen:
            commune = self.communes[m.key[2:]]
            out.append((commune, m.end - m.start > len(syllables(commune.name))))
        return out

    def find_district(self, text: str) -> Optional[Place]:
        found = [m for m in self.matches(text) if m.key.startswith("d:")]
        return self.districts[found[0].key[2:]] if found else None


_MATCHERS: Dict[str, Tuple[Places, PlaceMatcher]] = {}


def place_matcher(places_path: "str | Path" = PLACES_FILE) -> PlaceMatcher:
    places = load_places(places_path)
    cached = _MATCHERS.get(str(places_path))
    if cached is None or cached[0] is not places:
        cached = (places, PlaceMatcher(places))
        _MATCHERS[str(places_path)] = cached
    return cached[1]


# --- the directory -------------------------------------------------------------------------

@dataclass
class Lookup:
    """What a question is about (see the module docstring for the order)."""
    units: List[Unit] = field(default_factory=list)
    district: Optional[Place] = None
    line: "Line | SupportLine | None" = None
    ask_commune: bool = False
    via_oa: bool = False
    # A commune whose name is also a former district's, named without "xã"/"phường".
    same_name_district: Optional[Place] = None


_GENERIC_COMMUNE = ("công an xã", "công an phường", "công an cấp xã", "công an khu vực",
                    "công an xã phường", "công an địa phương")


class Directory:
    def __init__(self, parsed: _Parsed, places: Places, guide: EmergencyGuide):
        self.units: Dict[str, Unit] = {u.id: u for u in parsed.units}
        self.file_hotline = parsed.provincial_hotline
        self.national_aliases = parsed.national_aliases
        self.other_lines = parsed.other_lines
        self.coverage = parsed.coverage
        self.places = places
        self.guide = guide
        self.communes = {c.id: c for c in places.communes}
        self.districts = {d.id: d for d in places.former_districts}
        self.by_place = {u.place: u for u in parsed.units if u.place}
        self.by_oa = {u.zalo_oa_id: u for u in parsed.units if u.zalo_oa_id}
        self.province = next(u for u in parsed.units if u.kind == "province")
        self.matcher = PlaceMatcher(places)
        self._index = PhraseIndex(self._phrases(), load_lexicon().abbreviations, gaps=False)

    def _phrases(self) -> Iterable[Tuple[str, str]]:
        for u in self.units.values():
            if u.kind != "commune":
                yield f"u:{u.id}", u.name
                for alias in u.aliases:
                    yield f"u:{u.id}", alias
        for number, words in self.national_aliases.items():
            for w in words:
                yield f"l:{number}", w
        for line in self.other_lines:
            yield f"s:{line.number}", line.name
            for w in line.aliases:
                yield f"s:{line.number}", w
        for w in _GENERIC_COMMUNE:
            yield "g:", w

    # -- lookups --

    def hotline(self, env: Optional[Mapping[str, str]] = None) -> str:
        """Digits of the provincial hotline: env PROVINCIAL_HOTLINE, else the file; "" if none."""
        env = os.environ if env is None else env
        raw = (env.get(HOTLINE_ENV) or "").strip()
        if raw:
            problem = phone_problem(raw)
            if problem is None:
                return phone_digits(raw)
            logger.warning("%s ignored: %s", HOTLINE_ENV, problem)
        return self.file_hotline

    def unit_for_oa(self, oa_id: Optional[str], label: Optional[str] = None) -> Optional[Unit]:
        """The unit behind a Zalo OA: its ``zalo_oa_id``, else the connector's unit label
        (ZALO_UNIT) when that is a unit id or name."""
        if oa_id and str(oa_id) in self.by_oa:
            return self.by_oa[str(oa_id)]
        if label:
            if label in self.units:
                return self.units[label]
            folded = fold(label).strip()
            for u in self.units.values():
                if fold(u.name) == folded:
                    return u
        return None

    def _line(self, number: str) -> Optional[Line]:
        return next((l for l in self.guide.lines + self.guide.others if l.number == number), None)

    def lookup(self, text: str, place: Optional[str] = None, oa_id: Optional[str] = None,
               oa_unit: Optional[str] = None) -> Lookup:
        communes = self.matcher.find_communes(text)
        district = self.matcher.find_district(text)
        if not communes and district is None and place:
            # nothing in the text (a button payload): use the NLU / button entity
            if place in self.by_place:
                return Lookup(units=[self.by_place[place]])
            if place in self.districts:
                return Lookup(district=self.districts[place])
        units = [self.by_place[c.id] for c, _ in communes if c.id in self.by_place]
        if units:
            lookup = Lookup(units=units[:MAX_UNITS_PER_ANSWER])
            if len(communes) == 1 and not communes[0][1]:
                name = fold(communes[0][0].name)
                lookup.same_name_district = next(
                    (d for d in self.places.former_districts if fold(d.name) == name), None)
            return lookup
        if district is not None:
            return Lookup(district=district)

        matches = self._index.matches(normalize(text, self._index.abbreviations))
        matches = [m for m in matches
                   if not any(o.key != m.key and o.start <= m.start and m.end <= o.end
                              and (o.end - o.start) > (m.end - m.start) for o in matches)]

        def best(prefix: str) -> Optional[str]:
            found = sorted((m for m in matches if m.key.startswith(prefix)),
                           key=lambda m: (-m.score, m.start))
            return found[0].key[len(prefix):] if found else None

        unit_id = best("u:")
        if unit_id:
            return Lookup(units=[self.units[unit_id]])
        number = best("l:")
        line = self._line(number) if number else None
        support = best("s:")
        if line is not None or support:
            if line is None or (support and max(m.score for m in matches if m.key == f"s:{support}")
                                > max(m.score for m in matches if m.key == f"l:{number}")):
                return Lookup(line=next(l for l in self.other_lines if l.number == support))
            return Lookup(line=line)
        oa = self.unit_for_oa(oa_id, oa_unit)
        if best("g:") is not None and (oa is None or oa.kind != "commune"):
            return Lookup(ask_commune=True)
        if oa is not None:
            return Lookup(units=[oa], via_oa=True)
        return Lookup(units=[self.province])

    # -- answers --

    def national_lines(self, text: str = "", first: str = "") -> List[Line]:
        """All national lines, the one the message is about (or ``first``) at the top."""
        ranked = self.guide.ranked(text) + list(self.guide.others)
        if first:
            ranked.sort(key=lambda l: l.number != first)
        return ranked

    def _lines_block(self, text: str, first: str, env: Optional[Mapping[str, str]],
                     intro: str = "Anh/chị có thể gọi:") -> Tuple[List[str], List[Dict[str, str]]]:
        lines, buttons = [intro], []
        hotline = self.hotline(env)
        if hotline:
            lines.append(f"☎️ {format_phone(hotline)}: Đường dây nóng {self.province.name}")
            buttons.append(call_button(hotline, "Gọi đường dây nóng Công an tỉnh"))
        ranked = self.national_lines(text, first)
        lines += [f"☎️ {l.number}: {l.name}" for l in ranked]
        lines.append("Các số 111–115 gọi miễn phí từ mọi điện thoại.")
        buttons += [call_button(l.number) for l in ranked]
        return lines, buttons[:MAX_BUTTONS]

    def _full_name(self, unit: Unit) -> str:
        parent = self.units.get(unit.parent)
        return f"{unit.name}, {parent.name}" if parent else unit.name

    @staticmethod
    def _details(unit: Unit) -> List[str]:
        out = []
        if unit.address:
            out.append(f"📍 Địa chỉ: {unit.address}")
        if unit.hours:
            out.append(f"🕗 Giờ làm việc: {unit.hours}")
        return out

    def _district_note(self, district: Place) -> str:
        return (f"(Nếu anh/chị hỏi về huyện {district.name} cũ: từ ngày {DISTRICTS_ABOLISHED} không "
                "còn cấp huyện; anh/chị liên hệ Công an xã, phường nơi mình cư trú.)")

    def answer_units(self, units: Sequence[Unit], text: str = "",
                     env: Optional[Mapping[str, str]] = None,
                     same_name_district: Optional[Place] = None) -> List[Reply]:
        parts: List[str] = []
        buttons: List[Dict[str, str]] = []
        missing: List[Unit] = []
        hotline = self.hotline(env)
        for unit in units:
            name = self._full_name(unit)
            if unit.phone:
                block = [f"Dạ, thông tin liên hệ {name}:",
                         f"☎️ Điện thoại: {format_phone(unit.phone)}"] + self._details(unit)
                if unit.kind == "province" and hotline and hotline != unit.phone:
                    block.insert(2, f"☎️ Đường dây nóng: {format_phone(hotline)}")
                    buttons.append(call_button(hotline, "Gọi đường dây nóng Công an tỉnh"))
                buttons.append(call_button(unit.phone, f"Gọi {unit.name}"))
            elif unit.kind == "province" and hotline:
                block = [f"Dạ, thông tin liên hệ {name}:",
                         f"☎️ Đường dây nóng: {format_phone(hotline)}"] + self._details(unit)
                buttons.append(call_button(hotline, "Gọi đường dây nóng Công an tỉnh"))
            else:
                missing.append(unit)
                block = [f"Dạ, số điện thoại của {name} hiện chưa có trên trợ lý này."]
                block += self._details(unit)
            parts.append("\n".join(block))
        if same_name_district is not None:
            parts.append(self._district_note(same_name_district))
        first = next((u.emergency_line for u in units if u.emergency_line), "")
        if missing:
            lines, line_buttons = self._lines_block(text, first, env)
            if any(u.kind == "commune" for u in missing):
                lines.append("Anh/chị cũng có thể đến trực tiếp trụ sở Công an xã, phường để được "
                             "hỗ trợ ạ.")
            parts.append("\n".join(lines))
        else:
            ranked = self.national_lines(text, first)[:3]
            parts.append("Khi khẩn cấp, anh/chị gọi ngay " + ", ".join(
                f"{l.number} ({l.name.split(' (')[0]})" for l in ranked) + ".")
            line_buttons = [call_button(l.number) for l in ranked]
        for b in line_buttons:
            if len(buttons) < MAX_BUTTONS and b["payload"] not in {x["payload"] for x in buttons}:
                buttons.append(b)
        return _replies("\n\n".join(parts), buttons)

    def answer_district(self, district: Place, text: str = "",
                        env: Optional[Mapping[str, str]] = None) -> List[Reply]:
        parts = [f"Dạ, từ ngày {DISTRICTS_ABOLISHED} không còn cấp huyện (Công an cấp huyện đã kết "
                 f"thúc hoạt động từ {DISTRICT_POLICE_ENDED}), nên không còn Công an huyện "
                 f"{district.name}. Việc của người dân nay do Công an xã, phường nơi cư trú giải "
                 "quyết; một số thủ tục do Công an tỉnh giải quyết."]
        buttons: List[Dict[str, str]] = []
        covered = [self.by_place[c] for c in self.coverage.get(district.id, ()) if c in self.by_place]
        if covered:
            rows = [f"• {u.name}: " + (format_phone(u.phone) if u.phone else "chưa có số")
                    for u in covered]
            parts.append(f"Địa bàn huyện {district.name} cũ nay thuộc:\n" + "\n".join(rows))
            buttons += [call_button(u.phone, f"Gọi {u.name}") for u in covered if u.phone]
        else:
            same = next((c for c in self.places.communes if fold(c.name) == fold(district.name)),
                        self.places.communes[0])
            parts.append("Anh/chị vui lòng liên hệ Công an xã, phường nơi mình cư trú, hoặc nhắn tên "
                         f"xã, phường (ví dụ: \"công an {same.kind} {same.name}\") để em tra giúp ạ.")
        lines, line_buttons = self._lines_block(text, "", env, "Các số cần thiết:")
        parts.append("\n".join(lines))
        buttons = (buttons + line_buttons)[:MAX_BUTTONS]
        return _replies("\n\n".join(parts), buttons)

    def answer_line(self, line: "Line | SupportLine", text: str = "",
                    env: Optional[Mapping[str, str]] = None) -> List[Reply]:
        if isinstance(line, SupportLine):
            body = f"Dạ, {line.name}: {format_phone(line.number)} ạ."
            lines, buttons = self._lines_block(text, "", env, "Khi khẩn cấp, anh/chị gọi:")
            return _replies(body + "\n\n" + "\n".join(lines),
                            ([call_button(line.number)] + buttons)[:MAX_BUTTONS])
        body = f"Dạ, anh/chị gọi {line.number} — {line.name} ạ."
        lines, buttons = self._lines_block(text, line.number, env, "Các số khác:")
        lines = [l for l in lines if not l.startswith(f"☎️ {line.number}:")]
        return _replies(body + "\n\n" + "\n".join(lines), buttons)

    def answer_ask_commune(self, text: str = "", env: Optional[Mapping[str, str]] = None
                           ) -> List[Reply]:
        example = self.places.communes[0]
        body = ("Dạ, anh/chị cho em biết tên xã, phường (ví dụ: \"công an "
                f"{example.kind} {example.name}\") để em tra giúp thông tin liên hệ ạ.")
        lines, buttons = self._lines_block(text, "", env, "Khi cần gấp, anh/chị có thể gọi:")
        return _replies(body + "\n\n" + "\n".join(lines), buttons)

    def answer(self, text: str, place: Optional[str] = None, oa_id: Optional[str] = None,
               oa_unit: Optional[str] = None, env: Optional[Mapping[str, str]] = None
               ) -> List[Reply]:
        """The reply to a hotline question (``text`` may be "" for a bare button)."""
        found = self.lookup(text, place=place, oa_id=oa_id, oa_unit=oa_unit)
        if found.district is not None:
            return self.answer_district(found.district, text, env)
        if found.line is not None:
            return self.answer_line(found.line, text, env)
        if found.ask_commune:
            return self.answer_ask_commune(text, env)
        return self.answer_units(found.units, text, env, found.same_name_district)


def _replies(text: str, buttons: List[Dict[str, str]]) -> List[Reply]:
    replies = [Reply(t) for t in split_text(text)]
    replies[-1].buttons = buttons
    return replies


def fallback_answer(text: str = "", env: Optional[Mapping[str, str]] = None) -> List[Reply]:
    """When the units file cannot be read: the national lines, and the env hotline if valid."""
    guide = load_emergency()
    env = os.environ if env is None else env
    lines = ["Dạ, danh bạ các đơn vị Công an trong tỉnh đang được cập nhật. Anh/chị có thể gọi:"]
    buttons = []
    raw = (env.get(HOTLINE_ENV) or "").strip()
    if raw and phone_problem(raw) is None:
        lines.append(f"☎️ {format_phone(phone_digits(raw))}: Đường dây nóng Công an tỉnh")
        buttons.append(call_button(raw, "Gọi đường dây nóng Công an tỉnh"))
    ranked = guide.ranked(text) + list(guide.others)
    lines += [f"☎️ {l.number}: {l.name}" for l in ranked]
    buttons += [call_button(l.number) for l in ranked]
    return [Reply("\n".join(lines), buttons[:MAX_BUTTONS])]


_CACHE: Dict[Tuple[str, str, str], Tuple[Tuple, Directory]] = {}


def _stamp(*paths: Path) -> Tuple:
    out = []
    for p in paths:
        try:
            st = p.stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


def load_directory(path: "str | Path" = UNITS_FILE, places_path: "str | Path" = PLACES_FILE,
                   emergency_path: "str | Path" = EMERGENCY_FILE) -> Directory:
    """The directory; raises the first ContentError when the file has errors. Reloaded when the
    units or places file changes, so editors' changes apply without a restart."""
    path, places_path, emergency_path = Path(path), Path(places_path), Path(emergency_path)
    key = (str(path), str(places_path), str(emergency_path))
    stamp = _stamp(path, places_path)
    cached = _CACHE.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    parsed, problems = _parse(path, places_path, emergency_path)
    if problems:
        raise problems[0]
    directory = Directory(parsed, load_places(places_path), load_emergency(emergency_path))
    _CACHE[key] = (stamp, directory)
    return directory


def main(argv: Sequence[str] = ()) -> int:
    path = Path(argv[0]) if argv else UNITS_FILE
    problems = validate_units(path)
    for w in problems.warnings:
        print(f"  ! {w}")
    if problems:
        print(f"Có {len(problems)} lỗi cần sửa:", file=sys.stderr)
        for p in problems:
            print(f"  ✗ {p}", file=sys.stderr)
        return 1
    print(f"✓ Danh bạ hợp lệ ({len(problems.warnings)} lưu ý, phần lớn là đơn vị chưa có số "
          "điện thoại).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
