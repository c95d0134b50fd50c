"""The two calls the console borrows from features that land separately: the masking of a
published result and the reply to a citizen. Switching to their final form is one line each."""
from __future__ import annotations

from typing import Any

from anninh.reports.model import NotifyResult


def mask_for_publication(text: str) -> str:
    """The text as it will be published (phone and ID numbers masked)."""
    from anninh.reports.privacy import mask_text  # -> anninh.reports.masking.mask_for_publication
    return mask_text(text)


def reply_to_citizen(store: Any, code: str, text: str, *, actor: str) -> NotifyResult:
    """Send ``text`` to the citizen who sent report ``code``; the outcome is in its audit trail."""
    from anninh.reports.notify import load_notifier, notify_report_sync
    notifier = load_notifier()  # -> anninh.reports.notify.default_notifier()
    return notify_report_sync(store, code, text, notifier, trigger="officer_reply", actor=actor)
