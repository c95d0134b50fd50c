"""Pure functions that shape Rasa responses into Zalo messages: text splitting and button mapping."""
from __future__ import annotations

import json
import re
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

TEXT_LIMIT = 2000
TITLE_LIMIT = 100

_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_LINE = re.compile(r"\n")
_SENTENCE = re.compile(r"([.!?…;](?:[\"'’”»)\]]*))\s")
_SPACE = re.compile(r"\s")


def text_units(text: str) -> int:
    """Length as counted by UTF-16 based clients (an emoji counts twice): never under-counts."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _fit(text: str, limit: int) -> int:
    """Largest n such that text[:n] fits in ``limit`` units."""
    used = 0
    for i, ch in enumerate(text):
        used += 2 if ord(ch) > 0xFFFF else 1
        if used > limit:
            return i
    return len(text)


def _last_cut(pattern: "re.Pattern[str]", window: str, n: int, group_end: bool) -> int:
    cut = 0
    for match in pattern.finditer(window):
        pos = match.end(1) if group_end else match.start()
        if 0 < pos <= n:
            cut = pos
    return cut


def _best_cut(window: str, n: int) -> int:
    tries: Sequence[Tuple["re.Pattern[str]", bool, float]] = (
        (_PARAGRAPH, False, 0.5), (_LINE, False, 0.5), (_SENTENCE, True, 0.3),
        (_PARAGRAPH, False, 0.0), (_LINE, False, 0.0), (_SENTENCE, True, 0.0), (_SPACE, False, 0.0),
    )
    for pattern, group_end, min_share in tries:
        cut = _last_cut(pattern, window, n, group_end)
        if cut and cut >= n * min_share:
            return cut
    return n  # one "word" longer than the limit (a long URL): cut it, nothing else works


def split_text(text: str, limit: int = TEXT_LIMIT) -> List[str]:
    """Split at paragraph, line or sentence boundaries, else between words; never mid-word."""
    rest = (text or "").strip()
    chunks: List[str] = []
    while rest:
        if text_units(rest) <= limit:
            chunks.append(rest)
            break
        n = _fit(rest, limit)
        cut = _best_cut(rest[: n + 1], n)
        chunk, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if chunk:
            chunks.append(chunk)
    return chunks


def truncate_title(title: str, limit: int = TITLE_LIMIT) -> str:
    title = " ".join(str(title).split())
    if len(title) <= limit:
        return title
    cut = title.rfind(" ", 0, limit)
    if cut < limit // 2:
        cut = limit - 1
    return title[:cut].rstrip() + "…"


def _phone(value: str) -> str:
    value = value.strip()
    if value.lower().startswith("tel:"):
        value = value[4:]
    return re.sub(r"[\s.()-]", "", value)


def map_button(button: Dict[str, Any]) -> Dict[str, Any]:
    """A Rasa button → a Zalo button.

    ``/intent{...}`` or any other payload → ``oa.query.show`` (clicking sends the payload back as the
    user's text); ``type: web_url`` / ``url`` / an http(s) payload → ``oa.open.url``; ``type:
    phone_number`` / a ``tel:`` payload → ``oa.open.phone``; a ``type`` starting with ``oa.`` is
    passed through as written.
    """
    title = truncate_title(str(button.get("title") or button.get("payload") or ""))
    kind = str(button.get("type") or "").strip()
    payload = button.get("payload")
    url = button.get("url")
    if kind.startswith("oa."):
        return {"title": title, "type": kind, "payload": payload}
    text_payload = payload if isinstance(payload, str) else None
    if kind == "web_url" or url or (text_payload and re.match(r"https?://", text_payload.strip())):
        return {"title": title, "type": "oa.open.url", "payload": {"url": str(url or text_payload).strip()}}
    if kind in ("phone_number", "phone", "call") or (text_payload and text_payload.strip().lower().startswith("tel:")):
        return {"title": title, "type": "oa.open.phone", "payload": {"phone_code": _phone(str(payload or ""))}}
    if payload is None:
        payload = title
    elif not isinstance(payload, str):
        payload = json.dumps(payload, ensure_ascii=False)
    return {"title": title, "type": "oa.query.show", "payload": payload}


def chunk_buttons(buttons: Sequence[Dict[str, Any]], max_buttons: int) -> List[List[Dict[str, Any]]]:
    """Split into as few groups as the limit allows, of near-equal size (7 with max 5 → 4 + 3)."""
    if not buttons:
        return []
    groups = -(-len(buttons) // max_buttons)
    size, extra = divmod(len(buttons), groups)
    result, start = [], 0
    for i in range(groups):
        end = start + size + (1 if i < extra else 0)
        result.append(list(buttons[start:end]))
        start = end
    return result


def text_message(text: str) -> Dict[str, Any]:
    return {"text": text}


def buttons_message(text: str, buttons: List[Dict[str, Any]]) -> Dict[str, Any]:
    return {"text": text, "attachment": {"type": "template", "payload": {"buttons": buttons}}}


def image_message(url: str, text: Optional[str] = None) -> Dict[str, Any]:
    message: Dict[str, Any] = {"attachment": {"type": "template", "payload": {
        "template_type": "media", "elements": [{"media_type": "image", "url": url}]}}}
    if text:
        message["text"] = text
    return message


def plan_text_with_buttons(text: str, buttons: Sequence[Dict[str, Any]], limit: int, max_buttons: int,
                           more_text: str, mapper: Callable[[Dict[str, Any]], Dict[str, Any]] = map_button
                           ) -> List[Dict[str, Any]]:
    """The messages for a text with buttons: long text is split, the buttons ride on the last text
    part; extra button groups follow in messages of their own, introduced by ``more_text``."""
    zalo_buttons = [mapper(b) for b in buttons]
    parts = split_text(text, limit) or [more_text]
    groups = chunk_buttons(zalo_buttons, max_buttons)
    if not groups:
        return [text_message(p) for p in parts]
    messages = [text_message(p) for p in parts[:-1]]
    messages.append(buttons_message(parts[-1], groups[0]))
    messages += [buttons_message(more_text, g) for g in groups[1:]]
    return messages
