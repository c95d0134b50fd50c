"""The report form (tố giác, tin báo, phản ánh, kiến nghị), submission, and status lookups.

The storage is ``anninh.reports`` (SQLite by default, PostgreSQL by ``REPORTS_DB_URL``). The store is
synchronous, so it runs in a worker thread. The report is committed before the citizen is told
its code.
"""
from __future__ import annotations

import asyncio
import re
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from anninh.ops.metrics import REPORTS_RECEIVED
from anninh.places import find_commune
from anninh.render import shorten
from anninh.reports import (AttachmentIn, NewReport, Requester, ReportStore, ValidationError,
                            load_reports_content, mask_text)
from anninh.reports.export import public_entries

FORM_SLOTS = ("report_kind", "report_description", "report_place", "report_location", "report_time",
              "report_attachments", "report_evidence", "report_contact", "report_confirmed")
MIN_DESCRIPTION_CHARS = 20
LOCATION_PLACE_PREFIX = "Vị trí gửi qua Zalo"
MAX_ATTACHMENTS = 10
ATTACHMENT_TYPES = {"image": "image", "video": "video", "audio": "audio", "file": "file",
                    "gif": "image"}
CODE_RE = re.compile(r"\b(TG|TB|PA|KN)\s*-?\s*(\d{4})\s*-?\s*(\d{1,6})\b", re.IGNORECASE)
PHONE_RE = re.compile(r"(?:\+?84|0)(?:[\s.]?\d){9}")
CORRECTABLE = {"report_description": "Sửa nội dung", "report_place": "Sửa địa điểm",
               "report_time": "Sửa thời gian", "report_contact": "Sửa liên hệ"}


@lru_cache(maxsize=1)
def store() -> ReportStore:
    content = load_reports_content()
    return ReportStore.open(migrate=True, oa_units=content.oa_units, default_unit=content.default_unit)


def metadata(tracker: Tracker) -> Dict[str, Any]:
    meta = tracker.latest_message.get("metadata") or {}
    if not meta:
        for event in reversed(tracker.events):
            if event.get("event") == "user":
                meta = event.get("metadata") or {}
                break
    return meta.get("zalo") or {}


def requester(tracker: Tracker) -> Requester:
    return Requester(tracker.get_latest_input_channel() or "rest", tracker.sender_id)


def _zalo_location(tracker: Tracker) -> "tuple[Optional[float], Optional[float]]":
    location = metadata(tracker).get("location") or {}
    lat, lon = location.get("latitude"), location.get("longitude")
    return (None, None) if lat is None or lon is None else (lat, lon)


def unit_of_place(place: str) -> Optional[str]:
    commune = find_commune(place)
    return f"Công an {commune.kind} {commune.name}" if commune else None


def _intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def parse_contact(text: str) -> Dict[str, Any]:
    phone = PHONE_RE.search(text)
    name = PHONE_RE.sub(" ", text)
    name = re.sub(r"(?i)\b(tên|ten|tôi là|toi la|sđt|sdt|số điện thoại|so dien thoai|điện thoại|dt)\b[:\s]*",
                  " ", name)
    name = " ".join(re.sub(r"[^\w\s]", " ", name).split())
    return {"name": name[:100] or None, "phone": re.sub(r"\D", "", phone.group()) if phone else None}


def summary_text(tracker: Tracker) -> str:
    content = load_reports_content()
    kind = tracker.get_slot("report_kind")
    contact = tracker.get_slot("report_contact") or {}
    if contact.get("anonymous"):
        who = "Ẩn danh"
    else:
        who = ", ".join(filter(None, [contact.get("name"),
                                      mask_text(contact["phone"]) if contact.get("phone") else None]))
    attachments = tracker.get_slot("report_attachments") or []
    lines = [
        f"Dạ, anh/chị kiểm tra lại nội dung {content.kind_label(kind) if kind else ''} trước khi gửi:",
        f"• Sự việc: {shorten(tracker.get_slot('report_description') or '', 300)}",
        f"• Địa điểm: {tracker.get_slot('report_place') or ''}",
        f"• Thời gian: {tracker.get_slot('report_time') or ''}",
        f"• Tệp đính kèm: {len(attachments)}",
        f"• Người gửi: {who or 'Ẩn danh'}",
        "Bấm \"Gửi\" để gửi, hoặc chọn phần cần sửa.",
    ]
    return "\n".join(lines)


class ValidateReportForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_report_form"

    async def extract_report_place(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "report_place" or _intent(tracker) != "send_location":
            return {}
        lat, lon = _zalo_location(tracker)
        if lat is None:
            return {}
        return {"report_place": f"{LOCATION_PLACE_PREFIX} ({lat:.5f}, {lon:.5f})"}

    async def extract_report_location(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {}

    async def validate_report_place(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # The coordinates of a Zalo location travel with the place: the form returns only its
        # required slots, and a report_location set at extraction would be dropped.
        lat, lon = _zalo_location(tracker) if _intent(tracker) == "send_location" else (None, None)
        if lat is None:
            return {"report_place": value}
        return {"report_place": value, "report_location": f"{lat},{lon}"}

    async def extract_report_attachments(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if _intent(tracker) != "send_attachment":
            return {}
        current = list(tracker.get_slot("report_attachments") or [])
        for item in metadata(tracker).get("attachments") or []:
            kind = ATTACHMENT_TYPES.get(str(item.get("type")))
            if kind and item.get("url") and len(current) < MAX_ATTACHMENTS:
                current.append({"url": item["url"], "type": kind})
        return {"report_attachments": current}

    async def extract_report_evidence(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "report_evidence":
            return {}
        if _intent(tracker) == "send_attachment":
            # Another photo: keep asking for evidence. The (empty) value tells the form that this
            # message was for it, so it goes on instead of rejecting the turn;
            # validate_report_evidence keeps the attachment.
            return {"report_evidence": None}
        if _intent(tracker) in ("cancel", "emergency", "ask_procedure", "correct_report"):
            return {}
        return {"report_evidence": "done"}

    async def extract_report_contact(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "report_contact":
            return {}
        intent = _intent(tracker)
        if intent == "deny":
            return {"report_contact": {"anonymous": True}}
        if intent == "share_info":
            info = metadata(tracker).get("user_info") or {}
            if info.get("name") or info.get("phone"):
                return {"report_contact": {"name": info.get("name"), "phone": info.get("phone")}}
            dispatcher.utter_message(json_message={
                "template_type": "request_user_info",
                "elements": [{"title": "Chia sẻ thông tin liên hệ",
                              "subtitle": "Để cán bộ liên hệ khi cần xác minh tin của anh/chị."}]})
            dispatcher.utter_message(text="Anh/chị bấm vào tin nhắn trên để chia sẻ, hoặc nhắn "
                                          "trực tiếp họ tên và số điện thoại ạ.")
            return {}
        if intent in ("cancel", "emergency", "ask_procedure", "correct_report", "send_attachment"):
            return {}
        contact = parse_contact(tracker.latest_message.get("text") or "")
        if not contact["name"] and not contact["phone"]:
            return {}
        return {"report_contact": contact}

    async def extract_report_confirmed(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if tracker.get_slot("requested_slot") != "report_confirmed":
            return {}
        if _intent(tracker) == "affirm":
            return {"report_confirmed": True}
        return {}

    async def validate_report_evidence(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # The form only returns its required slots, so the attachments travel with this one.
        if _intent(tracker) == "send_attachment":
            return {"report_evidence": None,
                    **await self.extract_report_attachments(dispatcher, tracker, domain)}
        return {"report_evidence": value}

    def validate_report_description(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())
        if len(text) < MIN_DESCRIPTION_CHARS:
            dispatcher.utter_message(response="utter_report_description_too_short")
            return {"report_description": None}
        return {"report_description": text}


class ActionAskReportEvidence(Action):
    def name(self) -> Text:
        return "action_ask_report_evidence"

    def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        count = len(tracker.get_slot("report_attachments") or [])
        if count:
            text = (f"Dạ, em đã nhận {count} tệp. Anh/chị gửi thêm ảnh, video nếu có, "
                    "hoặc bấm \"Xong\" để tiếp tục.")
            buttons = [{"title": "Xong", "payload": "/affirm"}]
        else:
            text = ("Anh/chị có ảnh, video hoặc tệp liên quan không? Nếu có, anh/chị gửi ngay trong "
                    "cuộc trò chuyện này; nếu không, bấm \"Không có\".")
            buttons = [{"title": "Không có", "payload": "/deny"}]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskReportConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_report_confirmed"

    def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        buttons = [{"title": "Gửi", "payload": "/affirm"}]
        buttons += [{"title": title, "payload": f'/correct_report{{"report_field":"{slot}"}}'}
                    for slot, title in CORRECTABLE.items()]
        buttons.append({"title": "Hủy", "payload": "/cancel"})
        dispatcher.utter_message(text=summary_text(tracker), buttons=buttons)
        return []


def _reset() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("requested_slot", None)]


class ActionSubmitReport(Action):
    def name(self) -> Text:
        return "action_submit_report"

    async def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        if not tracker.get_slot("report_confirmed"):
            return _reset()
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
            dispatcher.utter_message(text=f"Dạ, chưa gửi được: {exc}. Anh/chị vui lòng thử lại.")
            return _reset()
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
        return _reset()


class ActionCancelReport(Action):
    def name(self) -> Text:
        return "action_cancel_report"

    def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_report_cancelled")
        return [ActiveLoop(None)] + _reset()


class ActionCorrectReport(Action):
    def name(self) -> Text:
        return "action_correct_report"

    def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        field = next(tracker.get_latest_entity_values("report_field"), None)
        events = [SlotSet("report_confirmed", None)]
        if field in CORRECTABLE:
            events.append(SlotSet(field, None))
            if field == "report_place":
                events.append(SlotSet("report_location", None))
        else:
            dispatcher.utter_message(
                text="Dạ, anh/chị muốn sửa phần nào ạ?",
                buttons=[{"title": t, "payload": f'/correct_report{{"report_field":"{s}"}}'}
                         for s, t in CORRECTABLE.items()])
        return events


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
        published = await asyncio.to_thread(self._published)
        lines = ["Dạ, em chưa thấy tố giác, phản ánh nào anh/chị gửi qua kênh này. Nếu có mã "
                 "(ví dụ PA-2026-000045), anh/chị nhắn mã để tra cứu."]
        if published:
            lines.append("Một số kết quả giải quyết đã công bố gần đây:")
            lines += [f"• {e['kind_label']} ({e['unit']}, {e['month'][5:]}/{e['month'][:4]}): "
                      f"{shorten(e['summary'], 200)}" for e in published[:3]]
        dispatcher.utter_message(text="\n".join(lines))
        return []

    @staticmethod
    def _published() -> List[Dict[str, str]]:
        reports = store().list_reports(limit=50)
        return public_entries(reports, load_reports_content())
