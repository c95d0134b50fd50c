"""Traffic-police patrol schedules, from the published plans in content/patrol_schedule.yml."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import first_answer, send
from anninh import patrol


class ActionPatrolSchedule(Action):
    def name(self) -> Text:
        return "action_patrol_schedule"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):  # the menu button: current and upcoming schedules
            text = ""
        replies = first_answer(
            lambda: patrol.answer(text, today=patrol.today_vn(), path=patrol.PATROL_FILE),
            patrol.unavailable, text=text)
        send(dispatcher, replies)
        return []
