"""The replies to hotline questions. Every sentence is in ``content/texts.yml`` (section
``directory``); this module only puts them together, within one phone screen where it can."""
from __future__ import annotations

import os
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from anninh.directory.model import (DISTRICT_POLICE_ENDED, DISTRICTS_ABOLISHED, ENV_HOTLINE,
                                    MAX_BUTTONS, SupportLine, Unit)
from anninh.emergency import Line, load_emergency
from anninh.phones import call_button, format_phone, phone_digits, phone_problem
from anninh.places import Place
from anninh.render import Reply, split_text
from anninh.text import fold
from anninh.texts import load_texts


class DirectoryAnswers:
    """The answer methods of ``lookup.Directory`` (which holds the units, places and lines)."""

    def national_lines(self, text: str = "", first: str = "") -> List[Line]:
        """All national lines, the one the message is about (or ``first``) at the top."""
        ranked = self.guide.ranked(text) + list(self.guide.others)
        if first:
            ranked.sort(key=lambda l: l.number != first)
        return ranked

    def _lines_block(self, text: str, first: str, env: Optional[Mapping[str, str]],
                     intro: str = "lines_intro", skip: str = ""
                     ) -> Tuple[List[str], List[Dict[str, str]]]:
        """``intro`` (a ``directory`` text key), the hotline and the national lines (but ``skip``)."""
        t = load_texts()
        lines, buttons = [t.get("directory", intro)], []
        hotline = self.hotline(env)
        if hotline:
            lines.append(t.get("directory", "hotline_line", number=format_phone(hotline),
                               unit=self.province.name))
            buttons.append(call_button(hotline, t.get("directory", "call_hotline")))
        ranked = self.national_lines(text, first)
        lines += [t.get("common", "phone_line", number=l.number, name=l.name)
                  for l in ranked if l.number != skip]
        lines.append(t.get("directory", "free_calls"))
        buttons += [call_button(l.number) for l in ranked]
        return lines, buttons[:MAX_BUTTONS]

    def _full_name(self, unit: Unit) -> str:
        parent = self.units.get(unit.parent)
        return f"{unit.name}, {parent.name}" if parent else unit.name

    @staticmethod
    def _details(unit: Unit) -> List[str]:
        t, out = load_texts(), []
        if unit.address:
            out.append(t.get("directory", "address", address=unit.address))
        if unit.hours:
            out.append(t.get("directory", "hours", hours=unit.hours))
        return out

    def _district_note(self, district: Place) -> str:
        return load_texts().get("directory", "district_note", district=district.name,
                                abolished=DISTRICTS_ABOLISHED)

    def answer_units(self, units: Sequence[Unit], text: str = "",
                     env: Optional[Mapping[str, str]] = None,
                     same_name_district: Optional[Place] = None) -> List[Reply]:
        t = load_texts()
        parts: List[str] = []
        buttons: List[Dict[str, str]] = []
        missing: List[Unit] = []
        hotline = self.hotline(env)
        call_hotline = t.get("directory", "call_hotline")
        for unit in units:
            header = t.get("directory", "unit_header", unit=self._full_name(unit))
            if unit.phone:
                block = [header, t.get("directory", "unit_phone", phone=format_phone(unit.phone))]
                block += self._details(unit)
                if unit.kind == "province" and hotline and hotline != unit.phone:
                    block.insert(2, t.get("directory", "unit_hotline", phone=format_phone(hotline)))
                    buttons.append(call_button(hotline, call_hotline))
                buttons.append(call_button(unit.phone, t.get("directory", "call_unit", unit=unit.name)))
            elif unit.kind == "province" and hotline:
                block = [header, t.get("directory", "unit_hotline", phone=format_phone(hotline))]
                block += self._details(unit)
                buttons.append(call_button(hotline, call_hotline))
            else:
                missing.append(unit)
                block = [t.get("directory", "unit_no_phone", unit=self._full_name(unit))]
                block += self._details(unit)
            parts.append("\n".join(block))
        if same_name_district is not None:
            parts.append(self._district_note(same_name_district))
        first = next((u.emergency_line for u in units if u.emergency_line), "")
        if missing:
            lines, line_buttons = self._lines_block(text, first, env)
            if any(u.kind == "commune" for u in missing):
                lines.append(t.get("directory", "visit_commune"))
            parts.append("\n".join(lines))
        else:
            ranked = self.national_lines(text, first)[:3]
            parts.append(t.get("directory", "emergency_reminder", lines=", ".join(
                t.get("directory", "emergency_reminder_item", number=l.number,
                      name=l.name.split(" (")[0]) for l in ranked)))
            line_buttons = [call_button(l.number) for l in ranked]
        for b in line_buttons:
            if len(buttons) < MAX_BUTTONS and b["payload"] not in {x["payload"] for x in buttons}:
                buttons.append(b)
        return _replies("\n\n".join(parts), buttons)

    def answer_district(self, district: Place, text: str = "",
                        env: Optional[Mapping[str, str]] = None) -> List[Reply]:
        t = load_texts()
        parts = [t.get("directory", "district_abolished", district=district.name,
                       abolished=DISTRICTS_ABOLISHED, police_ended=DISTRICT_POLICE_ENDED)]
        buttons: List[Dict[str, str]] = []
        covered = [self.by_place[c] for c in self.coverage.get(district.id, ()) if c in self.by_place]
        if covered:
            rows = [t.get("directory", "district_row", unit=u.name,
                          phone=format_phone(u.phone) if u.phone else t.get("directory", "no_number"))
                    for u in covered]
            parts.append(t.get("directory", "district_now_in", district=district.name) + "\n"
                         + "\n".join(rows))
            buttons += [call_button(u.phone, t.get("directory", "call_unit", unit=u.name))
                        for u in covered if u.phone]
        else:
            same = next((c for c in self.places.communes if fold(c.name) == fold(district.name)),
                        self.places.communes[0])
            parts.append(t.get("directory", "district_ask_commune", example=f"{same.kind} {same.name}"))
        lines, line_buttons = self._lines_block(text, "", env, "needed_numbers")
        parts.append("\n".join(lines))
        buttons = (buttons + line_buttons)[:MAX_BUTTONS]
        return _replies("\n\n".join(parts), buttons)

    def answer_line(self, line: "Line | SupportLine", text: str = "",
                    env: Optional[Mapping[str, str]] = None) -> List[Reply]:
        t = load_texts()
        if isinstance(line, SupportLine):
            body = t.get("directory", "support_line", name=line.name, number=format_phone(line.number))
            lines, buttons = self._lines_block(text, "", env, "support_intro")
            return _replies(body + "\n\n" + "\n".join(lines),
                            ([call_button(line.number)] + buttons)[:MAX_BUTTONS])
        body = t.get("directory", "national_line", number=line.number, name=line.name)
        lines, buttons = self._lines_block(text, line.number, env, "other_numbers", skip=line.number)
        return _replies(body + "\n\n" + "\n".join(lines), buttons)

    def answer_ask_commune(self, text: str = "", env: Optional[Mapping[str, str]] = None
                           ) -> List[Reply]:
        example = self.places.communes[0]
        body = load_texts().get("directory", "ask_commune", example=f"{example.kind} {example.name}")
        lines, buttons = self._lines_block(text, "", env, "urgent_intro")
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
    t = load_texts()
    guide = load_emergency()
    env = os.environ if env is None else env
    lines = [t.get("directory", "unavailable")]
    buttons = []
    raw = (env.get("PROVINCIAL_HOTLINE") or "").strip()  # ENV_HOTLINE
    if raw and phone_problem(raw) is None:
        lines.append(t.get("directory", "fallback_hotline_line", number=format_phone(phone_digits(raw))))
        buttons.append(call_button(raw, t.get("directory", "call_hotline")))
    ranked = guide.ranked(text) + list(guide.others)
    lines += [t.get("common", "phone_line", number=l.number, name=l.name) for l in ranked]
    buttons += [call_button(l.number) for l in ranked]
    return [Reply("\n".join(lines), buttons[:MAX_BUTTONS])]
