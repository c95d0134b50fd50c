"""Sentences of procedure answers, from ``content/procedure_texts.yml`` (editors own them).

Every key the code uses is listed in ``REQUIRED`` with the ``{names}`` it fills in; ``load_texts``
checks that each is present and uses only those names, so an editor's typo gives an error naming
file, entry and field instead of a crash in the middle of a conversation.
"""
from __future__ import annotations

import string
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List

from anninh import CONTENT_DIR
from anninh.content import ContentError, load_yaml, require_mapping

TEXTS_FILE = CONTENT_DIR / "procedure_texts.yml"

REQUIRED: Dict[str, Dict[str, FrozenSet[str]]] = {
    "texts": {
        "summary_title": frozenset({"title"}),
        "summary_documents_one": frozenset({"first"}),
        "summary_documents_many": frozenset({"first", "more"}),
        "summary_more": frozenset(),
        "unconfirmed_short": frozenset(),
        "unconfirmed_mark": frozenset(),
        "unconfirmed_note": frozenset(),
        "basis": frozenset({"basis", "date"}),
        "basis_unknown": frozenset({"date"}),
        "aspect_title": frozenset({"aspect", "title"}),
        "aspect_more": frozenset({"more"}),
        "aspect_continued": frozenset({"aspect", "title"}),
        "dvc_code": frozenset({"code"}),
        "notes_title": frozenset(),
        "fact_title": frozenset({"title"}),
        "fact_unconfirmed": frozenset(),
        "fine_unknown": frozenset({"title"}),
        "fact_unknown": frozenset({"title"}),
        "deadline_unknown": frozenset({"title"}),
        "family_unknown": frozenset({"family"}),
        "old_district": frozenset(),
        "second_topic": frozenset({"other", "button"}),
        "clarify_family": frozenset({"family"}),
        "clarify_any": frozenset(),
        "family_menu": frozenset(),
        "family_list": frozenset({"family"}),
        "no_procedure": frozenset(),
        "first_miss": frozenset(),
        "second_miss": frozenset(),
    },
    "buttons": {
        "full": frozenset(),
        "overview": frozenset(),
        "next_topic": frozenset({"title"}),
    },
}
# Yes/no answers the catalogue's fields settle (anninh.verdict).
REQUIRED["texts"].update({
    "verdict_fee_no": frozenset({"title"}),
    "verdict_fee_yes": frozenset({"title"}),
    "verdict_online_yes": frozenset({"title"}),
    "verdict_old_district": frozenset(),
    "situation_note": frozenset({"fact"}),
})


class Texts:
    def __init__(self, sections: Dict[str, Dict[str, str]]):
        self._sections = sections

    def __call__(self, key: str, **values: object) -> str:
        return self._sections["texts"][key].format(**values)

    def button(self, key: str, **values: object) -> str:
        return self._sections["buttons"][key].format(**values)


def _names(template: str) -> "set[str] | None":
    try:
        return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError:
        return None


def check_texts(path: "str | Path" = TEXTS_FILE) -> List[ContentError]:
    path = Path(path)
    try:
        data = require_mapping(load_yaml(path), path)
    except ContentError as exc:
        return [exc]
    problems: List[ContentError] = []
    for section, keys in REQUIRED.items():
        raw = data.get(section)
        if not isinstance(raw, dict):
            problems.append(ContentError(path, "thiếu phần này", field=section))
            continue
        for key, allowed in keys.items():
            value = raw.get(key)
            if not isinstance(value, str) or not value.strip():
                problems.append(ContentError(path, "thiếu câu (không được để trống)", entry=section,
                                             field=key))
                continue
            names = _names(value)
            if names is None:
                problems.append(ContentError(path, "ngoặc nhọn { } không khớp", entry=section, field=key))
            elif names - allowed:
                hint = ", ".join("{" + n + "}" for n in sorted(allowed)) or "không có chỗ nào"
                problems.append(ContentError(
                    path, f"chỗ điền không đúng: {', '.join('{' + n + '}' for n in sorted(names - allowed))}"
                          f" (được dùng: {hint})", entry=section, field=key))
    return problems


@lru_cache(maxsize=2)
def load_texts(path: "str | Path" = TEXTS_FILE) -> Texts:
    path = Path(path)
    problems = check_texts(path)
    if problems:
        raise problems[0]
    data = load_yaml(path)
    return Texts({section: {k: " ".join(str(v).split()) for k, v in data[section].items()}
                  for section in REQUIRED})
