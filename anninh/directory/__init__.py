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

Modules: ``model`` (units, lines, the problems list), ``validation`` (reading and checking the file),
``lookup`` (what a question is about, ``load_directory``), ``answers`` (the replies, texts from
``content/texts.yml``), ``__main__`` (the editors' CLI). Phone numbers are ``anninh.phones`` and
place matching ``anninh.place_matcher``, shared with other features.
"""
from __future__ import annotations

from anninh.content import ContentError
from anninh.directory.answers import fallback_answer
from anninh.directory.lookup import Directory, Lookup, load_directory
from anninh.directory.model import (DISTRICT_POLICE_ENDED, DISTRICTS_ABOLISHED, ENV_HOTLINE, KINDS,
                                    MAX_BUTTONS, MAX_UNITS_PER_ANSWER, UNITS_FILE, Problems,
                                    SupportLine, Unit)
from anninh.directory.validation import validate_units
from anninh.phones import PHONE_FORMAT_HELP, call_button, format_phone, phone_digits, phone_problem
from anninh.place_matcher import PlaceMatcher, place_matcher

__all__ = ["ContentError", "fallback_answer", "Directory", "Lookup", "load_directory",
           "DISTRICT_POLICE_ENDED", "DISTRICTS_ABOLISHED", "ENV_HOTLINE", "KINDS", "MAX_BUTTONS",
           "MAX_UNITS_PER_ANSWER", "UNITS_FILE", "Problems", "SupportLine", "Unit",
           "validate_units", "PHONE_FORMAT_HELP", "call_button", "format_phone", "phone_digits",
           "phone_problem", "PlaceMatcher", "place_matcher"]
