"""Low NLU confidence: ask back with the top candidates; on a second miss, offer the hotline."""
from __future__ import annotations

from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.procedures import earlier_quantities
from actions.replies import send
from anninh.clarify import first_miss, load_intent_labels, second_miss
from anninh.emergency import load_emergency
from anninh.follow_up import short_aspect_question
from anninh.procedure_answer import answer_follow_up
from anninh.resolver import get_resolver

FALLBACK_INTENT = "nlu_fallback"


def _previous_user_intent(tracker: Tracker) -> str:
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return ""
    return ((users[-2].get("parse_data") or {}).get("intent") or {}).get("name") or ""


class ActionClarify(Action):
    def name(self) -> Text:
        return "action_clarify"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = tracker.latest_message.get("text") or ""
        guide = load_emergency()
        if text and not text.startswith("/") and guide.mentions(text):
            # Unsure NLU, but the message names an emergency: the numbers at once.
            send(dispatcher, [guide.reply(text)])
            return []
        previous = tracker.get_slot("procedure")
        resolver = get_resolver()
        if text and previous in resolver.catalogue.procedures:
            # A free follow-up about the procedure in context ("giữ lại biển số được không").
            replies = answer_follow_up(resolver, text, previous,
                                       strict=not short_aspect_question(resolver, text),
                                       known=earlier_quantities(tracker))
            if replies:
                send(dispatcher, replies)
                return []
        labels = load_intent_labels()
        if _previous_user_intent(tracker) == FALLBACK_INTENT:
            send(dispatcher, [second_miss(labels)])
        else:
            ranking = [r for r in tracker.latest_message.get("intent_ranking") or []
                       if r.get("name") != FALLBACK_INTENT]
            send(dispatcher, [first_miss(ranking, labels)])
        return []
