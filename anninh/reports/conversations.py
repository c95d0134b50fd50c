"""The citizen's last message to the OA, read from Rasa's tracker store.

Why the tracker store: every message that reaches the assistant is already kept there, with the
Zalo metadata the connector attaches (``metadata.zalo.msg_id``, ``metadata.zalo.timestamp``) and
the assistant's own replies after it. Reading it needs no change to the Zalo connector (nothing
more written on the webhook's hot path, no table of our own to keep in step with the connector's
storage) and works with whatever tracker store the deployment uses (the SQLite file of
``endpoints.yml``, PostgreSQL of ``endpoints.production.yml``), through Rasa's own
``TrackerStore.retrieve``. The conversation id is the report's sender id (``<oa_id>:<user_id>``).

Configuration: ``REPORTS_TRACKER_ENDPOINTS``, the endpoints file whose ``tracker_store`` to read
(default ``endpoints.yml``; relative paths are taken from the project root, like a relative
SQLite ``db`` in that file).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Optional

from anninh import PROJECT_ROOT
from anninh.reports.reply_window import LastInbound

ENV_ENDPOINTS = "REPORTS_TRACKER_ENDPOINTS"
DEFAULT_ENDPOINTS = "endpoints.yml"


def _in_project(path: str) -> str:
    p = Path(path)
    return str(p if p.is_absolute() else PROJECT_ROOT / p)


def last_inbound_in(events: Any) -> Optional[LastInbound]:
    """The newest user message that carries a Zalo ``msg_id``, and the bot messages after it."""
    from rasa.shared.core.events import BotUttered, UserUttered

    bot_messages = 0
    for event in reversed(list(events)):
        if isinstance(event, BotUttered):
            bot_messages += 1
        elif isinstance(event, UserUttered):
            zalo = (event.metadata or {}).get("zalo") or {}
            msg_id = zalo.get("msg_id") or event.message_id
            if not zalo.get("msg_id"):
                continue  # a follow event, or another channel: nothing to reply to
            at = event.timestamp
            try:
                at = float(zalo["timestamp"]) / 1000.0
            except (KeyError, TypeError, ValueError):
                pass
            return LastInbound(str(msg_id), float(at), bot_messages)
    return None


def shared_phone_in(events: Any) -> Optional[str]:
    """The phone number the citizen last shared through Zalo's request_user_info (their consent to
    be reached by ZNS), as Zalo wants it (84xxxxxxxxx); None when they never shared one."""
    from rasa.shared.core.events import UserUttered

    for event in reversed(list(events)):
        if not isinstance(event, UserUttered):
            continue
        zalo = (event.metadata or {}).get("zalo") or {}
        phone = (zalo.get("user_info") or {}).get("phone") if zalo.get("event_name") == "user_submit_info" else None
        digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
        if digits.startswith("0"):
            digits = "84" + digits[1:]
        if digits.startswith("84") and 11 <= len(digits) <= 12:
            return digits
    return None


class TrackerConversations:
    """``await last_inbound(sender_id)`` from the tracker store named in an endpoints file."""

    def __init__(self, tracker_store: Any) -> None:
        self._store = tracker_store

    @classmethod
    def from_endpoints(cls, path: Optional[str] = None,
                       environ: Optional[Mapping[str, str]] = None) -> "TrackerConversations":
        from rasa.core.tracker_store import TrackerStore
        from rasa.utils.endpoints import read_endpoint_config

        env = os.environ if environ is None else environ
        file = _in_project(path or env.get(ENV_ENDPOINTS) or DEFAULT_ENDPOINTS)
        if not Path(file).is_file():
            raise ValueError(f"{ENV_ENDPOINTS}: endpoints file {file} does not exist")
        config = read_endpoint_config(file, "tracker_store")
        if config is None:
            raise ValueError(f"{file} has no tracker_store: the citizen's last message cannot be found")
        db = config.kwargs.get("db")
        if isinstance(db, str) and "sqlite" in f"{config.type} {config.kwargs.get('dialect', '')}".lower():
            config.kwargs["db"] = _in_project(db)
        store = TrackerStore.create(config)
        if type(store).__name__ == "InMemoryTrackerStore":  # Rasa's silent fallback for a bad type
            raise ValueError(f"{file}: tracker store type {config.type!r} cannot be loaded")
        return cls(store)

    async def last_inbound(self, sender_id: str) -> Optional[LastInbound]:
        tracker = await self._store.retrieve(sender_id)
        return None if tracker is None else last_inbound_in(tracker.events)

    async def shared_phone(self, sender_id: str) -> Optional[str]:
        """See ``shared_phone_in``; all sessions of the conversation are searched."""
        tracker = await self._store.retrieve_full_tracker(sender_id)
        return None if tracker is None else shared_phone_in(tracker.events)
