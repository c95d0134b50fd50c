"""The report form (tố giác, tin báo, phản ánh, kiến nghị): questions, and what citizens answer.

At every question a typed text is the answer unless it is a cancel command: the NLU's verdict on it
does not matter (a description of a knife attack is a description, even if it is also an
emergency: then the numbers 113/114/115 are sent at once and the form goes on). The words are read
by ``anninh.reports.intake`` (lists in content/report_form.yml). Button payloads ("/affirm") and
Zalo events (photos, location, shared contact) keep their own meaning. When an answer is not
understood the form says so and asks again; the turn is never handed to the policies, except for
a cancel, a correction, or a procedure question or emergency where the question cannot take text
(kind, evidence, contact, confirmation), which rules answer before the form resumes.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.replies import send
from actions.reports import latest_intent, metadata, reset, zalo_location
from anninh.emergency import load_emergency
from anninh.places import find_commune
from anninh.render import shorten
from anninh.reports import load_reports_content, mask_text
from anninh.reports.intake import load_form_words, words

MIN_DESCRIPTION_WORDS = 3
KEEP_AS_DESCRIPTION_WORDS = 6  # a story typed at another question is kept as the description
MAX_ATTACHMENTS = 10
MAX_CANCEL_WORDS = 3
ATTACHMENT_TYPES = {"image": "image", "video": "video", "audio": "audio", "file": "file",
                    "gif": "image"}
KIND_INTENTS = {"to_giac": "report_crime", "tin_bao": "report_crime", "phan_anh": "feedback",
                "kien_nghi": "feedback"}
# Slot -> the label of its correction button (messages of content/report_form.yml).
CORRECTABLE = {"report_description": "correct_description", "report_place": "correct_place",
               "report_time": "correct_time", "report_contact": "correct_contact"}
# Intents that questions not taking free text leave to the rules (answered, then the form resumes).
HANDED_TO_RULES = ("cancel", "emergency", "ask_procedure", "correct_report")


def kind_payload(kind: str) -> str:
    return f'/{KIND_INTENTS[kind]}{{"report_kind":"{kind}"}}'


def typed(tracker: Tracker) -> Optional[str]:
    """The text the citizen typed, or None for a button payload, a Zalo event or a cancel command."""
    text = " ".join((tracker.latest_message.get("text") or "").split())
    if not text or text.startswith("/"):
        return None
    if latest_intent(tracker) == "cancel" and (load_form_words().is_cancel(text)
                                               or len(words(text)) <= MAX_CANCEL_WORDS):
        return None
    return text


def _requested(tracker: Tracker) -> Optional[str]:
    return tracker.get_slot("requested_slot")


def danger_now(intent: str, text: str) -> bool:
    """An emergency by the NLU, or an emergency keyword (fire, knife…) said to be happening now."""
    return intent == "emergency" or (load_emergency().mentions(text)
                                     and load_form_words().happening_now(text))


def _warn_if_emergency(dispatcher: CollectingDispatcher, tracker: Tracker, text: str) -> None:
    """A danger happening now gets the emergency numbers at once, whatever question was asked."""
    if danger_now(latest_intent(tracker), text):
        send(dispatcher, [load_emergency().reply(text)])


def correction_buttons() -> List[Dict[Text, Any]]:
    form_words = load_form_words()
    return [{"title": form_words.message(key), "payload": f'/correct_report{{"report_field":"{slot}"}}'}
            for slot, key in CORRECTABLE.items()]


def summary_text(tracker: Tracker) -> str:
    content = load_reports_content()
    form_words = load_form_words()
    kind = tracker.get_slot("report_kind")
    contact = tracker.get_slot("report_contact") or {}
    if contact.get("anonymous"):
        who = form_words.message("anonymous_sender")
    else:
        who = ", ".join(filter(None, [contact.get("name"),
                                      mask_text(contact["phone"]) if contact.get("phone") else None]))
    place = tracker.get_slot("report_place") or ""
    commune = find_commune(place) if place else None
    if commune and not tracker.get_slot("report_location"):
        place += " " + form_words.message("commune_found", commune=f"{commune.kind} {commune.name}")
    attachments = tracker.get_slot("report_attachments") or []
    m = form_words.message
    lines = [
        m("summary_head", kind=content.kind_label(kind) if kind else ""),
        m("summary_description", description=shorten(tracker.get_slot("report_description") or "", 300)),
        m("summary_place", place=place),
        m("summary_time", time=tracker.get_slot("report_time") or ""),
        m("summary_attachments", count=len(attachments)),
        m("summary_sender", sender=who or m("anonymous_sender")),
        m("summary_footer"),
    ]
    return "\n".join(lines)


class ValidateReportForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_report_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> List[Dict[Text, Any]]:
        requested = _requested(tracker)
        events = await super().run(dispatcher, tracker, domain)
        answered = any(e.get("event") == "slot" and e.get("name") != "requested_slot" for e in events)
        if requested and not answered and latest_intent(tracker) not in HANDED_TO_RULES:
            # Nothing for this question (another button, a location at another question…): ask
            # it again rather than leave the turn to policies that may stay silent.
            events.append(SlotSet(requested, None))
        return events

    # ------------------------------------------------------------------ kind
    async def extract_report_kind(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> Dict[Text, Any]:
        requested = _requested(tracker)
        if tracker.get_slot("report_kind") or requested not in (None, "report_kind"):
            return {}
        text = typed(tracker)
        kind = load_form_words().kind_of(text) if text else None
        if kind:  # typed at the question, or already said in the opening message
            return {"report_kind": kind}
        if requested is None or text is None:
            return {}
        story = tracker.get_slot("report_description") is None and \
            len(words(text)) >= KEEP_AS_DESCRIPTION_WORDS and \
            latest_intent(tracker) not in ("ask_procedure", "correct_report")
        if story:  # a story typed instead of a kind: kept, and the numbers if it is an emergency
            _warn_if_emergency(dispatcher, tracker, text)
        elif latest_intent(tracker) in HANDED_TO_RULES:
            return {}
        dispatcher.utter_message(text=load_form_words().message("kind_unclear"))
        return {"report_kind": None, **({"report_description": text} if story else {})}

    # ----------------------------------------------------------- free text
    def _free_text(self, slot: str, dispatcher: CollectingDispatcher,
                   tracker: Tracker) -> Dict[Text, Any]:
        if _requested(tracker) != slot:
            return {}
        text = typed(tracker)
        if text is None:
            return {}
        _warn_if_emergency(dispatcher, tracker, text)
        return {slot: text}

    async def extract_report_description(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._free_text("report_description", dispatcher, tracker)

    async def extract_report_time(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return self._free_text("report_time", dispatcher, tracker)

    async def extract_report_place(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        if _requested(tracker) != "report_place":
            return {}
        if latest_intent(tracker) == "send_location":
            lat, lon = zalo_location(tracker)
            if lat is None:
                return {}
            return {"report_place": load_form_words().message("location_place", lat=f"{lat:.5f}", lon=f"{lon:.5f}")}
        return self._free_text("report_place", dispatcher, tracker)

    async def extract_report_location(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        return {}

    def validate_report_description(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = " ".join(str(value or "").split())
        if len(words(text)) < MIN_DESCRIPTION_WORDS:
            dispatcher.utter_message(response="utter_report_description_too_short")
            return {"report_description": None}
        return {"report_description": text}

    async def validate_report_place(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # The coordinates of a Zalo location travel with the place: the form returns only its
        # required slots, and a report_location set at extraction would be dropped.
        lat, lon = zalo_location(tracker) if latest_intent(tracker) == "send_location" else (None, None)
        if lat is None:
            return {"report_place": value, "report_location": None}
        return {"report_place": value, "report_location": f"{lat},{lon}"}

    # ------------------------------------------------------------- evidence
    async def extract_report_attachments(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if latest_intent(tracker) != "send_attachment":
            return {}
        current = list(tracker.get_slot("report_attachments") or [])
        for item in metadata(tracker).get("attachments") or []:
            kind = ATTACHMENT_TYPES.get(str(item.get("type")))
            if kind and item.get("url") and len(current) < MAX_ATTACHMENTS:
                current.append({"url": item["url"], "type": kind})
        return {"report_attachments": current}

    async def extract_report_evidence(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if _requested(tracker) != "report_evidence":
            return {}
        intent = latest_intent(tracker)
        if intent == "send_attachment" and metadata(tracker).get("attachments"):
            # Another photo: keep asking for evidence. The (empty) value tells the form that this
            # message was for it; validate_report_evidence keeps the attachment.
            return {"report_evidence": None}
        text = typed(tracker)
        if text is None:  # a button (done, none) or a cancel
            return {} if intent in HANDED_TO_RULES else {"report_evidence": "done"}
        if load_form_words().no_more_files(text):
            return {"report_evidence": "done"}
        if intent in HANDED_TO_RULES and len(words(text)) < KEEP_AS_DESCRIPTION_WORDS:
            return {}
        _warn_if_emergency(dispatcher, tracker, text)
        # More about what happened: added to the description rather than lost.
        description = " ".join(filter(None, [tracker.get_slot("report_description"), text]))
        return {"report_evidence": "done", "report_description": description}

    async def validate_report_evidence(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        # The form only returns its required slots, so the attachments travel with this one.
        if latest_intent(tracker) == "send_attachment":
            return {"report_evidence": None,
                    **await self.extract_report_attachments(dispatcher, tracker, domain)}
        return {"report_evidence": value}

    # -------------------------------------------------------------- contact
    async def extract_report_contact(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if _requested(tracker) != "report_contact":
            return {}
        intent = latest_intent(tracker)
        if intent == "share_info":
            info = metadata(tracker).get("user_info") or {}
            if info.get("name") or info.get("phone"):
                return {"report_contact": {"name": info.get("name"), "phone": info.get("phone")}}
            m = load_form_words().message
            dispatcher.utter_message(json_message={
                "template_type": "request_user_info",
                "elements": [{"title": m("share_contact_title"),
                              "subtitle": m("share_contact_subtitle")}]})
            dispatcher.utter_message(text=m("share_contact_hint"))
            return {}
        text = typed(tracker)
        if text is None:
            return {"report_contact": {"anonymous": True}} if intent == "deny" else {}
        form_words = load_form_words()
        if form_words.is_anonymous(text) or form_words.declines(text):
            return {"report_contact": {"anonymous": True}}
        contact = form_words.parse_contact(text)
        if contact:
            return {"report_contact": contact}
        if intent in HANDED_TO_RULES:
            return {}
        key = "contact_details" if form_words.accepts(text) else "contact_unclear"
        dispatcher.utter_message(text=form_words.message(key))
        return {"report_contact": None}

    # --------------------------------------------------------- confirmation
    async def extract_report_confirmed(self, dispatcher, tracker, domain) -> Dict[Text, Any]:
        if _requested(tracker) != "report_confirmed":
            return {}
        intent = latest_intent(tracker)
        text = typed(tracker)
        if text is None:
            return {"report_confirmed": True} if intent == "affirm" else {}
        if load_form_words().confirms(text) or (intent == "affirm" and len(words(text)) <= 3):
            return {"report_confirmed": True}
        if intent in HANDED_TO_RULES:
            return {}
        dispatcher.utter_message(text=load_form_words().message("confirm_unclear"))
        return {"report_confirmed": None}


class ActionAskReportKind(Action):
    """The kind question; its buttons are built here, not in domain.yml, where a payload holding
    ``{…}`` would go through Rasa's template filling."""

    def name(self) -> Text:
        return "action_ask_report_kind"

    def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        content = load_reports_content()
        dispatcher.utter_message(response="utter_ask_report_kind",
                                 buttons=[{"title": content.kind_title(k), "payload": kind_payload(k)}
                                          for k in KIND_INTENTS])
        return []


class ActionAskReportEvidence(Action):
    def name(self) -> Text:
        return "action_ask_report_evidence"

    def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        count = len(tracker.get_slot("report_attachments") or [])
        m = load_form_words().message
        if count:
            text = m("evidence_received", count=count)
            buttons = [{"title": m("button_done"), "payload": "/affirm"}]
        else:
            text = m("evidence_ask")
            buttons = [{"title": m("button_none"), "payload": "/deny"}]
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionAskReportConfirmed(Action):
    def name(self) -> Text:
        return "action_ask_report_confirmed"

    def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        m = load_form_words().message
        buttons = [{"title": m("button_send"), "payload": "/affirm"}] + correction_buttons()
        buttons.append({"title": m("button_cancel"), "payload": "/cancel"})
        dispatcher.utter_message(text=summary_text(tracker), buttons=buttons)
        return []


class ActionCancelReport(Action):
    def name(self) -> Text:
        return "action_cancel_report"

    def run(self, dispatcher, tracker, domain) -> List[Dict[Text, Any]]:
        dispatcher.utter_message(response="utter_report_cancelled")
        return [ActiveLoop(None)] + reset()


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
            dispatcher.utter_message(text=load_form_words().message("which_part"),
                                     buttons=correction_buttons())
        return events
