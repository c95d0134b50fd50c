"""The police units reports belong to, as the officers' console sees them.

The list comes from ``content/units.yml`` (the same file the assistant's directory reads; it is
parsed and checked once, by ``anninh.directory``): the provincial police, its departments and
the police of the 56 communes and wards. A report's ``unit`` column holds the unit's *name*
("Công an xã Bảo Lâm"); accounts hold the unit's *id* ("ca_bao_lam"), which never changes.

``parent`` is the unit above: the file's ``parent`` field, else the provincial unit (communes
have no ``parent`` field); None for the province itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

UNIT_KINDS = ("province", "department", "commune")


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    kind: str  # province | department | commune
    parent: Optional[str]


_CACHE: Dict[int, Tuple[List[Unit], Dict[str, Unit], Dict[str, Unit]]] = {}


def _index() -> Tuple[List[Unit], Dict[str, Unit], Dict[str, Unit]]:
    from anninh.directory import load_directory
    directory = load_directory()  # cached there; reloaded when the file changes
    key = id(directory)
    cached = _CACHE.get(key)
    if cached is None:
        province = directory.province.id
        units = [Unit(id=u.id, name=u.name, kind=u.kind,
                      parent=(u.parent or province) if u.id != province else None)
                 for u in directory.units.values()]
        cached = (units, {u.id: u for u in units}, {u.name: u for u in units})
        _CACHE.clear()
        _CACHE[key] = cached
    return cached


def all_units() -> List[Unit]:
    """Every unit, in the file's order (province, departments, communes and wards)."""
    return list(_index()[0])


def unit_by_id(unit_id: Optional[str]) -> Optional[Unit]:
    return _index()[1].get(unit_id or "")


def unit_by_name(name: Optional[str]) -> Optional[Unit]:
    """The unit with exactly this name (spaces squeezed), else None."""
    return _index()[2].get(" ".join((name or "").split()))


def commune_unit(value: Optional[str]) -> Optional[Unit]:
    """The police unit of a commune or ward, given its places.yml id ("bao_lam") or name
    ("Bảo Lâm", accents and case do not matter), or the unit's own id or name; else None."""
    from anninh.directory import load_directory
    from anninh.text import fold
    value = " ".join((value or "").split())
    unit = unit_by_id(value) or unit_by_name(value)
    if unit is not None:
        return unit if unit.kind == "commune" else None
    directory = load_directory()
    key = fold(value)
    for place_id, du in directory.by_place.items():
        place = directory.communes.get(place_id)
        if key and (place_id == value or (place is not None and fold(place.name) == key)):
            return unit_by_id(du.id)
    return None


def province_unit() -> Unit:
    return next(u for u in _index()[0] if u.kind == "province")
