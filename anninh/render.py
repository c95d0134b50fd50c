"""Turn catalogue entries into chat messages that fit a phone.

The first message of every answer fits one phone screen (``anninh.screen``: 12 lines of 38
characters), opens politely, contains the procedure's exact title in its first line, gives the
aspect or fact asked for first, and ends with the legal basis (the law and the decree where both
apply) and the date the facts were checked; the rest is a button away ("Xem đầy đủ", "Tổng quan").
Facts an editor marked unconfirmed carry a mark, per fact. Every sentence comes from
``content/procedure_texts.yml`` (``anninh.answer_texts``). Buttons are Rasa intent payloads
(``/intent{"slot": "value"}``) so any channel can send them back as text.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from anninh.answer_texts import Texts, load_texts
from anninh.catalogue import ASPECT_FIELDS, Catalogue, Family, Procedure
from anninh.facts import Fact
from anninh.screen import clip, fit, screen_lines, SCREEN_LINES

MAX_MESSAGE_CHARS = 2000   # Zalo's limit for one text message
MAX_BUTTONS = 5            # Zalo shows 4-5 buttons well; choices of a procedure are not capped
SUMMARY_LINE_CHARS = 130   # one summary line stays within about three phone lines


@dataclass
class Reply:
    text: str
    buttons: List[Dict[str, str]] = field(default_factory=list)


def payload(intent: str, **entities: str) -> str:
    """A Rasa intent payload: ``/ask_procedure{"procedure":"cu_tru.tam_tru"}``."""
    if not entities:
        return f"/{intent}"
    return f"/{intent}" + json.dumps(entities, ensure_ascii=False, separators=(",", ":"))


def button(title: str, intent: str, **entities: str) -> Dict[str, str]:
    return {"title": title, "payload": payload(intent, **entities)}


def shorten(text: str, limit: int = SUMMARY_LINE_CHARS) -> str:
    """Whole sentences of ``text`` up to ``limit`` characters; cut at a word with "…" if needed."""
    return clip(text, limit)


def _date(day) -> str:
    return day.strftime("%d/%m/%Y")


_AMENDED = re.compile(r"\s*\(.*?\)|,\s*sửa đổi.*$")


def main_basis(proc: Procedure, compact: bool = False) -> str:
    """The main law and the main decree (both where both apply), else the first basis."""
    law = next((b for b in proc.legal_basis if b.startswith("Luật")), None)
    decree = next((b for b in proc.legal_basis if b.startswith("Nghị định")), None)
    picked = [b for b in (law, decree) if b] or [proc.legal_basis[0]]
    if compact:
        picked = [_AMENDED.sub("", b).strip() for b in picked]
    return "; ".join(b.rstrip(".") for b in picked)


_DOCUMENT_NUMBER = re.compile(r"\d+/\d{4}")  # "68/2020/QH14", "154/2024/NĐ-CP"


def basis_line(proc: Procedure, aspect: Optional[str] = None, compact: bool = False,
               texts: Optional[Texts] = None) -> str:
    texts = texts or load_texts()
    basis = main_basis(proc, compact)
    if aspect == "fee" and proc.fee_basis:
        basis = proc.fee_basis if compact else f"{proc.fee_basis}; {basis}"
    if not _DOCUMENT_NUMBER.search(basis):
        # A basis without a document number reads like a placeholder: say it is not confirmed.
        return texts("basis_unknown", date=_date(proc.verified_on))
    return texts("basis", basis=basis.rstrip("."), date=_date(proc.verified_on))


_SENTENCES = re.compile(r"(?<=[.;!?])\s+(?=[A-ZÀ-Ỹ0-9Đ])")


def aspect_items(proc: Procedure, aspect: str, texts: Optional[Texts] = None) -> List[str]:
    """The aspect's facts, one per line: list items as bullets, a text field's sentences; each
    item holding an unconfirmed fact is marked."""
    texts = texts or load_texts()
    name = ASPECT_FIELDS[aspect]
    value = getattr(proc, name)
    items = [f"• {v}" for v in value] if isinstance(value, tuple) else _SENTENCES.split(value)
    fragments = proc.unconfirmed_fragments(name)
    items = [f"{i} {texts('unconfirmed_mark')}" if any(f in i for f in fragments) else i
             for i in items]
    if aspect == "documents" and proc.dvc_code:
        items.append(texts("dvc_code", code=proc.dvc_code))
    if proc.is_unconfirmed(name):
        items.append(texts("unconfirmed_note"))
    return items


def aspect_body(proc: Procedure, aspect: str) -> str:
    return "\n".join(aspect_items(proc, aspect))


def aspect_buttons(proc: Procedure, aspects: Dict, exclude: Sequence[str] = ()
                   ) -> List[Dict[str, str]]:
    return [button(a.label, "ask_procedure", procedure=proc.id, aspect=a.id)
            for a in aspects.values() if a.id not in exclude]


def capped(buttons: List[Dict[str, str]], limit: int = MAX_BUTTONS) -> List[Dict[str, str]]:
    """The first ``limit`` buttons, without repeating a payload."""
    out: List[Dict[str, str]] = []
    for b in buttons:
        if len(out) < limit and all(b["payload"] != o["payload"] for o in out):
            out.append(b)
    return out


def overview_button(proc: Procedure, texts: Optional[Texts] = None) -> Dict[str, str]:
    texts = texts or load_texts()
    return button(texts.button("overview"), "ask_procedure", procedure=proc.id)


def summary(proc: Procedure, aspects: Dict, prefix: Sequence[str] = ()) -> List[Reply]:
    """The overview of a procedure: papers, where, time and fee in brief, within one screen."""
    texts = load_texts()
    lines = [texts("summary_title", title=proc.title), *prefix]
    first = proc.documents[0]
    docs = (texts("summary_documents_one", first=first) if len(proc.documents) == 1 else
            texts("summary_documents_many", first=clip(first, 60), more=len(proc.documents) - 1))
    for aspect_id, text in (("documents", docs), ("where", proc.where),
                            ("time", proc.processing_time), ("fee", proc.fee)):
        a = aspects[aspect_id]
        flag = " ⚠️" if proc.has_unconfirmed(ASPECT_FIELDS[aspect_id]) else ""
        lines.append(f"{a.icon} {a.label}: {clip(text, 90)}{flag}")
    more, warn = texts("summary_more"), texts("unconfirmed_short")
    tail = [more, basis_line(proc, compact=True, texts=texts)]
    if any(proc.has_unconfirmed(f) for f in ASPECT_FIELDS.values()):
        tail.insert(0, warn)  # dropped before the facts when space is short: each keeps its ⚠️
    lines = fit(lines + tail, keep=1 + len(prefix), keep_last=len(tail), droppable=[more, warn])
    return [Reply("\n".join(lines), capped(aspect_buttons(proc, aspects, exclude=["time"])))]


LATER_PAGE_LINES = 16  # messages after the first may run a little past one screen


def _pages(head: List[str], items: List[str], tail: List[str]) -> List[List[str]]:
    """Whole items in messages: the first has ``head`` and fits one screen, the last has ``tail``."""
    pages: List[List[str]] = []
    current = list(head)
    for item in items + tail:
        limit = LATER_PAGE_LINES if pages else SCREEN_LINES
        if current and sum(screen_lines(l) for l in current + [item]) > limit and \
                len(current) > len(head if not pages else []):
            pages.append(current)
            current = []
        current.append(item)
    pages.append(current)
    return pages


def aspect_answer(proc: Procedure, aspect_ids: Sequence[str], aspects: Dict,
                  prefix: Sequence[str] = (), full: bool = False) -> List[Reply]:
    """The aspect asked about first ("lệ phí ..." -> the fee), within one screen; the rest of it
    behind "Xem đầy đủ", the other aspects and the overview as buttons."""
    texts = load_texts()
    aspect = aspect_ids[0]
    a = aspects[aspect]
    title = texts("aspect_title", aspect=a.label.lower(), title=proc.title)
    items = aspect_items(proc, aspect, texts)
    basis = basis_line(proc, aspect, compact=not full, texts=texts)
    others = [overview_button(proc, texts)] + aspect_buttons(proc, aspects, exclude=aspect_ids)
    if full:
        items = items + ([texts("notes_title")] + [f"• {n}" for n in proc.notes]
                         if proc.notes and aspect == "steps" else [])
        pages = _pages([title], items, [basis])
        replies = [Reply("\n".join(p)) for p in pages]
        replies[-1].buttons = capped(others)
        return replies
    head = [title, *prefix]
    shown: List[str] = []
    for i, item in enumerate(items):
        more = len(items) - i - 1
        trial = head + shown + [item] + ([texts("aspect_more", more=more)] if more else []) + [basis]
        if sum(screen_lines(l) for l in trial) > SCREEN_LINES:
            break
        shown.append(item)
    if not shown:  # one long item: shorten it
        shown = [clip(items[0], 200)]
    hidden = len(items) - len(shown)
    lines = head + shown + ([texts("aspect_more", more=hidden)] if hidden else []) + [basis]
    lines = fit(lines, keep=1 + len(prefix), keep_last=1)
    # Other aspects asked in the same message ("cần gì và mất bao lâu"): in brief, if room is left.
    for other in aspect_ids[1:]:
        o = aspects[other]
        value = getattr(proc, ASPECT_FIELDS[other])
        value = "; ".join(value) if isinstance(value, tuple) else value
        brief = f"{o.icon} {o.label}: {clip(value, 90)}"
        if sum(screen_lines(l) for l in lines + [brief]) <= SCREEN_LINES:
            lines.insert(len(lines) - 1, brief)
    buttons = others
    if hidden or shown[-1].endswith("…"):
        buttons = [button(texts.button("full"), "ask_procedure", procedure=proc.id, aspect=aspect,
                          page="full")] + others
    return [Reply("\n".join(lines), capped(buttons))]


def fact_answer(proc: Procedure, fact: Fact, quantities: Dict[str, float], aspects: Dict,
                catalogue: Optional[Catalogue] = None, prefix: Sequence[str] = ()) -> List[Reply]:
    """One fact first (yes/no with its rule, a fine with its decree, ...), the overview a button away."""
    texts = load_texts()
    answer, _ = fact.text_for(quantities)
    # The answer starts on the title's line, so its first sentence holds the yes/no.
    lines = [f'{texts("fact_title", title=proc.title)} {answer}', *prefix]
    if fact.unconfirmed:
        lines.append(texts("fact_unconfirmed"))
    lines.append(texts("basis", basis=fact.basis.rstrip("."), date=_date(fact.verified_on)))
    lines = fit(lines, keep=1, keep_last=1)
    if sum(screen_lines(l) for l in lines) > SCREEN_LINES:  # a very long answer: shorten it
        lines = fit([texts("fact_title", title=proc.title), answer] + lines[1:], keep=1, keep_last=1)
    buttons = [overview_button(proc, texts)]
    if fact.see and catalogue is not None and fact.see in catalogue.procedures:
        buttons.insert(0, button(catalogue.procedures[fact.see].title, "ask_procedure",
                                 procedure=fact.see))
    buttons += aspect_buttons(proc, aspects)
    return [Reply("\n".join(lines), capped(buttons))]


def unknown_answer(proc: Procedure, kind: str, aspects: Dict, prefix: Sequence[str] = ()
                   ) -> List[Reply]:
    """The catalogue lacks the fact: say so, and where to ask."""
    texts = load_texts()
    key = {"fine": "fine_unknown", "deadline": "deadline_unknown"}.get(kind, "fact_unknown")
    lines = fit([texts(key, title=proc.title), *prefix], keep=1 + len(prefix))
    return [Reply("\n".join(lines), capped([overview_button(proc, texts)] + aspect_buttons(proc, aspects)))]


def with_second_topic(replies: List[Reply], catalogue: Catalogue, other: Optional[str] = None,
                      family: Optional[str] = None) -> List[Reply]:
    """Two topics in one message: the first is answered, the other (a procedure, or a family
    named only by its bare name) offered as the first button."""
    texts = load_texts()
    if other:
        title = catalogue.procedures[other].title
        target = button(texts.button("next_topic", title=title), "ask_procedure", procedure=other)
    else:
        title = catalogue.families[family].title
        target = button(texts.button("next_topic", title=title), "browse_procedures", family=family)
    label = target["title"]
    last = replies[-1]
    note = texts("second_topic", other=title, button=label)
    old = last.text.split("\n")
    # the note before the legal basis, which stays last; both are kept whole, and so is the first
    # line that names the topic answered ("Dạ, thủ tục Cấp Giấy chứng nhận đủ điều kiện về an
    # ninh, trật tự:"), so the reply names both topics (an answer of one line has no basis: the
    # note follows it)
    if len(old) == 1:
        last.text = "\n".join(fit(old + [note], keep=1, keep_last=1))
    else:
        last.text = "\n".join(fit(old[:-1] + [note, old[-1]], keep=1 if len(replies) == 1 else 0,
                                   keep_last=2))
    last.buttons = capped([target] + last.buttons)
    return replies


def clarify(catalogue: Catalogue, candidates: Sequence[str], aspect: Optional[str] = None,
            family: Optional[Family] = None, prefix: Sequence[str] = ()) -> Reply:
    texts = load_texts()
    if family is not None and set(candidates) == set(family.procedure_ids):
        text = texts("clarify_family", family=family.title.lower())
    else:
        text = texts("clarify_any")
    text = "\n".join([text, *prefix])
    extra = {"aspect": aspect} if aspect else {}
    buttons = [button(catalogue.procedures[p].title, "ask_procedure", procedure=p, **extra)
               for p in candidates]
    return Reply(text, buttons)


def family_menu(catalogue: Catalogue, text: Optional[str] = None) -> Reply:
    return Reply(text or load_texts()("family_menu"),
                 [button(f.title, "browse_procedures", family=f.id) for f in catalogue.families.values()])


def family_list(catalogue: Catalogue, family: Family) -> Reply:
    return Reply(load_texts()("family_list", family=family.title.lower()),
                 [button(p.title, "ask_procedure", procedure=p.id)
                  for p in catalogue.in_family(family.id)])


def split_text(text: str, limit: int = MAX_MESSAGE_CHARS) -> List[str]:
    """Split at paragraph, then line, then sentence, then word boundaries; never mid-word."""
    if len(text) <= limit:
        return [text]
    for sep in ("\n\n", "\n", ". ", " "):
        pieces = text.split(sep)
        if len(pieces) == 1:
            continue
        out: List[str] = []
        current = ""
        for piece in pieces:
            candidate = f"{current}{sep}{piece}" if current else piece
            if len(candidate) <= limit:
                current = candidate
                continue
            if current:
                out.append(current)
            current = piece
        out.append(current)
        if all(len(p) <= limit for p in out):
            return [p.strip() for p in out if p.strip()]
        # some piece is still too long: split it further
        return [q for p in out for q in split_text(p.strip(), limit) if q]
    return [text[i:i + limit] for i in range(0, len(text), limit)]
