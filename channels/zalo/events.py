"""Webhook JSON → a parsed inbound event, an ``Ignored`` marker, or a ``BadEvent`` error (HTTP 400).

Zalo's shapes vary between API generations, so parsing is defensive: ids and timestamps may be
strings or numbers, coordinates come in several shapes, user info in an old and a new form.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple, Union

ATTACHMENT_EVENTS = {
    "user_send_image": "image",
    "user_send_video": "video",
    "user_send_audio": "audio",
    "user_send_file": "file",
    "user_send_link": "link",
    "user_send_sticker": "sticker",
    "user_send_gif": "gif",
    "user_send_business_card": "business_card",
}
TEXT_EVENT = "user_send_text"
LOCATION_EVENT = "user_send_location"
FOLLOW_EVENT = "follow"
SUBMIT_INFO_EVENT = "user_submit_info"
RECEIPT_EVENTS = {"user_received_message", "user_seen_message"}
QUIET_EVENTS = RECEIPT_EVENTS | {"unfollow"}

# The Rasa message text for events that carry no text of their own.
INTENT_ATTACHMENT = "/send_attachment"
INTENT_LOCATION = "/send_location"
INTENT_FOLLOW = "/greet"
INTENT_SHARE_INFO = "/share_info"

SENDER_SEPARATOR = ":"

# Zalo's longest message is 2000 characters (docs: sending a text); a citizen's text longer than
# twice that is cut before it reaches the NLU, so one huge message costs every other citizen nothing.
MAX_TEXT_CHARS = 4000
MAX_FIELD_CHARS = 2000  # any other string kept from the event (names, URLs, user info)
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_KEY_CHARS = 100  # keys of user info
MAX_INFO_FIELDS = 20  # user info fields kept (Zalo sends about 8)
MAX_ID_CHARS = 128  # ids and timestamps (Zalo's are about 20 digits)
MAX_DEPTH = 32  # Zalo's events nest 4 levels deep
_SURROGATE = re.compile("[\ud800-\udfff]")

logger = logging.getLogger(__name__)


class BadEvent(ValueError):
    """The webhook body is not a usable Zalo event (answered with HTTP 400)."""


@dataclass(frozen=True)
class Ignored:
    event_name: str
    reason: str


@dataclass(frozen=True)
class InboundEvent:
    event_name: str
    oa_id: str
    user_id: str
    text: str
    dedup_key: str
    timestamp: str
    msg_id: Optional[str] = None
    attachments: List[Dict[str, Any]] = field(default_factory=list)
    location: Optional[Dict[str, float]] = None
    user_info: Optional[Dict[str, Any]] = None
    caption: Optional[str] = None

    @property
    def sender_id(self) -> str:
        return make_sender_id(self.oa_id, self.user_id)

    def metadata(self, unit: str) -> Dict[str, Any]:
        return {
            "zalo": {
                "oa_id": self.oa_id,
                "user_id": self.user_id,
                "unit": unit,
                "event_name": self.event_name,
                "msg_id": self.msg_id,
                "timestamp": self.timestamp,
                "attachments": [dict(a) for a in self.attachments],
                "location": dict(self.location) if self.location else None,
                "user_info": dict(self.user_info) if self.user_info else None,
                "caption": self.caption,
            }
        }


ParseResult = Union[InboundEvent, Ignored]


def _reject_constant(name: str) -> Any:
    raise BadEvent(f"the body holds {name}, which is not JSON")


def _check_values(data: Any) -> None:
    """No nesting deeper than MAX_DEPTH, no lone surrogate (``\ud800``) in a key or string:
    those cannot be stored as UTF-8 and would fail later, far from the request."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BadEvent(f"the body nests deeper than {MAX_DEPTH} levels")
        if isinstance(value, dict):
            for key, item in value.items():
                if _SURROGATE.search(key):
                    raise BadEvent("the body holds a lone surrogate (not UTF-8 text)")
                stack.append((item, depth + 1))
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, str) and _SURROGATE.search(value):
            raise BadEvent("the body holds a lone surrogate (not UTF-8 text)")


