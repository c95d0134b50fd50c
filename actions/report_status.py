"""Status of a citizen's reports: by code (only the sender's own), their latest reports, or else the
results published most recently."""
from __future__ import annotations

import asyncio
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action

from actions.reports import requester, store
from anninh.render import shorten
from anninh.reports import load_reports_content
from anninh.reports.export import public_entries
from anninh.reports.intake import load_form_words

CODE_RE = re.compile(r"\b(TG|TB|PA|KN)\s*-?\s*(\d{4})\s*-?\s*(\d{1,6})\b", re.IGNORECASE)
PUBLISHED_SHOWN = 3


def recently_published() -> List[Dict[str, str]]:
    """The newest published results (public, anonymised entries), however many newer reports are
    still unpublished."""
    return public_entries(store().published_results(limit=PUBLISHED_SHOWN), load_reports_content())


class ActionCheckReportStatus(Action):
    def name(self) -> Text:
        return "action_check_report_status"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        content = load_reports_content()
        text = tracker.latest_message.get("text") or ""
        who = requester(tracker)
        match = CODE_RE.search(text)
        if match:
            code = f"{match.group(1).upper()}-{match.group(2)}-{int(match.group(3)):06d}"
            view = await asyncio.to_thread(store().lookup, code, who)
            dispatcher.utter_message(text=content.lookup_text(view) if view else content.not_found_text())
            return []
        views = await asyncio.to_thread(store().reports_of, who, limit=3)
        if views:
            for view in views:
                dispatcher.utter_message(text=content.lookup_text(view))
            return []
        published = await asyncio.to_thread(recently_published)
        m = load_form_words().message
        lines = [m("no_reports")]
        if published:
            lines.append(m("published_recently"))
            lines += [m("published_item", kind=e["kind_label"], unit=e["unit"],
                        month=f"{e['month'][5:]}/{e['month'][:4]}", summary=shorten(e["summary"], 200))
                      for e in published[:PUBLISHED_SHOWN]]
        dispatcher.utter_message(text="\n".join(lines))
        return []
