"""Answers about police procedures, from the catalogue in content/procedures/."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import send
from anninh import render
from anninh.answer_texts import load_texts
from anninh.fact_context import known_quantities
from anninh.follow_up import previous_user_text
from anninh.procedure_answer import answer_question
from anninh.resolver import get_resolver


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def _age(tracker: Tracker) -> Optional[int]:
    value = _entity(tracker, "age")
    return int(value) if value and value.isdigit() else None


def earlier_quantities(tracker: Tracker) -> Dict[str, float]:
    """Ages and durations the citizen named in earlier messages about the procedure now in
    context (anninh.fact_context): "bé nhà em 5 tuổi" holds for the next question about the same
    card, not for a question about another procedure (whose age may be someone else's)."""
    current = tracker.get_slot("procedure")
    if not current:
        return {}
    answered: List[Tuple[str, Optional[str]]] = []  # (message, procedure in context after it)
    slot: Optional[str] = None
    for e in tracker.events:
        if e.get("event") == "slot" and e.get("name") == "procedure":
            slot = e.get("value")
            if answered:
                answered[-1] = (answered[-1][0], slot)
        elif e.get("event") == "user":
            answered.append((e.get("text") or "", slot))
    earlier = [t for t, pid in answered[:-1] if pid == current and not t.startswith("/")]
    return known_quantities(earlier)


def _slot(procedure_id: Optional[str]) -> List[Dict[Text, Any]]:
    return [SlotSet("procedure", procedure_id)] if procedure_id else []


class ActionAnswerProcedure(Action):
    """Resolve the procedure (buttons, the message, or the one last answered) and answer."""

    def name(self) -> Text:
        return "action_answer_procedure"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        resolver = get_resolver()
        catalogue = resolver.catalogue
        text = tracker.latest_message.get("text") or ""
        is_payload = text.startswith("/")
        chosen = _entity(tracker, "procedure")
        aspect = _entity(tracker, "aspect")

        if chosen and chosen in catalogue.procedures:
            proc = catalogue.procedures[chosen]
            if aspect in resolver.aspects:
                replies = render.aspect_answer(proc, [aspect], resolver.aspects,
                                               full=_entity(tracker, "page") == "full")
            else:
                replies = render.summary(proc, resolver.aspects)
            send(dispatcher, replies)
            return _slot(chosen)

        text = "" if is_payload else text
        answered, replies = answer_question(resolver, text, age=_age(tracker),
                                            previous=tracker.get_slot("procedure"),
                                            known=earlier_quantities(tracker),
                                            previous_text=previous_user_text(tracker.events))
        if replies:
            send(dispatcher, replies)
            return _slot(answered)
        send(dispatcher, [render.family_menu(catalogue, load_texts()("no_procedure"))])
        return []


class ActionBrowseProcedures(Action):
    """The menu: families, then the procedures of the family chosen."""

    def name(self) -> Text:
        return "action_browse_procedures"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        catalogue = get_resolver().catalogue
        family_id = _entity(tracker, "family")
        family = catalogue.families.get(family_id) if family_id else None
        send(dispatcher, [render.family_list(catalogue, family) if family
                          else render.family_menu(catalogue)])
        return []