def decode_body(body: Optional[bytes]) -> Any:
    """The webhook body as JSON, or BadEvent (HTTP 400) for anything else: empty, too big, not
    UTF-8, not JSON, NaN/Infinity, nested too deep, lone surrogates."""
    if not body:
        raise BadEvent("empty body")
    if len(body) > MAX_BODY_BYTES:
        raise BadEvent(f"body over {MAX_BODY_BYTES} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise BadEvent("the body is not UTF-8") from None
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise BadEvent(f"the body nests deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # JSONDecodeError
        raise BadEvent(f"the body is not JSON: {str(exc)[:80]}") from None
    _check_values(data)
    return data


def _clip(text: str, limit: int, what: str) -> str:
    if len(text) <= limit:
        return text
    logger.warning("zalo: %s of %d characters cut to %d", what, len(text), limit)
    return text[:limit]


def make_sender_id(oa_id: str, user_id: str) -> str:
    return f"{oa_id}{SENDER_SEPARATOR}{user_id}"


def split_sender_id(sender_id: str) -> Tuple[str, str]:
    """``"<oa_id>:<user_id>"`` → (oa_id, user_id); ValueError when it is not of that form."""
    oa_id, sep, user_id = str(sender_id).partition(SENDER_SEPARATOR)
    if not sep or not oa_id or not user_id:
        raise ValueError(f"not a Zalo sender id: {sender_id!r}")
    return oa_id, user_id


def _id(value: Any) -> Optional[str]:
    """Ids are strings in Zalo's JSON, but accept numbers; reject anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        text = str(value).strip()
        return text if 0 < len(text) <= MAX_ID_CHARS else None
    return None


def _obj(data: Dict[str, Any], key: str) -> Dict[str, Any]:
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def event_name_of(data: Any) -> str:
    if not isinstance(data, dict):
        raise BadEvent("the body must be a JSON object")
    name = data.get("event_name")
    if not isinstance(name, str) or not name.strip():
        raise BadEvent("missing event_name")
    return name.strip()


def envelope(data: Any) -> Tuple[str, str, str]:
    """(event_name, oa_id, timestamp): what is needed to pick the account and check the signature."""
    name = event_name_of(data)
    if name.startswith("oa_"):  # OA → user echo: the OA is the sender
        candidates = [_obj(data, "sender").get("id"), data.get("oa_id")]
    elif name.startswith("user_"):
        candidates = [_obj(data, "recipient").get("id"), data.get("oa_id")]
    else:
        candidates = [data.get("oa_id"), _obj(data, "recipient").get("id")]
    oa_id = next((i for i in map(_id, candidates) if i), None)
    if oa_id is None:
        raise BadEvent(f"{name}: cannot tell which OA it is for (no recipient.id / oa_id)")
    timestamp = _id(data.get("timestamp"))
    if timestamp is None:
        raise BadEvent(f"{name}: missing timestamp")
    return name, oa_id, timestamp


def _float(value: Any) -> Optional[float]:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # reject NaN


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _opt_str(value: Any) -> Optional[str]:
    if value is None or isinstance(value, (dict, list)):
        return None
    text = _clip(str(value).strip(), MAX_FIELD_CHARS, "a field")
    return text or None


def _attachment(raw: Any, default_type: str) -> Dict[str, Any]:
    if not isinstance(raw, dict):
        raise BadEvent("an attachment must be an object")
    payload = raw.get("payload") if isinstance(raw.get("payload"), dict) else {}
    return {
        "type": _opt_str(raw.get("type")) or default_type,
        "url": _opt_str(payload.get("url")),
        "thumbnail": _opt_str(payload.get("thumbnail")),
        "name": _opt_str(payload.get("name") or payload.get("title") or payload.get("description")),
        "size": _int(payload.get("size")),
    }


def _coordinates(message: Dict[str, Any]) -> Optional[Dict[str, float]]:
    shapes: List[Any] = []
    attachments = message.get("attachments")
    if isinstance(attachments, list):
        for att in attachments:
            if isinstance(att, dict) and isinstance(att.get("payload"), dict):
                payload = att["payload"]
                shapes += [payload.get("coordinates"), payload]
    shapes += [message.get("location"), message.get("coordinates")]
    for shape in shapes:
        if not isinstance(shape, dict):
            continue
        lat = _float(shape.get("latitude", shape.get("lat")))
        lon = _float(shape.get("longitude", shape.get("long", shape.get("lng"))))
        if lat is not None and lon is not None:
            if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
                raise BadEvent("location coordinates out of range")
            return {"latitude": lat, "longitude": lon}
    return None


def _user_message(name: str, data: Dict[str, Any], oa_id: str, timestamp: str) -> InboundEvent:
    user_id = _id(_obj(data, "sender").get("id"))
    if user_id is None:
        raise BadEvent(f"{name}: missing sender.id")
    message = data.get("message")
    if not isinstance(message, dict):
        raise BadEvent(f"{name}: missing message")
    msg_id = _id(message.get("msg_id"))
    if msg_id is None:
        raise BadEvent(f"{name}: missing message.msg_id")
    raw_text = message.get("text")
    if raw_text is not None and not isinstance(raw_text, str):
        raise BadEvent(f"{name}: message.text must be a string")
    if raw_text is not None:
        raw_text = _clip(raw_text, MAX_TEXT_CHARS, f"{name}: message.text")
    caption = raw_text.strip() if raw_text and raw_text.strip() else None
    common = dict(event_name=name, oa_id=oa_id, user_id=user_id, dedup_key=f"msg:{oa_id}:{msg_id}",
                  timestamp=timestamp, msg_id=msg_id)

    if name == TEXT_EVENT:
        if raw_text is None:
            raise BadEvent(f"{name}: missing message.text")
        return InboundEvent(text=raw_text, **common)  # blank text is filtered by the caller
    if name == LOCATION_EVENT:
        location = _coordinates(message)
        if location is None:
            raise BadEvent(f"{name}: no usable coordinates")
        return InboundEvent(text=INTENT_LOCATION, location=location, caption=caption, **common)
    attachments = message.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        raise BadEvent(f"{name}: missing message.attachments")
    parsed = [_attachment(a, ATTACHMENT_EVENTS[name]) for a in attachments]
    return InboundEvent(text=INTENT_ATTACHMENT, attachments=parsed, caption=caption, **common)


def _user_info(data: Dict[str, Any]) -> Dict[str, Any]:
    info = data.get("info")
    if not isinstance(info, dict):
        raise BadEvent("user_submit_info: missing info")
    result: Dict[str, Any] = {}
    for key, value in list(info.items())[:MAX_INFO_FIELDS]:
        key = _clip(str(key), MAX_KEY_CHARS, "a user info key")
        if isinstance(value, dict):
            result[key] = {_clip(str(k), MAX_KEY_CHARS, "a user info key"): _info_value(v)
                           for k, v in list(value.items())[:MAX_INFO_FIELDS] if isinstance(v, (str, int, float))}
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            result[key] = _info_value(value)
    return result


def _info_value(value: Any) -> Any:
    return _clip(value, MAX_FIELD_CHARS, "a user info value") if isinstance(value, str) else value


def parse_event(data: Any) -> ParseResult:
    """Parse a webhook body (already JSON-decoded). Raises BadEvent for unusable input."""
    name, oa_id, timestamp = envelope(data)

    if name in QUIET_EVENTS:
        return Ignored(name, "receipt or unfollow")
    if name.startswith("oa_"):
        return Ignored(name, "echo of the OA's own message")

    if name == TEXT_EVENT or name == LOCATION_EVENT or name in ATTACHMENT_EVENTS:
        event = _user_message(name, data, oa_id, timestamp)
        if name == TEXT_EVENT and not event.text.strip():
            return Ignored(name, "blank text")
        return event

    if name == FOLLOW_EVENT:
        user_id = _id(_obj(data, "follower").get("id")) or _id(_obj(data, "sender").get("id"))
        if user_id is None:
            raise BadEvent("follow: missing follower.id")
        return InboundEvent(event_name=name, oa_id=oa_id, user_id=user_id, text=INTENT_FOLLOW,
                            dedup_key=f"follow:{oa_id}:{user_id}:{timestamp}", timestamp=timestamp)

    if name == SUBMIT_INFO_EVENT:
        user_id = _id(_obj(data, "sender").get("id"))
        if user_id is None:
            raise BadEvent("user_submit_info: missing sender.id")
        msg_id = _id(_obj(data, "message").get("msg_id"))
        return InboundEvent(event_name=name, oa_id=oa_id, user_id=user_id, text=INTENT_SHARE_INFO,
                            dedup_key=f"info:{oa_id}:{user_id}:{msg_id or timestamp}",
                            timestamp=timestamp, msg_id=msg_id, user_info=_user_info(data))

    return Ignored(name, "event not handled by the bot")
