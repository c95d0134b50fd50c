"""The editors' side of publication masking: placeholders, name titles, the name lexicon and the
places that stay readable (content/masking.yml, content/names.yml, content/places.yml,
content/units.yml). Names and places are kept folded (no diacritics, lower case), so "Nông" and
"Nong" match alike; titles and non-names keep their diacritics ("có" is not the title "cô"), a
word written without any diacritics matches them all the same. Mistakes raise ``ContentError`` naming file, entry and field.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Tuple

from anninh import CONTENT_DIR
from anninh.content import ContentError, load_yaml, require_mapping
from anninh.text import fold

MASKING_FILE = CONTENT_DIR / "masking.yml"
NAMES_FILE = CONTENT_DIR / "names.yml"
PLACES_FILE = CONTENT_DIR / "places.yml"
UNITS_FILE = CONTENT_DIR / "units.yml"

#: Kinds of personal data, each with its placeholder in content/masking.yml.
KINDS = ("name", "address", "phone", "id_number", "account", "plate", "email", "link", "birth_year")


def word_sig(word: str) -> str:
    """A word's letters and marks, whatever the tone placement: "hoà" and "hòa" alike, "nhận"
    unlike "Nhan", "bàn" unlike "bản" ("hoa|\u0300"); a word without marks is just its letters."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    marks = "".join(sorted(c for c in decomposed if unicodedata.combining(c))) + ("đ" if "đ" in word.lower() else "")
    return fold(word) + ("|" + marks if marks else "")


@dataclass(frozen=True)
class MaskingContent:
    placeholders: Dict[str, str]
    #: title phrases as tuples of lower-case syllables ("đối", "tượng")
    titles: FrozenSet[Tuple[str, ...]]
    #: phrases that are not names although capitalised ("chủ", "tịch")
    not_names: FrozenSet[Tuple[str, ...]]
    #: names of content/names.yml, each both folded ("nong") and as ``word_sig`` ("nong|̂")
    surnames: FrozenSet[str]
    middle_names: FrozenSet[str]
    given_names: FrozenSet[str]
    #: folded place and unit names that stay readable, longest first
    keep: Tuple[Tuple[str, ...], ...]
    #: hosts whose links lead to a person (social networks): "facebook.com"
    social_hosts: FrozenSet[str]
    #: digits of the official numbers in content/units.yml (units, support lines): never masked
    public_numbers: FrozenSet[str]


def _words(value: object, path: Path, field: str, *, single: bool = False,
           folded: bool = True) -> List[Tuple[str, ...]]:
    if not isinstance(value, list) or not value:
        raise ContentError(path, "cần một danh sách không rỗng", field=field)
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ContentError(path, "mỗi mục phải là một chữ, không để trống", entry=f"{field}[{i}]", field=field)
        words = tuple((fold(item) if folded else unicodedata.normalize("NFC", item).lower()).split())
        if single and len(words) != 1:
            raise ContentError(path, f"mỗi dòng chỉ một chữ (một âm tiết), không phải '{item}'",
                               entry=f"{field}[{i}]", field=field)
        out.append(words)
    return out


def _placeholders(data: dict, path: Path) -> Dict[str, str]:
    raw = require_mapping(data.get("placeholders"), path, field="placeholders")
    out = {}
    for kind in KINDS:
        value = raw.get(kind)
        if not isinstance(value, str) or not value.strip():
            raise ContentError(path, "cần chữ thay thế (ví dụ \"[họ tên]\")", entry=kind, field="placeholders")
        if any(c.isdigit() for c in value):
            raise ContentError(path, "chữ thay thế không được chứa chữ số", entry=kind, field="placeholders")
        out[kind] = value.strip()
    return out


def _units(path: Path) -> Tuple[List[Tuple[str, ...]], FrozenSet[str]]:
    """Unit names and official phone numbers (digits) of content/units.yml (its own validator
    reports its mistakes)."""
    from anninh.phones import phone_digits
    try:
        data = load_yaml(path)
    except ContentError:
        return [], frozenset()
    data = data if isinstance(data, dict) else {}
    units = [u for u in data.get("units") or [] if isinstance(u, dict)]
    lines = [u for u in data.get("other_lines") or [] if isinstance(u, dict)]
    names = [tuple(fold(u["name"]).split()) for u in units if isinstance(u.get("name"), str)]
    numbers = [u.get("phone") for u in units] + [u.get("number") for u in lines] + [data.get("provincial_hotline")]
    return names, frozenset(phone_digits(n) for n in numbers if isinstance(n, str) and n.strip())


def _name_set(names: dict, path: Path, field: str) -> FrozenSet[str]:
    words = [w[0] for w in _words(names.get(field), path, field, single=True, folded=False)]
    return frozenset([fold(w) for w in words] + [word_sig(w) for w in words])


@lru_cache(maxsize=4)
def load_masking_content(masking_path: "str | Path" = MASKING_FILE, names_path: "str | Path" = NAMES_FILE,
                         places_path: "str | Path" = PLACES_FILE,
                         units_path: "str | Path" = UNITS_FILE) -> MaskingContent:
    from anninh.places import load_places
    masking_path, names_path = Path(masking_path), Path(names_path)
    data = require_mapping(load_yaml(masking_path), masking_path)
    names = require_mapping(load_yaml(names_path), names_path)
    places = load_places(places_path)
    keep = set(_words(data.get("keep_places"), masking_path, "keep_places"))
    keep.update(tuple(fold(p.name).split()) for p in places.communes + places.former_districts)
    if places.province:
        keep.add(tuple(fold(places.province).split()))
    unit_names, public_numbers = _units(Path(units_path))
    keep.update(unit_names)
    hosts = _words(data.get("social_hosts"), masking_path, "social_hosts", single=True, folded=False)
    return MaskingContent(
        placeholders=_placeholders(data, masking_path),
        titles=frozenset(_words(data.get("name_titles"), masking_path, "name_titles", folded=False)),
        not_names=frozenset(_words(data.get("not_names"), masking_path, "not_names", folded=False)),
        surnames=_name_set(names, names_path, "surnames"),
        middle_names=_name_set(names, names_path, "middle_names"),
        given_names=_name_set(names, names_path, "given_names"),
        keep=tuple(sorted(keep, key=len, reverse=True)),
        social_hosts=frozenset(h[0] for h in hosts),
        public_numbers=public_numbers,
    )
