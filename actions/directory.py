"""Phone numbers, addresses and working hours of police units (content/units.yml)."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import first_answer, send
from actions.reports import metadata
from anninh.directory import fallback_answer, load_directory


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


class ActionHotline(Action):
    """The unit named in the message (commune, former district, department), else the unit of the
    Zalo OA the citizen wrote to, else the provincial police; national lines when no number is known."""

    def name(self) -> Text:
        return "action_hotline"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):  # a button payload: only its entities count
            text = ""
        zalo = metadata(tracker)
        place = _entity(tracker, "place")
        replies = first_answer(
            lambda: load_directory().answer(text, place=place, oa_id=zalo.get("oa_id"),
                                            oa_unit=zalo.get("unit")),
            lambda: fallback_answer(text), text=text)
        send(dispatcher, replies)
        return []
