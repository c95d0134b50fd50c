"""The Rasa fixes in components/rasa_patches.py: installed, and the same verdicts as Rasa's code."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import components  # noqa: F401 - installs the fixes
from components import rasa_patches

SPEC = RemoteAction.action_response_format_spec()
VALID = [
    {},
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "procedure", "value": "cu_tru.tam_tru", "timestamp": None}],
     "responses": [{"text": "Dạ, anh/chị cần mang:", "buttons": [{"title": "Lệ phí", "payload": "/ask_fee"}]}]},
    {"events": [{"event": "followup", "name": "action_listen"}], "responses": [{"custom": {"type": "x"}}]},
]
INVALID = [
    {"events": [{"name": "procedure"}]},          # an event without "event"
    {"events": "not a list"},
    {"responses": [{"text": 5}], "events": []},  # checked by the schema? compared below either way
    {"events": [{"event": 3}]},
]


def test_the_fix_is_installed():
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result


@pytest.mark.parametrize("result", VALID + INVALID)
def test_same_verdict_and_message_as_jsonschema_validate(result):
    action = RemoteAction("action_answer_procedure", None)
    try:
        jsonschema.validate(result, SPEC)
        expected = None
    except jsonschema.ValidationError as exc:
        expected = exc.message
    if expected is None:
        assert action._validate_action_result(result) is True
    else:
        with pytest.raises(jsonschema.ValidationError) as caught:
            action._validate_action_result(result)
        assert caught.value.message.startswith(expected)
        assert "Failed to validate Action server response" in caught.value.message


def test_invalid_samples_really_are_invalid():
    for result in INVALID[:2] + INVALID[3:]:
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(result, SPEC)


def test_the_schema_is_checked_once_not_per_call(monkeypatch):
    calls = []
    cls = jsonschema.validators.validator_for(SPEC)
    original = cls.check_schema
    monkeypatch.setattr(cls, "check_schema", classmethod(lambda c, s: calls.append(1) or original(s)))
    monkeypatch.setattr(rasa_patches, "_cached", None)
    action = RemoteAction("action_answer_procedure", None)
    for _ in range(5):
        action._validate_action_result(VALID[2])
    assert len(calls) == 1
