"""Filing a confirmed report: committed to the store before the citizen is told its code and how
to ask for its status."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Text

from rasa_sdk import Action

from actions.reports import metadata, requester, reset, store, unit_of_place
from anninh.ops.metrics import REPORTS_RECEIVED
from anninh.reports import AttachmentIn, NewReport, ValidationError, load_reports_content
from anninh.reports.intake import load_form_words


class ActionSubmitReport(Action):
    def name(self) -> Text:
        return "action_submit_report"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        if not tracker.get_slot("report_confirmed"):
            return reset()
        zalo = metadata(tracker)
        contact = tracker.get_slot("report_contact") or {}
        location = (tracker.get_slot("report_location") or "").split(",")
        lat, lon = (float(location[0]), float(location[1])) if len(location) == 2 else (None, None)
        attachments = [AttachmentIn(a["url"], a.get("type", "file"))
                       for a in tracker.get_slot("report_attachments") or []]
        who = requester(tracker)
        report = NewReport(
            kind=tracker.get_slot("report_kind"),
            description=tracker.get_slot("report_description"),
            place_text=tracker.get_slot("report_place"), latitude=lat, longitude=lon,
            incident_time_text=tracker.get_slot("report_time"), attachments=attachments,
            contact_name=None if contact.get("anonymous") else contact.get("name"),
            contact_phone=None if contact.get("anonymous") else contact.get("phone"),
            channel=who.channel, oa_id=zalo.get("oa_id"), sender_id=who.sender_id,
            idempotency_key=f"{tracker.sender_id}:{len(tracker.events)}")
        try:
            submission = await asyncio.to_thread(store().create_report, report,
                                                 unit_resolver=unit_of_place)
        except ValidationError as exc:
            dispatcher.utter_message(text=load_form_words().message("not_submitted", problem=exc))
            return reset()
        if not submission.duplicate:
            REPORTS_RECEIVED.labels(report.kind or "unknown").inc()
        if attachments:
            try:
                from anninh.reports.attachments import AttachmentFetcher, start_background_download
                start_background_download(store(), AttachmentFetcher(), submission.code)
            except RuntimeError:
                pass  # no running loop: officers retry with `officer fetch-attachments`
        content = load_reports_content()
        dispatcher.utter_message(text=content.submitted_text(submission.code, report.kind,
                                                             submission.unit))
        return reset()
