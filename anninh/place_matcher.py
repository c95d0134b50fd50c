"""Communes/wards and former districts named in a message, shared by the directory, the patrol
schedules and any feature that needs the place a citizen names."""
from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from anninh.phrases import Match, PhraseIndex
from anninh.places import PLACES_FILE, Place, Places, load_places
from anninh.text import Abbreviations, fold, syllables


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

