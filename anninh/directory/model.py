"""The units directory's data: units, support lines, what a parse found, and the problems list."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Iterable, List, Tuple

from anninh import CONTENT_DIR
from anninh.content import ContentError

UNITS_FILE = CONTENT_DIR / "units.yml"
ENV_HOTLINE = "PROVINCIAL_HOTLINE"
KINDS = ("province", "department", "commune")
MAX_BUTTONS = 4
MAX_UNITS_PER_ANSWER = 3
DISTRICTS_ABOLISHED = "1/7/2025"
DISTRICT_POLICE_ENDED = "1/3/2025"


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


@dataclass
class _Parsed:
    units: List[Unit]
    provincial_hotline: str
    national_aliases: Dict[str, Tuple[str, ...]]
    other_lines: List[SupportLine]
    coverage: Dict[str, Tuple[str, ...]]
    # How citizens ask for "their" commune police without naming it (``commune_police_aliases``).
    commune_aliases: Tuple[str, ...] = ()

