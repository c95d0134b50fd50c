"""Talking to an officer: the settings file, the two actions (CollectingDispatcher, trackers built
here, the real domain, a real SQLite file) and the policy that keeps the assistant silent."""
import asyncio
import time
from datetime import datetime
from pathlib import Path

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.handoff as handoff_actions
import actions.reports as reports
from anninh.content import ContentError
from anninh.handoff import HANDOFF_FILE, parse_settings, transcript_from_events, validate_handoff
from anninh.reports.handoff import HandoffStore
from anninh.reports.timeutil import VN_TZ
from tests.test_actions import DOMAIN

HOURS = """office_hours:
  - {days: [2, 3, 4, 5, 6], from: "07:30", to: "11:30"}
  - {days: [2, 3, 4, 5, 6], from: "13:30", to: "17:00"}
silence_hours: 8
"""


def settings_file(tmp_path: Path, head: str) -> Path:
    messages = HANDOFF_FILE.read_text(encoding="utf-8").split("\nmessages:", 1)[1]
    path = tmp_path / "handoff.yml"
    path.write_text(head + "\nmessages:" + messages, encoding="utf-8")
    return path


def test_shipped_settings_promise_no_hours():
    s = parse_settings(HANDOFF_FILE)
    assert s.office_hours == ()  # no official hours known: no promise
    text = s.requested_text(datetime(2026, 12, 2, 9, 0, tzinfo=VN_TZ))
    assert "sớm nhất có thể" in text and "113" in text


def test_office_hours_open_closed_and_next_opening(tmp_path):
    s = parse_settings(settings_file(tmp_path, HOURS))
    wednesday_9 = datetime(2026, 12, 2, 9, 0, tzinfo=VN_TZ)
    assert s.is_open(wednesday_9) and "đang trong giờ làm việc" in s.requested_text(wednesday_9)
    lunch = datetime(2026, 12, 2, 12, 0, tzinfo=VN_TZ)
    assert not s.is_open(lunch) and "13:30 Thứ Tư, ngày 02/12" in s.when_text(lunch)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=VN_TZ)
    assert "07:30 Thứ Hai, ngày 07/12" in s.when_text(saturday)


@pytest.mark.parametrize("head,field", [
    ('office_hours:\n  - {days: [1], from: "07:30", to: "11:30"}\nsilence_hours: 8\n', "days"),
    ('office_hours:\n  - {days: [2], from: "7h30", to: "11:30"}\nsilence_hours: 8\n', "from"),
    ('office_hours:\n  - {days: [2], from: "11:30", to: "07:30"}\nsilence_hours: 8\n', "to"),
    ("office_hours: []\nsilence_hours: 0\n", "silence_hours"),
    ("office_hours: {}\nsilence_hours: 8\n", "office_hours"),
])
def test_broken_settings_name_the_field(tmp_path, head, field):
    [problem] = validate_handoff(settings_file(tmp_path, head))
    assert problem.field == field and "handoff.yml" in str(problem)


def test_unknown_placeholder_is_refused(tmp_path):
    path = settings_file(tmp_path, "office_hours: []\nsilence_hours: 8\n")
    path.write_text(path.read_text(encoding="utf-8").replace("{when}", "{khi_nao}"), encoding="utf-8")
    with pytest.raises(ContentError, match="khi_nao"):
        parse_settings(path)


def test_transcript_keeps_what_was_said():
    events = [{"event": "action", "name": "action_listen"}, {"event": "user", "text": "xin chào"},
              {"event": "bot", "text": "Dạ, xin chào"}, {"event": "user", "text": "gặp cán bộ"}]
    assert [l["who"] for l in transcript_from_events(events)] == ["citizen", "bot", "citizen"]


# --- actions ------------------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTS_DB_URL", f"sqlite:///{tmp_path / 'reports.db'}")
    reports.store.cache_clear()
    handoff_actions.handoff_store.cache_clear()
    yield
    reports.store().close()  # the handoff store shares its engine
    handoff_actions.handoff_store.cache_clear()
    reports.store.cache_clear()


