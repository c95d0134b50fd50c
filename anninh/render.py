"""Turn catalogue entries into chat messages: short enough for a phone, at most 2000 characters.

Every procedure answer's first line contains the entry's exact title; every answer ends with its
legal basis and the date the facts were checked. Facts an editor marked ``unconfirmed`` carry a
warning. Buttons are Rasa intent payloads (``/intent{"slot": "value"}``) so any channel can send
them back as text.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

from anninh.catalogue import ASPECT_FIELDS, Catalogue, Family, Procedure
from anninh.resolver import Aspect

MAX_MESSAGE_CHARS = 2000   # Zalo's limit for one text message
SUMMARY_LINE_CHARS = 130   # one summary line stays within about three phone lines
UNCONFIRMED_NOTE = ("⚠️ Thông tin này chưa được xác nhận chính thức; anh/chị vui lòng kiểm tra lại "
                    "tại cơ quan Công an hoặc Cổng Dịch vụ công trước khi làm.")


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


_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+")


def shorten(text: str, limit: int = SUMMARY_LINE_CHARS) -> str:
    """Whole sentences of ``text`` up to ``limit`` characters; cut at a word with "…" if needed."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    out = ""
    for sentence in _SENTENCE_END.split(text):
        if len(out) + len(sentence) + 1 > limit:
            break
        out = f"{out} {sentence}".strip()
    if out:
        return out
    cut = text[:limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _date(proc: Procedure) -> str:
    return proc.verified_on.strftime("%d/%m/%Y")


def basis_line(proc: Procedure, aspect: Optional[str] = None, limit: Optional[int] = None) -> str:
    basis = proc.fee_basis if aspect == "fee" and proc.fee_basis else proc.legal_basis[0]
    if limit:
        basis = shorten(basis, limit)
    return f"Căn cứ: {basis.rstrip('.')}. Thông tin kiểm tra ngày {_date(proc)}."


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"• {item}" for item in items)


def aspect_body(proc: Procedure, aspect: str) -> str:
    value = getattr(proc, ASPECT_FIELDS[aspect])
    body = _bullets(value) if isinstance(value, tuple) else value
    if aspect == "documents" and proc.dvc_code:
        body += f"\n(Mã thủ tục trên Cổng Dịch vụ công: {proc.dvc_code})"
    if proc.is_unconfirmed(ASPECT_FIELDS[aspect]):
        body += "\n" + UNCONFIRMED_NOTE
    return body


def aspect_buttons(proc: Procedure, aspects: Dict[str, Aspect], exclude: Sequence[str] = ()
                   ) -> List[Dict[str, str]]:
    return [button(a.label, "ask_procedure", procedure=proc.id, aspect=a.id)
            for a in aspects.values() if a.id not in exclude]


def summary(proc: Procedure, aspects: Dict[str, Aspect]) -> List[Reply]:
    """The first answer about a procedure: title, then papers, where, time and fee in brief."""
    lines = [f"Dạ, thủ tục {proc.title}:"]
    docs = proc.documents[0] if len(proc.documents) == 1 else (
        f"{shorten(proc.documents[0], 120)} (và {len(proc.documents) - 1} giấy tờ khác)")
    for aspect_id, text in (("documents", docs), ("where", proc.where),
                            ("time", proc.processing_time), ("fee", proc.fee)):
        a = aspects[aspect_id]
        flag = " ⚠️" if proc.is_unconfirmed(ASPECT_FIELDS[aspect_id]) else ""
        lines.append(f"{a.icon} {a.label}: {shorten(text)}{flag}")
    if any(proc.is_unconfirmed(f) for f in ASPECT_FIELDS.values()):
        lines.append("⚠️ Có thông tin chưa được xác nhận chính thức, anh/chị nên hỏi lại cơ quan "
                     "tiếp nhận.")
    lines.append(basis_line(proc, limit=SUMMARY_LINE_CHARS))
    lines.append("Anh/chị bấm nút bên dưới để xem chi tiết ạ.")
    return [Reply("\n".join(lines), aspect_buttons(proc, aspects))]


def aspect_answer(proc: Procedure, aspect_ids: Sequence[str], aspects: Dict[str, Aspect]
                  ) -> List[Reply]:
    """Answer the aspects asked about first ("lệ phí ..." -> the fee), then offer the rest."""
    parts = []
    for aspect_id in aspect_ids:
        a = aspects[aspect_id]
        parts.append(f"{a.icon} {a.label} — {proc.title}:\n{aspect_body(proc, aspect_id)}")
    if "steps" in aspect_ids and proc.notes:
        parts.append("Lưu ý:\n" + _bullets(proc.notes))
    basis_aspect = aspect_ids[0] if len(aspect_ids) == 1 else None
    parts.append(basis_line(proc, basis_aspect))
    texts = split_text("\n\n".join(parts))
    replies = [Reply(t) for t in texts]
    replies[-1].buttons = aspect_buttons(proc, aspects, exclude=aspect_ids)
    return replies


def clarify(catalogue: Catalogue, candidates: Sequence[str], aspect: Optional[str] = None,
            family: Optional[Family] = None) -> Reply:
    if family is not None and set(candidates) == set(family.procedure_ids):
        text = f"Dạ, về {family.title.lower()}, anh/chị muốn hỏi thủ tục nào ạ?"
    else:
        text = "Dạ, anh/chị muốn hỏi thủ tục nào ạ?"
    extra = {"aspect": aspect} if aspect else {}
    buttons = [button(catalogue.procedures[p].title, "ask_procedure", procedure=p, **extra)
               for p in candidates]
    return Reply(text, buttons)


def family_menu(catalogue: Catalogue, text: str = "Dạ, anh/chị chọn nhóm thủ tục cần tìm hiểu ạ:"
                ) -> Reply:
    return Reply(text, [button(f.title, "browse_procedures", family=f.id)
                        for f in catalogue.families.values()])


def family_list(catalogue: Catalogue, family: Family) -> Reply:
    return Reply(f"Dạ, các thủ tục về {family.title.lower()}:",
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
