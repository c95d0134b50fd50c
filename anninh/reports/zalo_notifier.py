"""The production Zalo notifier: tells the citizen, in the OA they wrote to, through the Zalo
connector's own token store and API client (``channels/zalo``).

On by default whenever the Zalo channel is configured (``ZALO_OA_ID`` or ``ZALO_ACCOUNTS_FILE``,
as ``make run`` decides): the accounts, the token store (``ZALO_DB_PATH``) and the API addresses
come from the same settings as the connector (``channels.zalo.config.load_settings``, with the
``channels.zalo.ZaloInput`` section of ``REPORTS_ZALO_CREDENTIALS``, default
``credentials.zalo.yml``). Tokens are shared with the running connector: a refresh made here is
stored for it and the other way round (the store's lease keeps one refresh at a time).

Each notification replies to the citizen's last message (``recipient.message_id``) when that is
inside the reply window (``anninh.reports.reply_window``); otherwise nothing is sent and the audit
trail says "not delivered: outside the reply window". The citizen's last message comes from
Rasa's tracker store (``anninh.reports.conversations``); the OA messages that followed it are the
assistant's replies there plus the notifications already sent quoting that message (this store's
audit trail).
"""
from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Tuple

from anninh import PROJECT_ROOT
from anninh.reports.model import NotifyResult, Report
from anninh.reports.privacy import mask_text
from anninh.reports.reply_window import LastInbound, ReplyWindow

ENV_CREDENTIALS = "REPORTS_ZALO_CREDENTIALS"
DEFAULT_CREDENTIALS = "credentials.zalo.yml"
CHANNEL_SECTION = "channels.zalo.ZaloInput"
DEFAULT_TIMEOUT_S = 15.0


def zalo_configured(environ: Optional[Mapping[str, str]] = None) -> bool:
    """The same test as ``make run`` (scripts/run.sh) uses to turn the Zalo channel on."""
    env = os.environ if environ is None else environ
    return bool((env.get("ZALO_OA_ID") or "").strip() or (env.get("ZALO_ACCOUNTS_FILE") or "").strip())


def zalo_ids(report: Report) -> Tuple[Optional[str], Optional[str]]:
    """(oa_id, user_id) of a Zalo report; its sender id is ``<oa_id>:<user_id>`` (or a bare user id)."""
    sender = report.sender_id or ""
    oa_id = report.oa_id
    prefix, sep, user = sender.partition(":")
    if sep and user and (oa_id is None or prefix == oa_id):
        return prefix, user
    return oa_id, sender or None


def replies_recorded(store: Any, msg_id: str, since: float) -> int:
    """Notifications this reports database sent quoting ``msg_id`` since ``since`` (Unix time)."""
    from sqlalchemy import select

    from anninh.reports.schema import audit

    q = (select(audit.c.details)
         .where(audit.c.action == "notify", audit.c.new_value == "ok",
                audit.c.at >= datetime.utcfromtimestamp(since)))
    with store.engine.connect() as conn:
        rows = conn.execute(q).scalars().all()
    count = 0
    for raw in rows:
        try:
            count += json.loads(raw or "{}").get("reply_to") == msg_id
        except (ValueError, AttributeError):
            continue
    return count


def _channel_section(path: Optional[str], env: Mapping[str, str]) -> Dict[str, Any]:
    file = Path(path or env.get(ENV_CREDENTIALS) or DEFAULT_CREDENTIALS)
    file = file if file.is_absolute() else PROJECT_ROOT / file
    if not file.is_file():
        return {}
    from rasa.shared.utils.io import read_config_file  # expands ${VAR} as Rasa does

    section = (read_config_file(str(file)) or {}).get(CHANNEL_SECTION) or {}
    if not isinstance(section, dict):
        raise ValueError(f"{file}: '{CHANNEL_SECTION}' must be a mapping")
    return section


