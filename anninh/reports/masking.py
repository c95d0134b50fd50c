"""Masking personal data before a result text is published.

``mask_for_publication(text)`` returns the text a citizen, the public site and the chat may see:
person names, house numbers, alleys, streets and hamlets, phone, ID and account numbers, vehicle
plates, e-mails and birth years are replaced by the readable placeholders of content/masking.yml
("[họ tên]", "[địa chỉ]", ...). Commune and ward names, unit names, the province and the places
listed in content/masking.yml stay readable, and so do dates, money amounts and article numbers.

What finds what (all offline):
- numbers: the phone/ID patterns of ``privacy`` (amounts followed by a currency word are kept),
  plates, e-mails, accounts, passports, frame/engine numbers, "sinh năm 1990";
- addresses: a house, alley, street or hamlet word followed by a number or capitalised words
  ("số 12 ngõ 5", "nhà số 34/2", "ngách 3", "hẻm 7", "tổ 3", "xóm Nà Pầu", "đường Hoàng Đình
  Giong"), and capitalised words after "trú tại / ở / tại" that are followed by a commune;
- names: capitalised words after a title ("ông", "chị", "đối tượng"...), a known surname followed
  by capitalised words, any capitalised word + a middle name + a capitalised word ("Giàng A
  Páo"), surname + middle + given name in lower case without diacritics, initials ("N.V.H"),
  and underthesea's shipped NER model (``masking_ner``).

``mask_publication`` also returns the spans (offsets into the NFC form of the text) so that a
console can highlight what was masked. Masking is idempotent: placeholders are never re-masked.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, List, Optional, Sequence, Tuple

from anninh.reports.masking_content import MaskingContent, load_masking_content
from anninh.reports.privacy import number_spans
from anninh.text import fold, has_diacritics

_fold = lru_cache(maxsize=None)(fold)

_TOKEN_RE = re.compile(r"\d+[A-Za-z]?(?:/\d+[A-Za-z]?)*|[^\W\d_]+(?:['’][^\W\d_]+)*")
_PLACEHOLDER_RE = re.compile(r"\[[^\[\]\d]{1,40}\]")
_MONEY_AFTER = re.compile(r"\s*(?:đồng|đ\b|vnđ|vnd|triệu|nghìn|ngàn|tỷ|usd|nhân dân tệ)", re.I)
_PLATE_RE = re.compile(r"(?<![\w.])\d{2}\s?-?\s?[A-ZĐ]{1,2}\d{0,2}\s?[-.]?\s?(?:\d{3}\.\d{2}|\d{4,5})(?![\w])", re.I)
_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_ACCOUNT_RE = re.compile(r"(?:tài khoản|tai khoan|STK)(?:\s+ngân hàng\s+\w+)?(?:\s+số)?\s*:?\s*(\d[\d .\-]{4,}\d)", re.I)
_PAPER_RE = re.compile(r"(?<!\w)[A-Z]\d{7,8}(?!\w)|(?:(?<=số khung)|(?<=số máy)|(?<=so khung)|(?<=so may))"
                       r"\s*:?\s*[A-Z0-9-]*\d[A-Z0-9-]{4,}", re.I)
_BIRTH_RE = re.compile(r"(?:sinh năm|sinh nam|năm sinh|nam sinh|\bSN)\s*:?\s*(?:19|20)\d{2}(?!\d)", re.I)
_INITIALS_RE = re.compile(r"(?<!\w)(?:[A-ZĐ]\.\s?){2,}[A-ZĐ]?(?!\w)")

_HOUSE = [("số", "nhà"), ("nhà", "số"), ("căn", "hộ")]
_ALLEY = [("ngõ",), ("ngách",), ("hẻm",), ("kiệt",)]
_STREET = [("đường",), ("phố",), ("đại", "lộ")]
_HAMLET = [("xóm",), ("thôn",), ("bản",), ("làng",), ("ấp",), ("khu",), ("khối",), ("tổ", "dân", "phố"),
           ("khu", "phố"), ("tdp",), ("tiểu", "khu")]
_NUMBER_ONLY = [("tổ",), ("đội",)]
_PREP = [("trú", "tại"), ("trú", "ở"), ("cư", "trú", "tại"), ("thường", "trú", "tại"), ("tạm", "trú", "tại"),
         ("ở",), ("tại",), ("địa", "chỉ"), ("quê",), ("quê", "quán"), ("sinh", "sống", "tại"), ("nhà", "ở"),
         ("nơi", "ở")]
_ADMIN = [("xã",), ("phường",), ("thị", "trấn"), ("huyện",), ("tỉnh",), ("thành", "phố"), ("tp",), ("thị", "xã")]
_ADMIN_PREFIX = re.compile(r"^(?:xa|phuong|thi tran|huyen|tinh|thanh pho|tp|thi xa)\s+")
_PRIORITY = {"name": 0, "address": 1}  # every number kind ranks above both


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # one of masking_content.KINDS


@dataclass(frozen=True)
class Masked:
    source: str  # the NFC text the spans point into
    text: str
    spans: Tuple[Span, ...]


@dataclass(frozen=True)
class _Tok:
    start: int
    end: int
    raw: str
    key: str  # folded
    cap: bool
    num: bool


def _tokens(text: str) -> List[_Tok]:
    out = []
    for m in _TOKEN_RE.finditer(text):
        raw = m.group(0)
        num = raw[0].isdigit()
        cap = not num and raw[0].isupper() and (len(raw) == 1 or not raw.isupper())
        out.append(_Tok(m.start(), m.end(), raw, fold(raw).replace("’", "'"), cap, num))
    return out


class _Finder:
    def __init__(self, text: str, content: MaskingContent):
        self.text, self.c = text, content
        self.toks = _tokens(text)
        self.keys = [t.key for t in self.toks]
        self.plain = not has_diacritics(text)
        self.protected = [False] * len(self.toks)
        for i in range(len(self.toks)):
            n = self._phrase_at(i, content.keep, loose=True)
            for k in range(i, i + n):
                self.protected[k] = True

    # -- token helpers ------------------------------------------------------------------------
    def _phrase_at(self, i: int, phrases: Iterable[Tuple[str, ...]], *, loose: bool = False) -> int:
        """Length of the longest phrase starting at token ``i`` (words joined by spaces only).
        Phrases are lower case with diacritics: in a text written with diacritics a token must
        have the same ones ("có" is not "cô", "Bàn" is not "bản", "Thu" is not "Thứ"); in a text
        written without any, only letters count (``loose``: ``phrases`` are folded and diacritics
        never matter)."""
        best = 0
        for p in phrases:
            n = len(p)
            if n <= best or i + n > len(self.toks):
                continue
            if loose:
                if tuple(self.keys[i:i + n]) != p:
                    continue
            elif not all(self.keys[i + k] == _fold(w) and (self.plain or self.toks[i + k].raw.lower() == w)
                         for k, w in enumerate(p)):
                continue
            if self._tight(i, i + n):
                best = n
        return best

    def _tight(self, a: int, b: int) -> bool:
        """Tokens a..b-1 are separated by spaces only."""
        return all(not self.text[self.toks[k].end:self.toks[k + 1].start].strip() for k in range(a, b - 1)) \
            and b <= len(self.toks)

    def _cap_run(self, i: int, limit: int, *, numbers: bool = False, protected_ok: bool = False) -> int:
        """End index of the run of capitalised (or number) tokens starting at ``i``."""
        k = i
        while k < len(self.toks) and k - i < limit and (k == i or self._tight(k - 1, k + 1)):
            t = self.toks[k]
            if not (t.cap or (numbers and t.num)) or (self.protected[k] and not protected_ok):
                break
            if k > i and self._phrase_at(k, _ADMIN):
                break
            if not protected_ok and self._phrase_at(k, self.c.not_names):
                break
            k += 1
        return k

    def _span(self, a: int, b: int, kind: str) -> Span:
        return Span(self.toks[a].start, self.toks[b - 1].end, kind)

    # -- detectors ----------------------------------------------------------------------------
    def names(self) -> List[Span]:
        c, toks, out = self.c, self.toks, []
        i = 0
        while i < len(toks):
            n = self._phrase_at(i, c.titles)
            if n:
                j = i + n
                while j < len(toks) and self._phrase_at(j, c.titles) and not toks[j].cap:
                    j += self._phrase_at(j, c.titles)
                end = self._cap_run(j, 5) if j < len(toks) and self._tight(j - 1, j + 1) else j
                end = max(end, self._lower_name(j))
                if end > j:
                    out.append(self._span(j, end, "name"))
                    i = end
                    continue
            t = toks[i]
            if t.cap and not self.protected[i] and i + 1 < len(toks):
                nxt = toks[i + 1]
                if t.key in c.surnames or (nxt.key in c.middle_names and nxt.cap and i + 2 < len(toks)
                                           and toks[i + 2].cap and self._tight(i, i + 3)):
                    end = self._cap_run(i, 4)
                    if end - i >= 2 and (t.key in c.surnames or end - i >= 3):
                        out.append(self._span(i, end, "name"))
                        i = end
                        continue
            i += 1
        out += [Span(m.start(), m.end(), "name") for m in _INITIALS_RE.finditer(self.text)]
        return out

    def _lower_name(self, i: int) -> int:
        """After a title: surname + middle + given name without diacritics, in any case ("hoang van nam")."""
        k = self.keys
        if i + 2 < len(k) and k[i] in self.c.surnames and k[i + 1] in self.c.middle_names and \
                k[i + 2] in self.c.given_names and self._tight(i, i + 3) and not self.protected[i] and \
                not any(has_diacritics(t.raw) for t in self.toks[i:i + 3]):
            return i + 3
        return i

    def ner_names(self, spans: Sequence[Tuple[int, int]]) -> List[Span]:
        out = []
        for start, end in spans:
            idx = [k for k, t in enumerate(self.toks) if t.start >= start and t.end <= end]
            run = []
            for k in idx:  # the leading run of unprotected capitalised tokens
                if self.protected[k] or not self.toks[k].cap or self._phrase_at(k, self.c.not_names):
                    break
                run.append(k)
            if run:
                out.append(self._span(run[0], run[-1] + 1, "name"))
        return out

    def addresses(self) -> List[Span]:
        toks, out = self.toks, []
        for i in range(len(toks)):
            if self.protected[i]:
                continue
            n = self._phrase_at(i, _HOUSE)
            if n and i + n < len(toks) and toks[i + n].num:
                out.append(self._span(i, i + n + 1, "address"))
                continue
            if toks[i].key == "so" and i + 1 < len(toks) and toks[i + 1].num and i + 2 < len(toks) and \
                    self._phrase_at(i + 2, _ALLEY + _STREET + _HAMLET + _NUMBER_ONLY):
                out.append(self._span(i, i + 2, "address"))
                continue
            n = self._phrase_at(i, _ALLEY + _STREET + _HAMLET)
            if n:
                j = i + n + (1 if i + n < len(toks) and toks[i + n].key == "so" else 0)
                end = self._cap_run(j, 5, numbers=True, protected_ok=True) if j < len(toks) and \
                    self._tight(i, j + 1) else j
                if end > j:
                    out.append(self._span(i, end, "address"))
                continue
            n = self._phrase_at(i, _NUMBER_ONLY)
            if n and i + n < len(toks) and toks[i + n].num and self._tight(i, i + n + 1):
                out.append(self._span(i, i + n + 1, "address"))
                continue
            n = self._phrase_at(i, _PREP)
            if n and i + n < len(toks):
                j = i + n
                end = self._cap_run(j, 5)
                if end > j and not self._phrase_at(j, self.c.titles) and self._commune_follows(end):
                    out.append(self._span(j, end, "address"))
        return out

    def _commune_follows(self, k: int) -> bool:
        """Token k (after a comma or dash) starts a commune-level name: "xã …", "phường …", a kept place."""
        if k >= len(self.toks):
            return False
        gap = self.text[self.toks[k - 1].end:self.toks[k].start]
        return gap.strip() in (",", "-", "–") and (bool(self._phrase_at(k, _ADMIN)) or self.protected[k])

    def known(self, values: Iterable[str], kind: str) -> List[Span]:
        out = []
        for value in values:
            words = tuple(fold(value or "").split())
            if not words or len("".join(words)) < 3 or words in self.c.keep:
                continue
            for i in range(len(self.toks)):
                if tuple(self.keys[i:i + len(words)]) == words:
                    out.append(self._span(i, i + len(words), kind))
        return out


def _number_spans(text: str) -> List[Span]:
    out = [Span(s, e, "phone" if k == "phone" else "id_number") for s, e, k in number_spans(text)
           if not _MONEY_AFTER.match(text, e)]
    out += [Span(m.start(), m.end(), "plate") for m in _PLATE_RE.finditer(text)]
    out += [Span(m.start(), m.end(), "email") for m in _EMAIL_RE.finditer(text)]
    out += [Span(m.start(1), m.end(1), "account") for m in _ACCOUNT_RE.finditer(text)]
    out += [Span(m.start(), m.end(), "id_number") for m in _PAPER_RE.finditer(text)]
    out += [Span(m.start(), m.end(), "birth_year") for m in _BIRTH_RE.finditer(text)]
    return out


def _rank(kind: str) -> int:
    return _PRIORITY.get(kind, 2)


def _merge(text: str, spans: List[Span]) -> List[Span]:
    """Overlapping spans become one (the most specific kind wins); address parts separated only by
    commas or spaces become one address; name parts separated by a space, one name."""
    out: List[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if out:
            last = out[-1]
            gap = text[last.end:s.start] if s.start >= last.end else ""
            joinable = s.kind == last.kind and s.kind in ("address", "name") and \
                re.fullmatch(r"[\s,;\-–]*" if s.kind == "address" else r"\s*", gap)
            if s.start < last.end or joinable:
                kind = last.kind if _rank(last.kind) >= _rank(s.kind) else s.kind
                out[-1] = Span(last.start, max(last.end, s.end), kind)
                continue
        out.append(s)
    return out


def find_sensitive(text: str, *, known_names: Iterable[str] = (), known_places: Iterable[str] = (),
                   content: Optional[MaskingContent] = None, use_ner: bool = True) -> List[Span]:
    """Spans of ``text`` (already NFC) to mask, sorted and non-overlapping."""
    from anninh.reports.masking_ner import person_spans
    content = content or load_masking_content()
    finder = _Finder(text, content)
    spans = _number_spans(text) + finder.addresses() + finder.names()
    spans += finder.known(known_names, "name") + finder.known(_place_parts(known_places, content), "address")
    if use_ner:
        spans += finder.ner_names(person_spans(text))
    fixed = [(m.start(), m.end()) for m in _PLACEHOLDER_RE.finditer(text)]
    spans = [s for s in spans if s.end > s.start and not any(a < s.end and s.start < b for a, b in fixed)]
    return _merge(text, spans)


def _place_parts(places: Iterable[str], content: MaskingContent) -> List[str]:
    """The parts of a citizen's place text below the commune ("xóm Nà Vạ" of "xóm Nà Vạ, xã Hà Quảng")."""
    out = []
    for place in places:
        for part in re.split(r"[,;]", place or ""):
            words = tuple(_ADMIN_PREFIX.sub("", fold(part).strip()).split())
            if words and words not in content.keep:
                out.append(part.strip())
    return out


def mask_publication(text: Optional[str], *, known_names: Iterable[str] = (),
                     known_places: Iterable[str] = (), use_ner: bool = True) -> Masked:
    """The masked text and what was masked. ``known_names`` / ``known_places`` (the sender's name
    and place text) are masked wherever they appear, whatever the rules think of them."""
    source = unicodedata.normalize("NFC", text or "")
    content = load_masking_content()
    spans = find_sensitive(source, known_names=known_names, known_places=known_places,
                           content=content, use_ner=use_ner)
    parts, last = [], 0
    for s in spans:
        parts += [source[last:s.start], content.placeholders[s.kind]]
        last = s.end
    return Masked(source, "".join(parts) + source[last:], tuple(spans))


def mask_for_publication(text: Optional[str], **kwargs) -> str:
    """``text`` as it may be published (see the module docstring)."""
    return mask_publication(text, **kwargs).text
