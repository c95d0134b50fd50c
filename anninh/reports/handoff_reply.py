"""An officer's free-text reply to the citizen of a handoff request, over Zalo.

The same machinery as report notifications (``anninh.reports.notify.default_notifier``): with the
Zalo channel configured, the connector's token store and API client, and only inside Zalo's
reply window (``anninh.reports.reply_window``), quoting the citizen's last message. Outside the
window nothing is sent and the outcome says so (no ZNS template: those are for report status
only). Every attempt is kept with the request (``HandoffStore.record_reply``), whatever happens.
"""
from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any, Optional

from anninh.reports.handoff import FAILED, NOT_SENT, SENT, Handoff, HandoffReply, HandoffStore
from anninh.reports.model import NotifyResult
from anninh.reports.privacy import get_logger

log = get_logger(__name__)
MAX_REPLY_CHARS = 2000


async def _send(handoffs: HandoffStore, handoff: Handoff, text: str, notifier: Any) -> NotifyResult:
    from anninh.reports.zalo_notifier import ZaloConnectorNotifier, zalo_ids
    target = SimpleNamespace(channel=handoff.channel, sender_id=handoff.sender_id, oa_id=handoff.oa_id,
                             code=f"handoff-{handoff.id}", status="")
    if notifier is None:
        return NotifyResult(False, None, "no notifier configured (Zalo channel or $REPORTS_NOTIFIER)",
                            not_sent=True)
    if not isinstance(notifier, ZaloConnectorNotifier):
        return await notifier.notify(target, text)
    if (handoff.channel or "").lower() != notifier.channel:
        return NotifyResult(False, None, f"channel {handoff.channel!r} is not Zalo", not_sent=True)
    oa_id, user_id = zalo_ids(target)
    if not oa_id or not user_id or notifier.settings.account(oa_id) is None:
        return NotifyResult(False, None, f"OA {oa_id} is not configured for the Zalo channel", not_sent=True)

    async def quoted_before(last) -> int:
        return await asyncio.to_thread(handoffs.replies_quoting, last.msg_id)

    return await notifier.reply_in_window(oa_id, user_id, text, quoted_before)


def reply_to_handoff(handoffs: HandoffStore, handoff_id: int, text: str, *, actor: str,
                     notifier: Any = "default") -> HandoffReply:
    """Send ``text`` to the citizen of request ``handoff_id``; the recorded attempt."""
    from anninh.reports.errors import ValidationError
    text = (text or "").strip()
    if not text:
        raise ValidationError("the reply is empty")
    if len(text) > MAX_REPLY_CHARS:
        raise ValidationError(f"the reply is longer than {MAX_REPLY_CHARS} characters")
    handoff = handoffs.require(handoff_id)
    if not handoff.active():
        raise ValidationError(f"handoff request {handoff_id} is no longer open")
    if notifier == "default":
        from anninh.reports.notify import default_notifier
        notifier = default_notifier()
    try:
        result = asyncio.run(_send(handoffs, handoff, text, notifier))
    except Exception as exc:  # the channel failing is an outcome, never a crash
        result = NotifyResult(False, None, f"{type(exc).__name__}: {exc}")
    outcome = SENT if result.ok else (NOT_SENT if result.not_sent else FAILED)
    if not result.ok:
        log.warning("handoff %s: reply not delivered: code=%s %s", handoff.id, result.error_code, result.error)
    return handoffs.record_reply(handoff.id, actor=actor, text=text, outcome=outcome,
                                 error_code=result.error_code, error=result.error,
                                 reply_to=getattr(result, "reply_to", None))
