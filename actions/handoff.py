"""Talking to an officer (human handoff).

``action_human_handoff`` records the request with the conversation so far (officers see it with
``python -m anninh.officer handoff list``), tells the citizen when an officer will answer, and sets
``handoff_until``. While that slot lies ahead, ``components/handoff_policy.HandoffPolicy`` runs
``action_handoff_check`` for every message instead of the usual reply: silent while the request is
open, and once the officer has handed back (or it expired) the check undoes itself so the message
is answered as usual. Emergencies are always answered.
"""
from __future__ import annotations

import asyncio
import logging
import time
from functools import lru_cache
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionReverted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.replies import send
from actions.reports import metadata, requester
from actions.reports import store as report_store
from anninh.emergency import load_emergency
from anninh.handoff import load_handoff, transcript_from_events
from anninh.reports.handoff import HandoffStore
from anninh.timeutil import now_vn

logger = logging.getLogger(__name__)
SLOT = "handoff_until"
EMERGENCY_MIN_CONFIDENCE = 0.2


@lru_cache(maxsize=1)
def handoff_store() -> HandoffStore:
    # Same database and engine as the report actions (already migrated by store()).
    return HandoffStore(report_store().engine)


def _unit(tracker: Tracker) -> Optional[str]:
    zalo = metadata(tracker)
    return zalo.get("unit") or None


class ActionHumanHandoff(Action):
    def name(self) -> Text:
        return "action_human_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        settings = load_handoff()
        who = requester(tracker)
        zalo = metadata(tracker)
        try:
            handoff = await asyncio.to_thread(
                handoff_store().request, channel=who.channel, sender_id=who.sender_id,
                oa_id=zalo.get("oa_id"), unit=_unit(tracker), hours=settings.silence_hours,
                reason=tracker.latest_message.get("text"),
                transcript=transcript_from_events(tracker.events))
        except Exception:  # noqa: BLE001 - the citizen must not be left silent by a broken store
            logger.exception("handoff: could not record the request")
            dispatcher.utter_message(text=settings.messages["unavailable"])
            return []
        logger.info("handoff: request %s opened for %s", handoff.id, who.channel)
        dispatcher.utter_message(text=settings.requested_text(now_vn()))
        return [SlotSet(SLOT, time.time() + settings.silence_hours * 3600)]


class ActionHandoffCheck(Action):
    def name(self) -> Text:
        return "action_handoff_check"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        who = requester(tracker)
        try:
            current = await asyncio.to_thread(handoff_store().current, who.channel, who.sender_id)
        except Exception:  # noqa: BLE001
            logger.exception("handoff: could not read the request; the assistant answers again")
            current = None
        if current is None:
            # Handed back or expired: undo this check so the message gets its usual answer.
            dispatcher.utter_message(text=load_handoff().messages["handed_back"])
            return [ActionReverted(), SlotSet(SLOT, None)]
        text = tracker.latest_message.get("text") or ""
        ranking = tracker.latest_message.get("intent_ranking") or []
        likely_emergency = any(r.get("name") == "emergency" and (r.get("confidence") or 0) >= EMERGENCY_MIN_CONFIDENCE
                               for r in ranking[:2])
        guide = load_emergency()
        if likely_emergency and guide.mentions(text):
            send(dispatcher, [guide.reply(text)])
        return []
