"""Zalo's free reply window: may the OA still answer this citizen, and how?

Zalo's published rules disagree: a consultation message that quotes the citizen's message
(``recipient.message_id``) is free for 48 hours and 8 messages after the citizen's last
message; elsewhere, consultation messages are allowed while the citizen interacted within the
last 7 days. Both limits are therefore settings (defaults: the stricter rule):

* ``REPORTS_REPLY_WINDOW_HOURS`` (48): hours after the citizen's last message;
* ``REPORTS_REPLY_WINDOW_MESSAGES`` (8): OA messages after the citizen's last message (the
  assistant's replies, counted as the bot messages in the tracker store, and earlier
  notifications count); 0 = no message limit.

Inside the window the notification replies to the citizen's last ``message_id``; outside it the
notification is not sent and the audit trail says "not delivered: outside the reply window".
"""
from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Mapping, Optional

ENV_HOURS = "REPORTS_REPLY_WINDOW_HOURS"
ENV_MESSAGES = "REPORTS_REPLY_WINDOW_MESSAGES"
DEFAULT_HOURS = 48.0
DEFAULT_MESSAGES = 8
OUTSIDE = "not delivered: outside the reply window"


@dataclass(frozen=True)
class LastInbound:
    """The citizen's last message to the OA, and how many OA messages followed it."""
    msg_id: Optional[str]
    at: float  # Unix time (seconds)
    oa_messages_since: int = 0


@dataclass(frozen=True)
class ReplyWindow:
    hours: float = DEFAULT_HOURS
    messages: int = DEFAULT_MESSAGES  # 0: no limit

    def __post_init__(self) -> None:
        if self.hours <= 0:
            raise ValueError(f"{ENV_HOURS} must be a positive number of hours")
        if self.messages < 0:
            raise ValueError(f"{ENV_MESSAGES} must be 0 (no limit) or more")

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> "ReplyWindow":
        env = os.environ if environ is None else environ

        def number(name: str, kind: type, default: float) -> float:
            raw = (env.get(name) or "").strip()
            if not raw:
                return default
            try:
                return kind(raw)
            except ValueError:
                raise ValueError(f"{name} must be a number, got {raw!r}") from None

        return cls(hours=float(number(ENV_HOURS, float, DEFAULT_HOURS)),
                   messages=int(number(ENV_MESSAGES, int, DEFAULT_MESSAGES)))

    def describe(self) -> str:
        limit = f" / {self.messages} messages" if self.messages else ""
        return f"{self.hours:g} h{limit}"

    def outside_reason(self, last: Optional[LastInbound], now: Optional[float] = None) -> Optional[str]:
        """None when a reply may go out now; else the text for the audit trail."""
        now = time.time() if now is None else now
        if last is None or not last.msg_id:
            return f"{OUTSIDE} (no message from the citizen on record; window {self.describe()})"
        age_h = (now - last.at) / 3600.0
        if age_h > self.hours:
            return (f"{OUTSIDE} (the citizen's last message is {age_h:.1f} h old; "
                    f"window {self.describe()})")
        if self.messages and last.oa_messages_since >= self.messages:
            return (f"{OUTSIDE} ({last.oa_messages_since} OA messages since the citizen's last "
                    f"message; window {self.describe()})")
        return None
