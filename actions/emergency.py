"""Emergencies get the numbers at once: never a form, never a question back."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import send
from anninh.emergency import load_emergency


class ActionEmergency(Action):
    def name(self) -> Text:
        return "action_emergency"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        send(dispatcher, [load_emergency().reply(text)])
        return []
