"""What a hotline question is about (units, a former district, a national or support line), and
loading the directory (re-read when its files change)."""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

from anninh.content import file_stamp
from anninh.directory.answers import DirectoryAnswers
from anninh.directory.model import ENV_HOTLINE, MAX_UNITS_PER_ANSWER, UNITS_FILE, SupportLine, Unit, _Parsed
from anninh.directory.validation import _parse
from anninh.emergency import EMERGENCY_FILE, EmergencyGuide, Line, load_emergency
from anninh.lexicon import load_lexicon
from anninh.phones import phone_digits, phone_problem
from anninh.phrases import PhraseIndex
from anninh.place_matcher import PlaceMatcher
from anninh.places import PLACES_FILE, Place, Places, load_places
from anninh.text import fold, normalize

logger = logging.getLogger(__name__)


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


class Directory(DirectoryAnswers):
    def __init__(self, parsed: _Parsed, places: Places, guide: EmergencyGuide):
        self.units: Dict[str, Unit] = {u.id: u for u in parsed.units}
        self.file_hotline = parsed.provincial_hotline
        self.national_aliases = parsed.national_aliases
        self.other_lines = parsed.other_lines
        self.coverage = parsed.coverage
        self.commune_aliases = parsed.commune_aliases
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
        for w in self.commune_aliases:
            yield "g:", w

    # -- lookups --

    def hotline(self, env: Optional[Mapping[str, str]] = None) -> str:
        """Digits of the provincial hotline: env PROVINCIAL_HOTLINE, else the file; "" if none."""
        env = os.environ if env is None else env
        raw = (env.get("PROVINCIAL_HOTLINE") or "").strip()  # ENV_HOTLINE
        if raw:
            problem = phone_problem(raw)
            if problem is None:
                return phone_digits(raw)
            logger.warning("%s ignored: %s", ENV_HOTLINE, problem)
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



_CACHE: Dict[Tuple[str, str, str], Tuple[Tuple, Directory]] = {}


def load_directory(path: "str | Path" = UNITS_FILE, places_path: "str | Path" = PLACES_FILE,
                   emergency_path: "str | Path" = EMERGENCY_FILE) -> Directory:
    """The directory; raises the first ContentError when the file has errors. Reloaded when the
    units or places file changes, so editors' changes apply without a restart."""
    path, places_path, emergency_path = Path(path), Path(places_path), Path(emergency_path)
    key = (str(path), str(places_path), str(emergency_path))
    stamp = file_stamp(path, places_path)
    cached = _CACHE.get(key)
    if cached and cached[0] == stamp:
        return cached[1]
    parsed, problems = _parse(path, places_path, emergency_path)
    if problems:
        raise problems[0]
    directory = Directory(parsed, load_places(places_path), load_emergency(emergency_path))
    _CACHE[key] = (stamp, directory)
    return directory
