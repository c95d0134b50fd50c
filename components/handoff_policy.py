"""While an officer answers a citizen in the OA inbox, the assistant stays silent.

``action_human_handoff`` sets the slot ``handoff_until`` (Unix time) when a citizen asks for a
person. While that time lies ahead, this policy answers every user message with
``action_handoff_check`` instead of the usual reply; that action asks the reports database whether
the officer has handed back (then it reverts itself and the normal reply follows) and otherwise
sends nothing. An ``emergency`` message is never silenced: the policy abstains and the emergency
rule answers with 113/114/115 at once.

One small mechanism for every intent, instead of a "silent" rule per intent. Its priority is
above the RulePolicy's (6), so with equal confidence it wins.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Text

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

SLOT = "handoff_until"
CHECK_ACTION = "action_handoff_check"


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class HandoffPolicy(Policy):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"priority": 7, "slot": SLOT, "check_action": CHECK_ACTION,
                "never_silence": ["emergency"]}

    def train(self, training_trackers: List[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        # Nothing to learn; persist an empty resource so that loading finds it.
        with self._model_storage.write_to(self._resource):
            pass
        return self._resource

    def _silenced(self, tracker: DialogueStateTracker, now: float) -> bool:
        until = tracker.get_slot(self.config["slot"])
        try:
            return until is not None and float(until) > now
        except (TypeError, ValueError):
            return False

    def predict_action_probabilities(self, tracker: DialogueStateTracker, domain: Domain,
                                     rule_only_data: Optional[Dict[Text, Any]] = None,
                                     **kwargs: Any) -> PolicyPrediction:
        result = self._default_predictions(domain)
        check = self.config["check_action"]
        if check not in domain.action_names_or_texts or not self._silenced(tracker, time.time()):
            return self._prediction(result)
        latest = tracker.latest_action_name
        intent = (tracker.latest_message.intent or {}).get("name") if tracker.latest_message else None
        if latest == ACTION_LISTEN_NAME and intent and intent not in self.config["never_silence"]:
            result[domain.index_for_action(check)] = 1.0
        elif latest == check:
            result[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
        return self._prediction(result)
