"""Custom actions with Rasa SDK's CollectingDispatcher, trackers built here, and the real domain."""
import json
import re
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.emergency import ActionEmergency
from actions.fallback import ActionClarify
from actions.procedures import ActionAnswerProcedure, ActionBrowseProcedures
from anninh.render import MAX_MESSAGE_CHARS
from anninh.resolver import get_resolver

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$")


def tracker(text, intent="ask_procedure", entities=(), slots=None, events=None, ranking=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": [{"entity": e, "value": v} for e, v in entities],
              "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}]}
    return Tracker("test-user", slots or {}, latest, events or [{"event": "user", "parse_data": latest}],
                   False, None, {}, "action_listen")


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, t, DOMAIN)
    return dispatcher.messages, events


def check_buttons(messages):
    """Every button is a payload the assistant understands: a domain intent and domain entities."""
    for m in messages:
        for b in m.get("buttons") or []:
            assert len(b["title"]) <= 100
            if b.get("type") == "phone_number":
                assert b["payload"].isdigit()
                continue
            match = PAYLOAD.match(b["payload"])
            assert match, b
            assert match.group(1) in DOMAIN["intents"], b
            for entity in json.loads(match.group(2) or "{}"):
                assert entity in DOMAIN["entities"], b


def test_procedure_question_answers_with_title_first_and_buttons():
    messages, events = run(ActionAnswerProcedure(), tracker("dang ky tam tru can gi"))
    assert "Đăng ký tạm trú" in messages[0]["text"].splitlines()[0]
    assert events == [{"event": "slot", "timestamp": None, "name": "procedure",
                       "value": "cu_tru.tam_tru"}]
    assert len(messages[0]["buttons"]) >= 5
    check_buttons(messages)


def test_aspect_question_answers_the_aspect_first_with_its_basis():
    messages, _ = run(ActionAnswerProcedure(), tracker("lệ phí đăng ký thường trú bao nhiêu"))
    first = messages[0]["text"]
    assert first.splitlines()[0].startswith("Dạ, lệ phí") and "Đăng ký thường trú" in first.splitlines()[0]
    assert "20.000" in first
    assert "Thông tư 75/2022/TT-BTC" in messages[-1]["text"]
    check_buttons(messages)


def test_follow_up_uses_the_procedure_in_context():
    t = tracker("còn lệ phí thì sao?", slots={"procedure": "cu_tru.thuong_tru"})
    messages, events = run(ActionAnswerProcedure(), t)
    assert "lệ phí" in messages[0]["text"] and "Đăng ký thường trú" in messages[0]["text"]
    assert events[0]["value"] == "cu_tru.thuong_tru"

    t = tracker("nop online dc ko", slots={"procedure": "xe.sang_ten"})
    messages, _ = run(ActionAnswerProcedure(), t)
    assert messages[0]["text"].splitlines()[0].startswith("Dạ, nộp trực tuyến")
    assert "Đăng ký sang tên xe" in messages[0]["text"].splitlines()[0]


def test_button_payload_answers_that_procedure_and_aspect():
    t = tracker('/ask_procedure{"procedure":"khac.ho_chieu","aspect":"time"}',
                entities=[("procedure", "khac.ho_chieu"), ("aspect", "time")])
    messages, _ = run(ActionAnswerProcedure(), t)
    assert "Cấp hộ chiếu phổ thông" in messages[0]["text"].splitlines()[0]
    assert "8 ngày làm việc" in messages[0]["text"]


def test_vague_question_asks_back_with_candidates():
    messages, events = run(ActionAnswerProcedure(), tracker("thủ tục căn cước"))
    assert events == []
    titles = [b["title"] for b in messages[0]["buttons"]]
    assert "Cấp lại thẻ căn cước" in titles
    assert len(titles) == len(get_resolver().catalogue.families["can_cuoc"].procedure_ids)
    check_buttons(messages)


def test_vague_question_keeps_the_aspect_in_the_buttons():
    messages, _ = run(ActionAnswerProcedure(), tracker("lệ phí làm căn cước bao nhiêu"))
    assert all('"aspect":"fee"' in b["payload"] for b in messages[0]["buttons"])


def test_no_procedure_and_no_context_shows_the_families():
    messages, events = run(ActionAnswerProcedure(), tracker("cho hỏi thủ tục"))
    assert events == [] and len(messages[0]["buttons"]) == 5
    check_buttons(messages)


def test_menu_families_then_procedures():
    messages, _ = run(ActionBrowseProcedures(), tracker("/browse_procedures", "browse_procedures"))
    assert [b["title"] for b in messages[0]["buttons"]][:2] == ["Cư trú", "Đăng ký xe"]
    t = tracker('/browse_procedures{"family":"xe"}', "browse_procedures", entities=[("family", "xe")])
    messages, _ = run(ActionBrowseProcedures(), t)
    assert len(messages[0]["buttons"]) == 5
    check_buttons(messages)


def test_every_answer_fits_zalo_and_the_summary_fits_a_screen():
    resolver = get_resolver()
    for pid in resolver.catalogue.procedures:
        t = tracker(f'/ask_procedure{{"procedure":"{pid}"}}', entities=[("procedure", pid)])
        messages, _ = run(ActionAnswerProcedure(), t)
        assert len(messages) == 1 and len(messages[0]["text"]) <= 800, pid
        for aspect in resolver.aspects:
            t = tracker("/ask_procedure", entities=[("procedure", pid), ("aspect", aspect)])
            messages, _ = run(ActionAnswerProcedure(), t)
            assert all(len(m["text"]) <= MAX_MESSAGE_CHARS for m in messages), (pid, aspect)
            assert resolver.catalogue.procedures[pid].title in messages[0]["text"].splitlines()[0]
            check_buttons(messages)


@pytest.mark.parametrize("text, first", [
    ("nhà hàng xóm đang cháy to lắm", "114"),
    ("co cuop dang pha cua nha toi", "113"),
    ("tai nạn giao thông có người bị thương nặng", "115"),
    ("cứu với", "113"),
])
def test_emergency_gives_the_right_number_first_and_all_three(text, first):
    messages, events = run(ActionEmergency(), tracker(text, "emergency"))
    body = messages[0]["text"]
    assert f"GỌI NGAY {first}" in body.splitlines()[0]
    assert all(n in body for n in ("113", "114", "115"))
    assert messages[0]["buttons"][0] == {"title": f"Gọi {first}", "type": "phone_number",
                                         "payload": first}
    assert events == []


def test_low_confidence_asks_back_then_offers_the_hotline():
    ranking = [{"name": "nlu_fallback", "confidence": 0.4}, {"name": "ask_hotline", "confidence": 0.3},
               {"name": "feedback", "confidence": 0.25}, {"name": "greet", "confidence": 0.05}]
    first = tracker("abc xyz", "nlu_fallback", ranking=ranking)
    messages, _ = run(ActionClarify(), first)
    assert [b["payload"] for b in messages[0]["buttons"]] == ["/ask_hotline", "/feedback", "/greet"]
    check_buttons(messages)

    previous = {"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}}
    second = tracker("xyz abc", "nlu_fallback", ranking=ranking,
                     events=[previous, {"event": "user", "parse_data": first.latest_message}])
    messages, _ = run(ActionClarify(), second)
    assert "113" in messages[0]["text"]
    assert "/ask_hotline" in [b["payload"] for b in messages[0]["buttons"]]
    check_buttons(messages)
