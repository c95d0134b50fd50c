"""Telling the citizen, through the channel they used, that their report changed.

``Notifier`` is the protocol; ``ZaloNotifier`` adapts an injected ``send_text(oa_id, user_id,
text) -> (ok, error_code, message)`` coroutine function (the Zalo connector in
``channels/zalo/`` provides it). ``notify_report`` runs one attempt and records it in the
audit trail, whatever happens (ok, refused with Zalo's code such as -230 = outside the 7-day
window, exception, timeout, no notifier configured).

``default_notifier()`` is what the officer tools use when no notifier is named: the production
Zalo notifier (``anninh.reports.zalo_notifier``: the connector's token store and client, replies
inside Zalo's reply window only) whenever the Zalo channel is configured (``ZALO_OA_ID`` or
``ZALO_ACCOUNTS_FILE``), else what ``REPORTS_NOTIFIER`` says, else None. The web console calls
``notify_report_sync(store, code, text, default_notifier(), trigger="officer_reply",
actor="account:<username>")``.

Choosing a notifier from the command line or the environment (``--notifier`` /
``REPORTS_NOTIFIER``), see ``load_notifier``:

* ``none`` (default): nothing is sent; the attempt is recorded as *skipped*.
* ``zalo:package.module:send_text``: ``ZaloNotifier`` around that coroutine function.
* ``factory:package.module:make_notifier``: a zero-argument callable returning a Notifier,
  e.g. one that builds the Zalo connector's client and returns
  ``ZaloNotifier(send_text_via_client(client))``.
"""
from __future__ import annotations

import asyncio
import importlib
import os
import threading
from typing import (Any, Awaitable, Callable, Dict, Mapping, Optional, Protocol, Tuple,
                    runtime_checkable)

from anninh.reports.model import NotifyResult, Report
from anninh.reports.privacy import get_logger, mask_text

log = get_logger(__name__)

ENV_NOTIFIER = "REPORTS_NOTIFIER"
DEFAULT_TIMEOUT_S = 15.0

SendText = Callable[[str, str, str], Awaitable[Tuple[bool, Optional[int], Optional[str]]]]


@runtime_checkable
class Notifier(Protocol):
    async def notify(self, report: Report, text: str) -> NotifyResult:  # pragma: no cover
        ...


class ZaloNotifier:
    """Sends the text to the Zalo user who sent the report, through the OA it came in by."""

    channel = "zalo"

    def __init__(self, send_text: SendText, *, timeout: float = DEFAULT_TIMEOUT_S):
        if not callable(send_text):
            raise TypeError("send_text must be an async callable (oa_id, user_id, text)")
        self._send_text = send_text
        self._timeout = timeout

    async def notify(self, report: Report, text: str) -> NotifyResult:
        if (report.channel or "").lower() != self.channel:
            return NotifyResult(False, None, f"channel {report.channel!r} is not handled by the Zalo notifier")
        from anninh.reports.zalo_notifier import zalo_ids
        oa_id, user_id = zalo_ids(report)
        if not oa_id or not user_id:
            return NotifyResult(False, None, "the report has no Zalo OA id or user id to reply to")
        try:
            ok, code, message = await asyncio.wait_for(
                self._send_text(oa_id, user_id, text), timeout=self._timeout)
        except asyncio.TimeoutError:
            return NotifyResult(False, None, f"no answer from Zalo within {self._timeout:g} s")
        except Exception as exc:  # the channel failing must never break the officer's change
            return NotifyResult(False, None, mask_text(f"{type(exc).__name__}: {exc}"))
        try:
            code = int(code) if code is not None else None
        except (TypeError, ValueError):
            code = None
        if ok:
            return NotifyResult(True, code if code else None, None)
        return NotifyResult(False, code, mask_text(str(message)) if message else "refused by Zalo")


def send_text_via_client(client: Any) -> SendText:
    """Adapt a client with ``async send_message(oa_id, user_id, message: dict)`` that raises an
    exception carrying ``.code`` (and ``.message``) when Zalo refuses — the shape of
    ``channels.zalo.client.ZaloClient`` / ``ZaloApiError`` — to the ``send_text`` callable."""
    async def send_text(oa_id: str, user_id: str, text: str) -> Tuple[bool, Optional[int], Optional[str]]:
        try:
            await client.send_message(oa_id, user_id, {"text": text})
        except Exception as exc:
            if not hasattr(exc, "code"):
                raise
            message = getattr(exc, "message", None) or getattr(exc, "meaning", None) or str(exc)
            return False, getattr(exc, "code"), str(message)
        return True, 0, None
    return send_text


