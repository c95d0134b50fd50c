"""What the report actions share: the store, the Zalo metadata of the turn, the sender, the form's
slots. The actions themselves: ``report_form`` (questions and answers), ``report_submit`` (filing),
``report_status`` (lookups).

The storage is ``anninh.reports`` (SQLite by default, PostgreSQL by ``REPORTS_DB_URL``). The store is
synchronous, so the actions run it in a worker thread.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from anninh.places import find_commune
from anninh.reports import Requester, ReportStore, load_reports_content

FORM_SLOTS = ("report_kind", "report_description", "report_place", "report_location", "report_time",
              "report_attachments", "report_evidence", "report_contact", "report_confirmed")


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


def zalo_location(tracker: Tracker) -> "tuple[Optional[float], Optional[float]]":
    location = metadata(tracker).get("location") or {}
    lat, lon = location.get("latitude"), location.get("longitude")
    return (None, None) if lat is None or lon is None else (lat, lon)


def unit_of_place(place: str) -> Optional[str]:
    commune = find_commune(place)
    return f"Công an {commune.kind} {commune.name}" if commune else None


def latest_intent(tracker: Tracker) -> str:
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def reset() -> List[Dict[Text, Any]]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet("requested_slot", None)]
