"""Traffic-police patrol schedules, from the published plans in content/patrol_schedule.yml."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import send
from anninh import patrol
from anninh.content import ContentError

logger = logging.getLogger(__name__)


class ActionPatrolSchedule(Action):
    def name(self) -> Text:
        return "action_patrol_schedule"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        if text.startswith("/"):  # the menu button: current and upcoming schedules
            text = ""
        try:
            replies = patrol.answer(text, today=patrol.today_vn(), path=patrol.PATROL_FILE)
        except ContentError as exc:
            logger.error("patrol schedule unavailable: %s", exc)
            replies = patrol.unavailable()
        send(dispatcher, replies)
        return []