def _import_attr(path: str) -> Any:
    module_name, sep, attr = path.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"expected 'package.module:name', got {path!r}")
    try:
        obj: Any = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name!r}: {exc}") from None
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ValueError(f"{module_name!r} has no attribute {attr!r}") from None
    return obj


def load_notifier(spec: Optional[str] = None) -> Optional[Notifier]:
    """Build the notifier named by ``spec`` (default ``$REPORTS_NOTIFIER``); None for ``none``.

    Raises ValueError with a clear message for a bad spec.
    """
    spec = (spec if spec is not None else os.environ.get(ENV_NOTIFIER, "")).strip()
    if not spec or spec.lower() == "none":
        return None
    kind, sep, target = spec.partition(":")
    kind = kind.strip().lower()
    if not sep:
        raise ValueError(f"bad notifier {spec!r}: use none, zalo:module:send_text or factory:module:callable")
    if kind not in ("zalo", "factory"):
        raise ValueError(f"bad notifier kind {kind!r}: use none, zalo:module:send_text or factory:module:callable")
    obj = _import_attr(target.strip())
    if not callable(obj):
        raise ValueError(f"{target.strip()!r} is not callable")
    if kind == "zalo":
        return ZaloNotifier(obj)
    try:
        notifier = obj()
    except Exception as exc:
        raise ValueError(f"{target.strip()!r} failed: {type(exc).__name__}: {exc}") from None
    if not isinstance(notifier, Notifier):
        raise ValueError(f"{target.strip()!r} did not return an object with an async notify(report, text)")
    return notifier


_DEFAULT: Dict[Tuple[Tuple[str, str], ...], Notifier] = {}
_DEFAULT_LOCK = threading.Lock()


def default_notifier(environ: Optional[Mapping[str, str]] = None) -> Optional[Notifier]:
    """The Zalo connector notifier when the Zalo channel is configured, else ``REPORTS_NOTIFIER``'s
    notifier, else None. One per configuration and process (the token store stays open).

    Raises ValueError with a clear message for a bad configuration."""
    env = os.environ if environ is None else environ
    from anninh.reports.zalo_notifier import ZaloConnectorNotifier, zalo_configured
    if not zalo_configured(env):
        return load_notifier(env.get(ENV_NOTIFIER) or "none")
    key = tuple(sorted((k, v) for k, v in env.items() if k.startswith(("ZALO_", "REPORTS_"))))
    with _DEFAULT_LOCK:
        notifier = _DEFAULT.get(key)
        if notifier is None:
            notifier = _DEFAULT[key] = ZaloConnectorNotifier.from_env(env)
    return notifier


async def notify_report(store: Any, code: str, text: str, notifier: Optional[Notifier], *,
                        trigger: str, actor: str = "system") -> NotifyResult:
    """One notification attempt for report ``code``, recorded in its audit trail.

    Database calls run in a worker thread so this can be awaited from the action server.
    """
    report = await asyncio.to_thread(store.require, code)
    if notifier is None:
        result = NotifyResult(False, None, f"no notifier configured (--notifier / ${ENV_NOTIFIER})")
        await asyncio.to_thread(store.record_notification, report.code, result, text=text,
                                trigger=trigger, actor=actor, skipped=True)
        return result
    if not report.sender_id:
        result = NotifyResult(False, None, "the report has no sender id to reply to")
        await asyncio.to_thread(store.record_notification, report.code, result, text=text,
                                trigger=trigger, actor=actor, skipped=True)
        return result
    try:
        notify_in = getattr(notifier, "notify_in", None)  # counts earlier notifications (window)
        result = await (notify_in(store, report, text) if notify_in else notifier.notify(report, text))
        if not isinstance(result, NotifyResult):
            result = NotifyResult(False, None, f"notifier returned {type(result).__name__}, not NotifyResult")
    except Exception as exc:
        result = NotifyResult(False, None, mask_text(f"{type(exc).__name__}: {exc}"))
    await asyncio.to_thread(store.record_notification, report.code, result, text=text,
                            trigger=trigger, actor=actor, skipped=result.not_sent)
    if result.ok:
        log.info("report %s: citizen notified (%s)", report.code, trigger)
    else:
        log.warning("report %s: notification failed (%s): code=%s %s", report.code, trigger,
                    result.error_code, result.error)
    return result


def notify_report_sync(store: Any, code: str, text: str, notifier: Optional[Notifier], *,
                       trigger: str, actor: str = "system") -> NotifyResult:
    """``notify_report`` for synchronous callers (the officer CLI)."""
    return asyncio.run(notify_report(store, code, text, notifier, trigger=trigger, actor=actor))