def tracker(text, intent, ranking=None, sender="oa1:user9", slots=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}], "entities": [],
              "metadata": {"zalo": {"oa_id": "oa1", "unit": "Công an xã Hưng Đạo"}}}
    events = [{"event": "user", "text": "đăng ký tạm trú", "parse_data": latest, "input_channel": "zalo"},
              {"event": "bot", "text": "Dạ, Đăng ký tạm trú ..."},
              {"event": "user", "text": text, "parse_data": latest, "input_channel": "zalo",
               "metadata": latest["metadata"]}]
    return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return dispatcher.messages, result


def test_request_is_recorded_with_the_conversation_and_silences():
    messages, events = run(handoff_actions.ActionHumanHandoff(), tracker("cho tôi gặp cán bộ", "human_handoff"))
    assert "đã chuyển yêu cầu" in messages[0]["text"] and "113" in messages[0]["text"]
    [slot] = events
    assert slot["name"] == "handoff_until" and slot["value"] > time.time() + 7 * 3600
    current = handoff_actions.handoff_store().current("zalo", "oa1:user9")
    assert current is not None and current.unit == "Công an xã Hưng Đạo"
    assert [l["text"] for l in current.transcript] == ["đăng ký tạm trú", "Dạ, Đăng ký tạm trú ...",
                                                      "cho tôi gặp cán bộ"]


def test_check_is_silent_while_open_and_reverts_after_the_hand_back():
    run(handoff_actions.ActionHumanHandoff(), tracker("gặp cán bộ", "human_handoff"))
    messages, events = run(handoff_actions.ActionHandoffCheck(), tracker("xin chào", "greet"))
    assert messages == [] and events == []
    store: HandoffStore = handoff_actions.handoff_store()
    store.close(store.current("zalo", "oa1:user9").id, actor="Đại úy Nam")
    messages, events = run(handoff_actions.ActionHandoffCheck(), tracker("xin chào", "greet"))
    assert "cán bộ đã kết thúc" in messages[0]["text"]
    assert [e["event"] for e in events] == ["undo", "slot"] and events[1]["value"] is None


def test_an_emergency_the_nlu_was_unsure_of_is_still_answered_during_the_wait():
    run(handoff_actions.ActionHumanHandoff(), tracker("gặp cán bộ", "human_handoff"))
    ranking = [{"name": "report_crime", "confidence": 0.5}, {"name": "emergency", "confidence": 0.4}]
    messages, _ = run(handoff_actions.ActionHandoffCheck(), tracker("nhà bên cạnh đang cháy", "report_crime", ranking))
    assert "114" in messages[0]["text"]
    # a report told to the officer that merely mentions a theft is not interrupted
    messages, _ = run(handoff_actions.ActionHandoffCheck(), tracker("hôm qua nhà tôi bị trộm xe", "report_crime"))
    assert messages == []


# --- the policy ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def policy_and_domain(tmp_path_factory):
    from rasa.engine.graph import ExecutionContext, GraphSchema
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.core.domain import Domain

    from components.handoff_policy import HandoffPolicy
    storage = LocalModelStorage(tmp_path_factory.mktemp("storage"))
    policy = HandoffPolicy.create(HandoffPolicy.get_default_config(), storage, Resource("handoff"),
                                  ExecutionContext(GraphSchema({}), "test"))
    return policy, Domain.load(str(Path(__file__).resolve().parent.parent / "domain.yml"))


def predicted(policy, domain, events):
    from rasa.shared.core.trackers import DialogueStateTracker
    t = DialogueStateTracker.from_events("u", events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(t, domain)
    if max(prediction.probabilities) == 0:
        return None
    return domain.action_names_or_texts[prediction.max_confidence_index]


def test_policy_silences_every_intent_but_emergency_until_the_time(policy_and_domain):
    from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered
    policy, domain = policy_and_domain
    later = time.time() + 3600

    def turn(intent, until):
        return [ActionExecuted("action_listen"), SlotSet("handoff_until", until),
                UserUttered("x", intent={"name": intent, "confidence": 1.0})]

    assert predicted(policy, domain, turn("greet", later)) == "action_handoff_check"
    assert predicted(policy, domain, turn("ask_procedure", later)) == "action_handoff_check"
    assert predicted(policy, domain, turn("emergency", later)) is None
    assert predicted(policy, domain, turn("greet", time.time() - 1)) is None
    assert predicted(policy, domain, turn("greet", None)) is None
    after_check = turn("greet", later) + [ActionExecuted("action_handoff_check")]
    assert predicted(policy, domain, after_check) == "action_listen"
