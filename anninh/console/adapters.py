"""The two calls the console borrows from other features: the masking of a published result
(``anninh.reports.masking``) and the reply to a citizen (``anninh.reports.notify``)."""
from __future__ import annotations

from typing import Any

from anninh.reports.model import NotifyResult


def mask_for_publication(text: str, report: Any) -> str:
    """The text as it will be published: names, addresses, numbers masked; the sender's own name
    and place text masked wherever they appear."""
    from anninh.reports.masking import mask_for_publication as mask
    return mask(text, known_names=[n for n in (report.contact_name,) if n],
                known_places=[p for p in (report.place_text,) if p])


def reply_to_citizen(store: Any, code: str, text: str, *, actor: str) -> NotifyResult:
    """Send ``text`` to the citizen who sent report ``code``; the outcome is in its audit trail."""
    from anninh.reports.notify import default_notifier, notify_report_sync
    return notify_report_sync(store, code, text, default_notifier(), trigger="officer_reply", actor=actor)
