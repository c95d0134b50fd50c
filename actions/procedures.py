"""Answers about police procedures, from the catalogue in content/procedures/."""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import send
from anninh import render
from anninh.resolver import get_resolver


def _entity(tracker: Tracker, name: str) -> Optional[str]:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


def _age(tracker: Tracker) -> Optional[int]:
    value = _entity(tracker, "age")
    return int(value) if value and value.isdigit() else None


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
        aspects = [aspect] if aspect in resolver.aspects else []

        if chosen and chosen in catalogue.procedures:
            return self._answer(dispatcher, chosen, aspects)

        result = resolver.resolve("" if is_payload else text, age=_age(tracker))
        aspects = aspects or result.aspects
        if result.procedure:
            return self._answer(dispatcher, result.procedure, aspects)

        previous = tracker.get_slot("procedure")
        if not result.candidates and aspects and previous in catalogue.procedures:
            # A follow-up naming no procedure ("còn lệ phí thì sao?") is about the last one.
            return self._answer(dispatcher, previous, aspects)

        if result.candidates:
            family = catalogue.families.get(result.family) if result.family else None
            reply = render.clarify(catalogue, result.candidates,
                                   aspect=aspects[0] if len(aspects) == 1 else None, family=family)
            send(dispatcher, [reply])
            return []

        send(dispatcher, [render.family_menu(
            catalogue, "Dạ, anh/chị muốn hỏi về thủ tục nào ạ? Anh/chị chọn nhóm thủ tục bên dưới "
                       "hoặc nhắn tên thủ tục (ví dụ: \"đăng ký tạm trú\").")])
        return []

    @staticmethod
    def _answer(dispatcher: CollectingDispatcher, procedure_id: str, aspects: List[str]
                ) -> List[Dict[Text, Any]]:
        resolver = get_resolver()
        proc = resolver.catalogue.procedures[procedure_id]
        if aspects:
            replies = render.aspect_answer(proc, aspects, resolver.aspects)
        else:
            replies = render.summary(proc, resolver.aspects)
        send(dispatcher, replies)
        return [SlotSet("procedure", procedure_id)]


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