class ZaloConnectorNotifier:
    """Notifier (``anninh.reports.notify.Notifier``) over the Zalo connector's client."""

    channel = "zalo"

    def __init__(self, settings: Any, conversations: Any, window: ReplyWindow, *,
                 timeout: float = DEFAULT_TIMEOUT_S, clock: Callable[[], float] = time.time) -> None:
        from channels.zalo.tokens import TokenStore

        self.settings = settings
        self.conversations = conversations
        self.window = window
        self._timeout = timeout
        self._clock = clock
        db_path = Path(settings.db_path)
        self.token_store = TokenStore(str(db_path if db_path.is_absolute() else PROJECT_ROOT / db_path))
        self._registry(None).seed_from_config()  # as the connector does at start; idempotent

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None,
                 credentials: Optional[str] = None) -> "ZaloConnectorNotifier":
        from channels.zalo.config import ZaloConfigError, load_settings

        from anninh.reports.conversations import TrackerConversations

        env = os.environ if environ is None else environ
        try:
            settings = load_settings(_channel_section(credentials, env), env)
        except ZaloConfigError as exc:
            raise ValueError(str(exc)) from None
        return cls(settings, TrackerConversations.from_endpoints(environ=env), ReplyWindow.from_env(env))

    def _registry(self, sessions: Any) -> Any:
        from channels.zalo.tokens import OAuthClient, TokenRegistry

        s = self.settings
        oauth = OAuthClient(s.oauth_base_url, sessions, max_retries=s.max_retries, backoff_base=s.backoff_base)
        return TokenRegistry(s.accounts.values(), self.token_store, oauth, margin=s.refresh_margin)

    def close(self) -> None:
        self.token_store.close()

    async def notify(self, report: Report, text: str) -> NotifyResult:
        return await self.notify_in(None, report, text)

    async def notify_in(self, store: Any, report: Report, text: str) -> NotifyResult:
        """Like ``notify``; with the reports store, earlier notifications count against the window."""
        if (report.channel or "").lower() != self.channel:
            return NotifyResult(False, None, f"channel {report.channel!r} is not handled by the Zalo notifier")
        oa_id, user_id = zalo_ids(report)
        if not oa_id or not user_id:
            return NotifyResult(False, None, "the report has no Zalo OA id or user id to reply to")
        if self.settings.account(oa_id) is None:
            return NotifyResult(False, None, f"OA {oa_id} is not configured for the Zalo channel")
        if len(text) > self.settings.text_limit:
            return NotifyResult(False, None, f"text longer than {self.settings.text_limit} characters; "
                                "not sent", not_sent=True)
        last: Optional[LastInbound] = await self.conversations.last_inbound(f"{oa_id}:{user_id}")
        if last is not None and last.msg_id and store is not None:
            sent = await asyncio.to_thread(replies_recorded, store, last.msg_id, last.at)
            last = replace(last, oa_messages_since=last.oa_messages_since + sent)
        outside = self.window.outside_reason(last, self._clock())
        if outside is not None:
            return NotifyResult(False, None, outside, not_sent=True)
        assert last is not None and last.msg_id
        return await self._send(oa_id, last.msg_id, text)

    async def _send(self, oa_id: str, msg_id: str, text: str) -> NotifyResult:
        from channels.zalo.client import MESSAGE_CS_PATH, ZaloClient
        from channels.zalo.http import SessionPool

        s = self.settings
        sessions = SessionPool(s.request_timeout)
        client = ZaloClient(s.api_base_url, self._registry(sessions), sessions, max_retries=s.max_retries,
                            backoff_base=s.backoff_base, backoff_max=s.backoff_max)
        body = {"recipient": {"message_id": msg_id}, "message": {"text": text}}
        try:
            await asyncio.wait_for(client.call(oa_id, "POST", MESSAGE_CS_PATH, json_body=body),
                                   timeout=self._timeout)
        except asyncio.TimeoutError:
            return NotifyResult(False, None, f"no answer from Zalo within {self._timeout:g} s", reply_to=msg_id)
        except Exception as exc:  # ZaloApiError, TokenError, anything: recorded, never raised
            code = getattr(exc, "code", None)
            return NotifyResult(False, code if isinstance(code, int) else None,
                                mask_text(f"{type(exc).__name__}: {exc}"), reply_to=msg_id)
        finally:
            await sessions.close_current()
        return NotifyResult(True, None, None, reply_to=msg_id)
