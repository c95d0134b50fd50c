"""The production Zalo notifier: tells the citizen, in the OA they wrote to, through the Zalo
connector's own token store and API client (``channels/zalo``).

On by default whenever the Zalo channel is configured (``ZALO_OA_ID`` or ``ZALO_ACCOUNTS_FILE``,
as ``make run`` decides): the accounts, the token store (``ZALO_DB_PATH``) and the API addresses
come from the same settings as the connector (``channels.zalo.config.load_settings``, with the
``channels.zalo.ZaloInput`` section of ``REPORTS_ZALO_CREDENTIALS``, default
``credentials.zalo.yml``). Tokens are shared with the running connector: a refresh made here is
stored for it and the other way round (the store's lease keeps one refresh at a time).

Each notification replies to the citizen's last message (``recipient.message_id``) when that is
inside the reply window (``anninh.reports.reply_window``). Outside it, when the operator set a ZNS
template (``anninh.reports.zns``) and the citizen shared their phone through request_user_info, a
ZNS template message tells them there is news; otherwise nothing is sent and the audit trail says
"not delivered: outside the reply window". The citizen's last message comes from
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
from typing import Any, Awaitable, Callable, Dict, Mapping, Optional, Tuple

from anninh import PROJECT_ROOT
from anninh.reports.model import NotifyResult, Report
from anninh.reports.privacy import mask_text
from anninh.reports.reply_window import LastInbound, ReplyWindow
from anninh.reports.zns import TEMPLATE_PATH, ZnsSettings, status_label
from channels.zalo.client import MESSAGE_CS_PATH

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
    from channels.zalo.events import split_sender_id

    try:
        oa_id, user_id = split_sender_id(report.sender_id or "")
    except ValueError:
        return report.oa_id, report.sender_id or None
    if report.oa_id is not None and oa_id != report.oa_id:
        return report.oa_id, report.sender_id
    return oa_id, user_id


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


def _open_token_store(settings: Any) -> Any:
    """The connector's token store for these settings: PostgreSQL when they name one
    (``ZALO_DB_URL``), else the SQLite file (a relative path is taken from the project root, where
    ``make run`` starts the server)."""
    from channels.zalo.tokens import open_token_store

    db_path = Path(settings.db_path)
    if not db_path.is_absolute():
        settings = replace(settings, db_path=str(PROJECT_ROOT / db_path))
    return open_token_store(settings)


class ZaloConnectorNotifier:
    """Notifier (``anninh.reports.notify.Notifier``) over the Zalo connector's client."""

    channel = "zalo"

    def __init__(self, settings: Any, conversations: Any, window: ReplyWindow, *,
                 zns: Optional[ZnsSettings] = None, timeout: float = DEFAULT_TIMEOUT_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.conversations = conversations
        self.window = window
        self.zns = zns
        self._timeout = timeout
        self._clock = clock
        self.token_store = _open_token_store(settings)
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
        return cls(settings, TrackerConversations.from_endpoints(environ=env), ReplyWindow.from_env(env),
                   zns=ZnsSettings.from_env(env))

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
            return NotifyResult(False, None, f"channel {report.channel!r} is not handled by the Zalo notifier",
                                not_sent=True)
        oa_id, user_id = zalo_ids(report)
        if not oa_id or not user_id:
            return NotifyResult(False, None, "the report has no Zalo OA id or user id to reply to")
        if self.settings.account(oa_id) is None:
            return NotifyResult(False, None, f"OA {oa_id} is not configured for the Zalo channel")

        async def recorded(last: LastInbound) -> int:
            if store is None:
                return 0
            return await asyncio.to_thread(replies_recorded, store, last.msg_id, last.at)

        result, outside = await self._reply_in_window(oa_id, user_id, text, recorded)
        if outside is None or self.zns is None:
            return result
        phone = await self.conversations.shared_phone(f"{oa_id}:{user_id}")
        if phone is None:
            return NotifyResult(False, None, f"{outside}; no phone shared through request_user_info for ZNS",
                                not_sent=True)
        body = self.zns.body(phone, report.code, status_label(report.status),
                             f"{report.code}-{int(self._clock())}")
        return await self._call(self.zns.base_url, oa_id, TEMPLATE_PATH, body, via="zns")

    async def reply_in_window(self, oa_id: str, user_id: str, text: str,
                              sent_before: Callable[[LastInbound], Awaitable[int]]) -> NotifyResult:
        """``text`` to the citizen as a reply quoting their last message, inside Zalo's reply
        window only (outside it nothing is sent and the result says why). ``sent_before(last)``:
        how many of our own messages already quoted that message (counted against the window)."""
        return (await self._reply_in_window(oa_id, user_id, text, sent_before))[0]

    async def _reply_in_window(self, oa_id: str, user_id: str, text: str,
                               sent_before: Callable[[LastInbound], Awaitable[int]]
                               ) -> Tuple[NotifyResult, Optional[str]]:
        """The outcome, and the reason when the window was closed (None otherwise)."""
        if len(text) > self.settings.text_limit:
            return NotifyResult(False, None, f"text longer than {self.settings.text_limit} characters; "
                                "not sent", not_sent=True), None
        last: Optional[LastInbound] = await self.conversations.last_inbound(f"{oa_id}:{user_id}")
        if last is not None and last.msg_id:
            last = replace(last, oa_messages_since=last.oa_messages_since + await sent_before(last))
        outside = self.window.outside_reason(last, self._clock())
        if outside is not None:
            return NotifyResult(False, None, outside, not_sent=True), outside
        assert last is not None and last.msg_id
        body = {"recipient": {"message_id": last.msg_id}, "message": {"text": text}}
        return await self._call(self.settings.api_base_url, oa_id, MESSAGE_CS_PATH, body,
                                reply_to=last.msg_id), None

    async def _call(self, base_url: str, oa_id: str, path: str, body: Dict[str, Any], *,
                    reply_to: Optional[str] = None, via: Optional[str] = None) -> NotifyResult:
        """One API call with the connector's client and tokens; the outcome, never an exception."""
        from channels.zalo.client import ZaloClient
        from channels.zalo.http import SessionPool

        s = self.settings
        sessions = SessionPool(s.request_timeout)
        client = ZaloClient(base_url, self._registry(sessions), sessions, max_retries=s.max_retries,
                            backoff_base=s.backoff_base, backoff_max=s.backoff_max)
        try:
            await asyncio.wait_for(client.call(oa_id, "POST", path, json_body=body), timeout=self._timeout)
        except asyncio.TimeoutError:
            return NotifyResult(False, None, f"no answer from Zalo within {self._timeout:g} s",
                                reply_to=reply_to, via=via)
        except Exception as exc:  # ZaloApiError, TokenError, anything: recorded, never raised
            code = getattr(exc, "code", None)
            return NotifyResult(False, code if isinstance(code, int) else None,
                                mask_text(f"{type(exc).__name__}: {exc}"), reply_to=reply_to, via=via)
        finally:
            await sessions.close_current()
        return NotifyResult(True, None, None, reply_to=reply_to, via=via)
