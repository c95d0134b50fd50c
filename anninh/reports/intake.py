"""Reading what citizens type into the report form (tố giác, tin báo, phản ánh, kiến nghị).

Word lists live in ``content/report_form.yml`` (editors extend them without retraining). Every
comparison is accent- and case-insensitive (``anninh.text.fold``): "Tố giác", "to giac" and
"TỐ GIÁC" are the same words.

- ``kind_of(text)``: the kind named in a message ("em muốn tố giác…" -> "to_giac"), or None.
- ``is_anonymous(text)`` / ``declines(text)`` / ``accepts(text)``: answers to the contact question.
- ``parse_contact(text)``: a name and a phone number, or None when the text is neither.
- ``confirms(text)``, ``no_more_files(text)``, ``is_cancel(text)``: short whole-message answers.
- ``happening_now(text)``: "đang", "vừa", "cứu với" (with an emergency keyword: danger now).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Dict, FrozenSet, List, Optional, Tuple

from anninh import CONTENT_DIR
from anninh.content import ContentError, load_yaml, require_mapping, template
from anninh.text import fold, normalize

FORM_FILE = CONTENT_DIR / "report_form.yml"
KINDS = ("to_giac", "tin_bao", "phan_anh", "kien_nghi")
# What the form says (``messages`` of the file): key -> the placeholders it may use.
MESSAGES: Dict[str, FrozenSet[str]] = {key: frozenset(names.split()) for key, names in {
    "kind_unclear": "", "contact_unclear": "", "contact_details": "", "confirm_unclear": "",
    "commune_found": "commune", "location_place": "lat lon",
    "summary_head": "kind", "summary_description": "description", "summary_place": "place",
    "summary_time": "time", "summary_attachments": "count", "summary_sender": "sender",
    "anonymous_sender": "", "summary_footer": "",
    "button_send": "", "button_cancel": "", "button_done": "", "button_none": "",
    "correct_description": "", "correct_place": "", "correct_time": "", "correct_contact": "",
    "which_part": "", "evidence_received": "count", "evidence_ask": "",
    "share_contact_title": "", "share_contact_subtitle": "", "share_contact_hint": "",
    "not_submitted": "problem", "no_reports": "", "published_recently": "",
    "published_item": "kind unit month summary",
}.items()}
PHONE_RE = re.compile(r"(?<!\d)(?:\+?84|0)(?:[\s.-]?\d){9,10}(?!\d)")  # mobiles and landlines
_WORD = re.compile(r"\w+")
MAX_NAME_WORDS = 6


def words(text: str) -> List[str]:
    """The folded words of ``text``, teencode expanded ("Gửi đi ạ!" -> ["gui", "di", "a"],
    "ko" -> ["khong"])."""
    from anninh.lexicon import load_lexicon

    return normalize(text or "", load_lexicon().abbreviations)


Phrase = Tuple[str, ...]


@dataclass(frozen=True)
class FormWords:
    kind_words: Tuple[Tuple[Phrase, str], ...]
    sets: Dict[str, FrozenSet[Phrase]]
    particles: FrozenSet[str]
    name_prefixes: Tuple[Phrase, ...]
    messages: Dict[str, str]

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _find(tokens: List[str], phrase: Phrase) -> int:
        n = len(phrase)
        for i in range(len(tokens) - n + 1):
            if tuple(tokens[i:i + n]) == phrase:
                return i
        return -1

    def contains(self, text: str, name: str) -> bool:
        tokens = words(text)
        return any(self._find(tokens, p) >= 0 for p in self.sets[name])

    def whole(self, text: str, name: str) -> bool:
        """True when the message is made only of phrases of list ``name`` (and polite particles)."""
        phrases = self.sets[name]
        tokens = words(text)
        longest = max((len(p) for p in phrases), default=0)

        def covers(i: int, used: bool) -> bool:
            if i == len(tokens):
                return used  # particles alone ("ạ") are no answer
            for n in range(min(longest, len(tokens) - i), 0, -1):
                if tuple(tokens[i:i + n]) in phrases and covers(i + n, True):
                    return True
            return tokens[i] in self.particles and covers(i + 1, used)

        return covers(0, False)

    # ------------------------------------------------------------------ answers
    def kind_of(self, text: str) -> Optional[str]:
        """The kind whose word comes first in ``text``, or None."""
        tokens = words(text)
        found = [(pos, kind) for phrase, kind in self.kind_words
                 for pos in [self._find(tokens, phrase)] if pos >= 0]
        return min(found)[1] if found else None

    def is_anonymous(self, text: str) -> bool:
        return self.contains(text, "anonymous")

    def declines(self, text: str) -> bool:
        return self.whole(text, "decline")

    def accepts(self, text: str) -> bool:
        return self.whole(text, "accept")

    def confirms(self, text: str) -> bool:
        return self.whole(text, "confirm")

    def no_more_files(self, text: str) -> bool:
        return self.whole(text, "no_more_files")

    def is_cancel(self, text: str) -> bool:
        return self.whole(text, "cancel")

    def happening_now(self, text: str) -> bool:
        """Whether the text says it is happening now ("đang", "vừa", "cứu với")."""
        return self.contains(text, "happening_now")

    def parse_contact(self, text: str) -> Optional[Dict[str, Optional[str]]]:
        """``{"name", "phone"}`` from "Nguyễn Văn An 0912 345 678", or None when it is not a contact.

        A name alone counts when it looks like one: 2 to 6 words of letters, each capitalised, or
        introduced by a prefix such as "tên tôi là". With a phone number, any 1 to 6 words of
        letters around it are the name.
        """
        text = " ".join((text or "").split())
        match = PHONE_RE.search(text)
        phone = re.sub(r"\D", "", match.group()) if match else None
        if phone and phone.startswith("84"):
            phone = "0" + phone[2:]
        rest = PHONE_RE.sub(" ", text) if match else text
        raw = re.findall(r"[^\W\d_]+|\d+", rest)
        prefixed = False
        tokens = [fold(w) for w in raw]
        changed = True
        while changed:  # drop prefixes ("tên", "sđt") and particles wherever they stand
            changed = False
            for prefix in self.name_prefixes:
                at = self._find(tokens, prefix)
                if at >= 0:
                    del tokens[at:at + len(prefix)], raw[at:at + len(prefix)]
                    prefixed = changed = True
                    break
        while raw and tokens[-1] in self.particles:
            raw, tokens = raw[:-1], tokens[:-1]
        while raw and tokens[0] in self.particles and not raw[0][:1].isupper():
            raw, tokens = raw[1:], tokens[1:]
        if len(raw) > MAX_NAME_WORDS or any(not w.isalpha() for w in raw):
            return None
        looks_like_name = len(raw) >= 2 and all(w[:1].isupper() for w in raw)
        if raw and not (phone or prefixed or looks_like_name):
            return None
        if not raw and not phone:
            return None
        name = " ".join(w[:1].upper() + w[1:] for w in raw) or None
        return {"name": name, "phone": phone}

    def message(self, key: str, **values: object) -> str:
        return self.messages[key].format(**values)


def _folded(text: str) -> List[str]:
    return _WORD.findall(fold(text))


def _phrases(value, path: Path, field: str, split=words) -> List[Phrase]:
    if not isinstance(value, list) or not value:
        raise ContentError(path, "cần một danh sách cụm từ", field=field)
    out = []
    for i, item in enumerate(value):
        tokens = tuple(split(str(item))) if isinstance(item, (str, int)) else ()
        if not tokens:
            raise ContentError(path, "cụm từ trống hoặc không phải chữ", entry=f"{field}[{i}]")
        out.append(tokens)
    return out


@lru_cache(maxsize=4)
def load_form_words(path: "str | Path" = FORM_FILE) -> FormWords:
    path = Path(path)
    data = require_mapping(load_yaml(path), path)
    kinds = require_mapping(data.get("kind_words"), path, entry="kind_words")
    kind_words = []
    for kind in KINDS:
        kind_words += [(p, kind) for p in _phrases(kinds.get(kind), path, f"kind_words.{kind}")]
    unknown = set(kinds) - set(KINDS)
    if unknown:
        raise ContentError(path, f"loại không có: {', '.join(sorted(unknown))} (chỉ {', '.join(KINDS)})",
                           entry="kind_words")
    sets = {name: frozenset(_phrases(data.get(name), path, name))
            for name in ("anonymous", "decline", "accept", "confirm", "no_more_files", "cancel",
                         "happening_now")}
    particles = frozenset(p[0] for p in _phrases(data.get("particles"), path, "particles") if len(p) == 1)
    prefixes = tuple(sorted(_phrases(data.get("name_prefixes"), path, "name_prefixes", _folded), key=len, reverse=True))
    messages = require_mapping(data.get("messages"), path, entry="messages")
    texts = {key: template(messages.get(key), path, "messages", key, allowed)
             for key, allowed in MESSAGES.items()}
    return FormWords(tuple(kind_words), sets, particles, prefixes, texts)
