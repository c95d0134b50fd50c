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


# ------------------------------------------------------------- 2. event types by name
def _walk(type_name):
    """Rasa's own lookup: the first non-abstract subclass of Event with that type name."""
    import inspect

    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    for cls in all_subclasses(Event):
        if cls.type_name == type_name and not inspect.isabstract(cls):
            return cls
    return None


@pytest.mark.parametrize("name", ["user", "bot", "action", "slot", "session_started", "active_loop",
                                  "followup", "reset_slots", "restart", "user_featurization"])
def test_event_types_resolve_as_rasa_does(name):
    from rasa.shared.core.events import Event

    assert Event.resolve_by_type(name) is _walk(name)
    assert Event.resolve_by_type(name) is _walk(name)  # the second time from the memo


def test_unknown_event_types_keep_rasas_answers():
    from rasa.shared.core.events import Event, UserUttered

    with pytest.raises(ValueError):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", UserUttered) is UserUttered
    assert Event.resolve_by_type("topic") is None
    assert "no_such_event" not in rasa_patches._event_types


def test_events_still_deserialise():
    from rasa.shared.core.events import SlotSet, UserUttered, deserialise_events

    events = deserialise_events([{"event": "user", "text": "xin chào", "parse_data": {"intent": {"name": "greet"}}},
                                 {"event": "slot", "name": "procedure", "value": "cu_tru.tam_tru"}])
    assert isinstance(events[0], UserUttered) and events[0].text == "xin chào"
    assert events[1] == SlotSet("procedure", "cu_tru.tam_tru")


# ------------------------------------------------------------------ 3. graph runner
def test_graph_runner_is_replaced_and_runs_a_real_graph():
    from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
    from rasa.engine.runner.dask import DaskGraphRunner
    from rasa.engine.storage.local_model_storage import LocalModelStorage

    assert DaskGraphRunner.run is rasa_patches._graph_run

    class AddOne(GraphComponent):
        @classmethod
        def create(cls, config, model_storage, resource, execution_context):
            return cls()

        def add(self, i):
            return i + 1

    class Join(GraphComponent):
        @classmethod
        def create(cls, config, model_storage, resource, execution_context):
            return cls()

        def join(self, a, b):
            return [a, b]

    import tempfile
    from pathlib import Path

    schema = GraphSchema({
        "a": SchemaNode(needs={"i": "__input__"}, uses=AddOne, fn="add", constructor_name="create", config={}),
        "b": SchemaNode(needs={"i": "a"}, uses=AddOne, fn="add", constructor_name="create", config={}),
        "c": SchemaNode(needs={"a": "a", "b": "b"}, uses=Join, fn="join", constructor_name="create", config={}),
        "unused": SchemaNode(needs={"i": "__input__"}, uses=AddOne, fn="add", constructor_name="create",
                             config={}),
    })
    storage = LocalModelStorage(Path(tempfile.mkdtemp()))
    runner = DaskGraphRunner(schema, storage, ExecutionContext(schema, "test"))
    for value in (1, 10):  # the second run uses the remembered graph
        assert runner.run(inputs={"__input__": value}, targets=["c"]) == {"c": [value + 1, value + 2]}
    assert runner.run(inputs={"__input__": 5}, targets=["b", "a"]) == {"b": 7, "a": 6}


# ------------------------------------------------------------- 4. debug-only copies
def test_debug_copies_only_while_rasa_logs_debug():
    import copy
    import logging

    import rasa.core.processor as processor

    assert processor.copy is not copy and processor.copy.copy is copy.copy
    value = {"events": [{"a": 1}]}
    rasa_logger = logging.getLogger("rasa")
    level = rasa_logger.level
    try:
        rasa_logger.setLevel(logging.INFO)
        assert processor.copy.deepcopy(value) is value
        rasa_logger.setLevel(logging.DEBUG)
        copied = processor.copy.deepcopy(value)
        assert copied == value and copied is not value and copied["events"][0] is not value["events"][0]
    finally:
        rasa_logger.setLevel(level)


def test_copies_are_patched_only_where_every_copy_is_a_log_argument():
    source = "import copy\nx = copy.deepcopy(y)\nstructlogger.debug('e', a=copy.deepcopy(b))\n"
    assert rasa_patches._in_log_calls(source) == 1  # the first one is real: such a module is left alone


# ------------------------------------------------- 5. payloads skip the NLU graph
PAYLOADS = ['/ask_procedure{"procedure":"cu_tru.tam_tru","aspect":"fee"}', "/greet", "/greet@0.42",
            "  /report_crime  ", '/ask_procedure{"procedure": "cu_tru.tam_tru", "not_an_entity": 1}',
            '/ask_procedure{"procedure": broken', "/no_such_intent", "/", "xin chào", "dang ky tam tru can gi"]


@pytest.fixture(scope="module")
def processor():
    import asyncio
    from pathlib import Path

    from rasa.core.agent import load_agent

    model = Path(__file__).resolve().parents[1] / "models" / "zalo-an-ninh.tar.gz"
    if not model.is_file():
        pytest.fail("no trained model: run make train", pytrace=False)
    return asyncio.run(load_agent(str(model))).processor


# Rasa warns about the malformed payloads on purpose among PAYLOADS.
@pytest.mark.filterwarnings("ignore:Failed to parse arguments in line:UserWarning")
@pytest.mark.parametrize("text", PAYLOADS)
def test_payload_parse_equals_the_graphs(processor, text):
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker

    assert rasa_patches._payload_shortcut_applies(processor)
    tracker = DialogueStateTracker.from_events("t", [])
    graph = type(processor)._parse_message_with_graph.__wrapped__
    for only_output in (True, False):
        message = UserMessage(text, sender_id="t", message_id="m1", metadata={"zalo": {"oa_id": "1"}})
        expected = graph(processor, message, tracker, only_output)
        got = processor._parse_message_with_graph(message, tracker, only_output)
        assert got == expected


@pytest.mark.filterwarnings("ignore:Failed to parse arguments in line:UserWarning")
def test_payloads_really_skip_the_graph(processor, monkeypatch):
    from rasa.core.channels.channel import UserMessage
    from rasa.shared.core.trackers import DialogueStateTracker

    runs = []
    original = processor.graph_runner.run
    monkeypatch.setattr(processor.graph_runner, "run", lambda *a, **k: runs.append(1) or original(*a, **k))
    tracker = DialogueStateTracker.from_events("t", [])
    processor._parse_message_with_graph(UserMessage(PAYLOADS[0], sender_id="t"), tracker)
    assert runs == []
    processor._parse_message_with_graph(UserMessage("/no_such_intent", sender_id="t"), tracker)
    processor._parse_message_with_graph(UserMessage("xin chào", sender_id="t"), tracker)
    assert runs == [1, 1]
