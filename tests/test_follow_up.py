"""Follow-ups that ask the previous question again about something else (anninh.follow_up),
with and without diacritics, through the real action with the real catalogue."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.procedures import ActionAnswerProcedure
from anninh.follow_up import previous_user_text
from tests.test_actions import DOMAIN, tracker
from actions.fallback import ActionClarify
from tests.test_procedure_answers import ask, both, slot


def converse(previous_text, text, previous_procedure):
    """The reply to ``text`` after ``previous_text`` was answered about ``previous_procedure``."""
    events = [{"event": "user", "text": previous_text}, {"event": "bot", "text": "…"},
              {"event": "user", "text": text}]
    t = tracker(text, slots={"procedure": previous_procedure}, events=events)
    dispatcher = CollectingDispatcher()
    out = ActionAnswerProcedure().run(dispatcher, t, DOMAIN)
    return dispatcher.messages[0], out


@pytest.mark.parametrize("before, text", [
    *[("hộ chiếu bao lâu thì có", t) for t in both("vậy còn phiếu lý lịch tư pháp thì sao")],
    *[("làm lý lịch tư pháp mấy ngày có", t) for t in both("thế còn hộ chiếu?")],
])
def test_how_about_another_procedure_asks_the_same_aspect(before, text):
    first, events = converse(before, text, "khac.ho_chieu" if "hộ chiếu bao" in before
                             else "khac.ly_lich_tu_phap")
    assert first["text"].startswith("Dạ, thời hạn giải quyết — ")
    assert slot(events) in ("khac.ly_lich_tu_phap", "khac.ho_chieu")
    assert "chưa có thông tin chính thức" not in first["text"]


@pytest.mark.parametrize("text", both("còn trường hợp cháu nhà tôi 9 tuổi thì sao"))
def test_how_about_another_case_keeps_the_procedure_and_the_aspect(text):
    first, events = converse("xin cấp hộ chiếu phải chuẩn bị giấy tờ gì", text, "khac.ho_chieu")
    assert first["text"].startswith("Dạ, giấy tờ cần có — Cấp hộ chiếu phổ thông")
    assert "TK01a" in first["text"]


@pytest.mark.parametrize("text", both("thế còn tách hộ thì sao"))
def test_the_aspect_of_a_button_is_carried(text):
    payload = '/ask_procedure{"procedure":"khac.ho_chieu","aspect":"fee"}'
    first, _ = converse(payload, text, "khac.ho_chieu")
    assert first["text"].startswith("Dạ, lệ phí — Tách hộ")


@pytest.mark.parametrize("text", both("hộ chiếu thì sao"))
def test_without_a_previous_aspect_nothing_is_carried(text):
    first, _ = converse("có cần đăng ký tạm trú không", text, "cu_tru.tam_tru")
    assert not first["text"].startswith("Dạ, thời hạn")


def test_previous_user_text():
    events = [{"event": "user", "text": "a"}, {"event": "bot"},
              {"event": "user", "parse_data": {"text": "b"}}]
    assert previous_user_text(events) == "a"
    assert previous_user_text(events[:1]) is None


@pytest.mark.parametrize("text, start", [
    *[(t, "Dạ, giấy tờ cần có — Đăng ký thường trú") for t in both("mang theo những gì ạ")],
    *[(t, "Dạ, thời hạn giải quyết — Đăng ký thường trú") for t in both("mấy ngày thì xong")],
])
def test_a_short_aspect_question_is_about_the_procedure_in_context_even_when_unsure(text, start):
    first, _ = ask(text, previous="cu_tru.thuong_tru", action=ActionClarify(), intent="nlu_fallback")
    assert first["text"].startswith(start)


@pytest.mark.parametrize("text", both("tôi muốn hỏi chuyện khác về giấy tờ nhà đất ở xã bên"))
def test_a_long_unclear_message_still_asks_back(text):
    first, _ = ask(text, previous="cu_tru.thuong_tru", action=ActionClarify(), intent="nlu_fallback")
    assert not first["text"].startswith("Dạ, giấy tờ cần có")


@pytest.mark.parametrize("before, text, procedure, expected", [
    *[("báo lưu trú thế nào", t, "cu_tru.luu_tru", "8 giờ sáng hôm sau") for t in both(
        "khách đến sau 12 giờ đêm thì sao", "nếu khách đến lúc đêm thì sao")],
    *[("thông báo lưu trú mất bao lâu", t, "cu_tru.luu_tru", "8 giờ sáng hôm sau") for t in both(
        "khách đến khuya thì sao")],
    *[(before, t, "khac.ly_lich_tu_phap", "100.000") for before in (
        "lý lịch tư pháp mất bao nhiêu tiền", "làm lý lịch tư pháp mất bao lâu")
      for t in both("là sinh viên thì sao", "e là học sinh thì sao ạ")],
    *[("đăng ký tạm trú mất bao lâu", t, "cu_tru.tam_tru", "không cần công chứng") for t in both(
        "nếu ở nhà thuê thì sao", "e ở nhờ nhà người quen thì sao")],
    *[("đăng ký thường trú cần giấy tờ gì", t, "cu_tru.thuong_tru", "công chứng hoặc chứng thực")
      for t in both("nếu là nhà thuê thì sao")],
    *[("làm hộ chiếu mất bao lâu", t, "khac.ho_chieu", "2 ngày làm việc") for t in both(
        "nếu bị mất hộ chiếu thì sao")],
])
def test_a_situation_a_fact_covers_gets_the_fact_not_the_previous_aspect(before, text, procedure,
                                                                         expected):
    first, events = converse(before, text, procedure)
    assert expected in first["text"], first["text"]
    assert not first["text"].startswith(("Dạ, thời hạn giải quyết", "Dạ, giấy tờ cần có")), \
        first["text"]
    assert slot(events) == procedure


@pytest.mark.parametrize("before, text, procedure, expected", [
    *[("báo lưu trú thế nào", t, "cu_tru.luu_tru", "8 giờ sáng hôm sau") for t in both(
        "nếu khách đến lúc nửa đêm thì sao")],
])
def test_a_situation_named_in_other_words_than_the_facts_still_gets_it(before, text, procedure,
                                                                       expected):
    first, _ = converse(before, text, procedure)
    assert expected in first["text"] and not first["text"].startswith("Dạ, các bước"), \
        first["text"]


@pytest.mark.parametrize("before, text, procedure, start", [
    *[("làm hộ chiếu cần gì", t, "khac.ho_chieu", "Dạ, giấy tờ cần có — Cấp hộ chiếu")
      for t in both("con 10 tuổi thì sao")],
    *[("đăng ký tạm trú cần giấy tờ gì", t, "cu_tru.tam_tru", "Dạ, giấy tờ cần có — Đăng ký tạm trú")
      for t in both("nếu thuê trọ thì sao")],
])
def test_a_new_case_no_fact_covers_repeats_the_previous_aspect(before, text, procedure, start):
    first, _ = converse(before, text, procedure)
    assert first["text"].startswith(start), first["text"]
