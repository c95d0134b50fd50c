"""A citizen who types the title of a button of the bot's last message gets what pressing it gives.

Zalo users often type "Gửi" or "gui" instead of tapping the button "Gửi". Before the NLU sees such
a message, ``MessageProcessor.parse_message`` (which knows the conversation's tracker) compares the
text with the titles of the buttons the bot sent since the citizen's previous message, ignoring
case, diacritics, spaces and punctuation around the words. On a match the message's text becomes
that button's payload, so the rest of the turn (NLU, the logged ``UserUttered``, slot mappings,
policies, actions) is exactly that of a button press. Everything else is parsed as before.

Installed by ``components.rasa_patches.apply()``; it checks that Rasa's method is still there.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, Iterable, List, Optional, Text

logger = logging.getLogger(__name__)

_PUNCT = re.compile(r"[^\w]+")


def title_key(text: str) -> str:
    """The form in which a typed text and a button title are compared ("Gửi!" -> "gui")."""
    from anninh.text import fold

    return " ".join(_PUNCT.sub(" ", fold(text or "")).split())


def last_buttons(events: Iterable[Any]) -> List[Dict[Text, Any]]:
    """The buttons of the bot messages after the last user message (latest message first)."""
    from rasa.shared.core.events import BotUttered, UserUttered

    found: List[Dict[Text, Any]] = []
    for event in reversed(list(events)):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            found.extend(b for b in (event.data or {}).get("buttons") or [] if isinstance(b, dict))
    return found


def payload_for(text: Optional[str], buttons: List[Dict[Text, Any]]) -> Optional[str]:
    """The payload of the button whose title ``text`` is, if exactly one title matches."""
    if not text or text.lstrip().startswith("/"):
        return None
    key = title_key(text)
    if not key:
        return None
    payloads = {str(b.get("payload")) for b in buttons
                if b.get("payload") and b.get("type") in (None, "postback")  # not a call or a link
                and title_key(str(b.get("title") or "")) == key}
    return payloads.pop() if len(payloads) == 1 else None


def wrap_parse_message(original: Any) -> Any:
    async def parse_message(self: Any, message: Any, tracker: Any = None,
                            only_output_properties: bool = True) -> Dict[Text, Any]:
        if tracker is not None and isinstance(getattr(message, "text", None), str):
            payload = payload_for(message.text, last_buttons(tracker.events))
            if payload is not None:
                message.text = payload  # the logged UserUttered carries what a tap sends
        return await original(self, message, tracker, only_output_properties)

    parse_message.__wrapped__ = original  # type: ignore[attr-defined]
    return parse_message


def apply() -> bool:
    """Install the patch on ``MessageProcessor.parse_message``; False if Rasa changed."""
    import inspect

    from rasa.core.processor import MessageProcessor

    current = getattr(MessageProcessor, "parse_message", None)
    if getattr(current, "__wrapped__", None) is not None:
        return True
    try:
        params = list(inspect.signature(current).parameters)
    except (TypeError, ValueError):  # pragma: no cover
        params = []
    if params[:4] != ["self", "message", "tracker", "only_output_properties"] or \
            not inspect.iscoroutinefunction(current):  # pragma: no cover - only after a Rasa upgrade
        logger.info("typed_buttons: MessageProcessor.parse_message changed in this Rasa version; "
                    "typed button titles are parsed as text")
        return False
    MessageProcessor.parse_message = wrap_parse_message(current)  # type: ignore[assignment]
    return True
