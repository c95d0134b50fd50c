"""Procedure answers by class of question (issue 14), each asked with and without diacritics,
through the real action with the real catalogue, lexicon and texts."""
import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.fallback import ActionClarify
from actions.procedures import ActionAnswerProcedure
from anninh.facts import quantities
from anninh.screen import SCREEN_LINES, screen_lines
from anninh.text import fold
from tests.test_actions import DOMAIN, check_buttons, tracker


def ask(text, previous=None, action=None, intent="ask_procedure"):
    dispatcher = CollectingDispatcher()
    t = tracker(text, intent, slots={"procedure": previous} if previous else None)
    events = (action or ActionAnswerProcedure()).run(dispatcher, t, DOMAIN)
    assert dispatcher.messages, text
    check_buttons(dispatcher.messages)
    first = dispatcher.messages[0]
    assert screen_lines(first["text"]) <= SCREEN_LINES, first["text"]  # emergencies too
    if "GỌI NGAY" not in first["text"]:
        assert first["text"].startswith("Dạ"), first["text"]
    return first, events


def both(*texts):
    """Each question as written and without diacritics."""
    return [t for text in texts for t in (text, fold(text))]


def slot(events):
    return next((e["value"] for e in events if e.get("name") == "procedure"), None)


@pytest.mark.parametrize("text", both("ở trọ 20 ngày có phải đăng ký tạm trú không",
                                      "về quê chơi 1 tuần có bắt buộc đăng ký tạm trú không"))
def test_short_stay_needs_no_temporary_residence(text):
    first, _ = ask(text)
    body = first["text"].lower()
    assert "không bắt buộc" in body and "30 ngày" in body
    assert "Luật Cư trú" in first["text"]


@pytest.mark.parametrize("text", both("thuê trọ 3 tháng có bắt buộc đăng ký tạm trú không"))
def test_long_stay_needs_temporary_residence(text):
    body = ask(text)[0]["text"]
    assert "Có ạ" in body and "30 ngày" in body


@pytest.mark.parametrize("text, expected", [
    *[(t, "Có ạ") for t in both("con tôi 15 tuổi có bắt buộc làm căn cước không",
                                "cháu 14 tuổi có phải làm căn cước không")],
    *[(t, "Chưa bắt buộc") for t in both("con 10 tuổi có bắt buộc làm căn cước không")],
])
def test_the_card_is_compulsory_from_14(text, expected):
    body = ask(text)[0]["text"]
    assert expected in body and "Luật Căn cước" in body
    # a 14- or 15-year-old is never answered under the under-14 procedure
    assert ("dưới 14 tuổi:" in body.splitlines()[0]) is (expected != "Có ạ")


@pytest.mark.parametrize("text", both("tạm trú hết hạn rồi thì làm sao", "tam tru cua em da het han roi"))
def test_expired_is_not_the_renewal(text):
    first, _ = ask(text)
    assert "trước khi hết hạn" in first["text"]
    assert "chưa được xác nhận" in first["text"]          # marked per fact
    assert "Đăng ký tạm trú" in [b["title"] for b in first["buttons"]]


@pytest.mark.parametrize("text", both("không đăng ký tạm trú bị phạt bao nhiêu",
                                      "mức phạt không khai báo lưu trú"))
def test_fines_are_answered_as_fines_with_their_decree(text):
    body = ask(text)[0]["text"]
    assert "500.000" in body and "1.000.000" in body and "282/2025" in body
    assert "15.000" not in body  # not the fee


@pytest.mark.parametrize("text", both("sang tên xe chậm bị phạt bao nhiêu"))
def test_unknown_fine_says_so_and_where_to_ask(text):
    body = ask(text)[0]["text"]
    assert "chưa có thông tin" in body and "1800 1096" in body


@pytest.mark.parametrize("text", both("CMND 9 số còn dùng được không", "chứng minh thư cũ còn dùng được nữa không"))
def test_old_papers(text):
    body = ask(text)[0]["text"]
    assert "1/1/2025" in body and "hết giá trị" in body


@pytest.mark.parametrize("text", both("làm căn cước lần đầu ở công an huyện nào",
                                      "đăng ký tạm trú nộp ở công an huyện hà quảng"))
def test_old_district_is_corrected(text):
    body = ask(text)[0]["text"]
    assert "không còn Công an huyện" in body and "Công an cấp xã" in body


@pytest.mark.parametrize("text", both("đăng ký tạm trú và làm căn cước lần đầu cần giấy tờ gì"))
def test_two_topics_answer_one_and_offer_the_other(text):
    first, _ = ask(text)
    titles = [b["title"] for b in first["buttons"]]
    assert "Cấp thẻ căn cước lần đầu" in first["text"] and "Đăng ký tạm trú" in titles
    assert "hỏi thêm về Đăng ký tạm trú" in first["text"]


@pytest.mark.parametrize("text", both("giữ lại biển số được không", "bán xe rồi có được giữ biển không"))
def test_follow_up_about_plates_after_transfer(text):
    for action, intent in ((ActionAnswerProcedure(), "ask_procedure"), (ActionClarify(), "nlu_fallback")):
        first, _ = ask(text, previous="xe.sang_ten", action=action, intent=intent)
        assert "Được ạ" in first["text"] and "giữ lại" in first["text"], (intent, first["text"])


@pytest.mark.parametrize("text, due", [
    *[(t, True) for t in both("con em được 2 tháng rồi có sao không")],
    *[(t, False) for t in both("bé mới được 20 ngày thì có sao không")],
])
def test_follow_up_about_a_newborn(text, due):
    first, events = ask(text, previous="cu_tru.thuong_tru")
    assert "60 ngày" in first["text"]
    assert ("quá hạn" in first["text"]) is due and ("trong hạn" in first["text"]) is not due
    assert slot(events) == "cu_tru.thuong_tru"


@pytest.mark.parametrize("text, number", [
    *[(t, "115") for t in both("cả nhà bị ngộ độc", "con tôi uống nhầm thuốc sâu", "đâm xe có người nằm bất tỉnh")],
    *[(t, "114") for t in both("có đứa trẻ bị đuối nước", "có người bị mắc kẹt trong nhà sập",
                               "rò rỉ khí gas trong bếp")],
])
def test_emergency_wording_gets_the_numbers_even_when_the_nlu_is_unsure(text, number):
    first, _ = ask(text, action=ActionClarify(), intent="nlu_fallback")
    assert f"GỌI NGAY {number}" in first["text"] and all(n in first["text"] for n in ("113", "114", "115"))


def test_quantities_read_ages_and_durations():
    assert quantities("con 15 tuổi") == {"age": 15.0}
    assert quantities("o 3 thang")["days"] == 90
    assert quantities("vài ngày")["days"] == 3
    assert "days" not in quantities("mất mấy ngày")


def test_every_first_message_fits_one_screen_and_opens_politely():
    from anninh.resolver import get_resolver
    resolver = get_resolver()
    for pid in resolver.catalogue.procedures:
        t = tracker(f'/ask_procedure{{"procedure":"{pid}"}}', entities=[("procedure", pid)])
        dispatcher = CollectingDispatcher()
        ActionAnswerProcedure().run(dispatcher, t, DOMAIN)
        for aspect in [None, *resolver.aspects]:
            entities = [("procedure", pid)] + ([("aspect", aspect)] if aspect else [])
            dispatcher = CollectingDispatcher()
            ActionAnswerProcedure().run(dispatcher, tracker("/ask_procedure", entities=entities), DOMAIN)
            first = dispatcher.messages[0]["text"]
            assert screen_lines(first) <= SCREEN_LINES, (pid, aspect, first)
            assert first.startswith("Dạ"), (pid, aspect)
            assert "Căn cứ:" in first.splitlines()[-1] and "{" not in first, (pid, aspect)


@pytest.mark.parametrize("text", both("làm căn cước và hộ chiếu hết bao nhiêu tiền",
                                      "làm hộ chiếu với lý lịch tư pháp cần gì"))
def test_two_topics_in_one_family_or_named_by_the_family_only(text):
    first, _ = ask(text)
    assert "hỏi thêm về" in first["text"]
    assert first["buttons"][0]["payload"].startswith(("/ask_procedure", "/browse_procedures"))


@pytest.mark.parametrize("text", both("tra cứu phạt nguội xe máy ở đâu", "gia hạn tạm trú cần gì"))
def test_one_topic_is_not_split_in_two(text):
    assert "hỏi thêm về" not in ask(text)[0]["text"]


@pytest.mark.parametrize("text", both("kiểm định phương tiện PCCC ở đâu"))
def test_a_keyword_inside_a_name_is_not_an_aspect(text):
    # "tiền" (money) inside "phương tiện" (equipment) is not a question about the fee
    assert ask(text)[0]["text"].startswith("Dạ, nơi nộp — Kiểm định phương tiện")


@pytest.mark.parametrize("text", both("nếu quá hạn rồi thì sao"))
def test_follow_up_answered_by_a_fact_of_the_family(text):
    first, _ = ask(text, previous="cu_tru.tam_tru")
    assert "trước khi hết hạn" in first["text"]


@pytest.mark.parametrize("text", both("cháu 15 tuổi có thuộc diện dưới 14 tuổi không"))
def test_a_fact_asked_with_no_procedure_and_no_context(text):
    body = ask(text)[0]["text"]
    assert "Không ạ" in body and "không thuộc diện dưới 14" in body


@pytest.mark.parametrize("text, expected", [
    *[(t, "Không ạ") for t in both("15 tuổi thì có tính là dưới 14 không", "14 tuổi có thuộc diện dưới 14 không")],
    *[(t, "Có ạ") for t in both("13 tuổi có thuộc diện dưới 14 không")],
])
def test_14_and_15_are_not_under_14(text, expected):
    for previous in (None, "can_cuoc.duoi_14", "can_cuoc.cap_lan_dau"):
        body = ask(text, previous=previous)[0]["text"]
        assert expected in body, (previous, body)


@pytest.mark.parametrize("text", both("chưa có hợp đồng thuê nhà thì sao"))
def test_a_fact_on_the_same_topic_but_another_question_is_not_given(text):
    body = ask(text, previous="cu_tru.tam_tru")[0]["text"]
    assert "công chứng" not in body


@pytest.mark.parametrize("text", both("đăng ký xe máy ở công an huyện nào"))
def test_old_district_is_corrected_when_asking_back(text):
    body = ask(text)[0]["text"]
    assert "không còn Công an huyện" in body


def test_full_view_shows_every_item_with_the_first_message_in_one_screen():
    from anninh.resolver import get_resolver
    resolver = get_resolver()
    for pid, proc in resolver.catalogue.procedures.items():
        for aspect in resolver.aspects:
            t = tracker("/ask_procedure", entities=[("procedure", pid), ("aspect", aspect), ("page", "full")])
            dispatcher = CollectingDispatcher()
            ActionAnswerProcedure().run(dispatcher, t, DOMAIN)
            texts = [m["text"] for m in dispatcher.messages]
            assert screen_lines(texts[0]) <= SCREEN_LINES and texts[0].startswith("Dạ"), (pid, aspect)
            if aspect == "documents":
                assert all(doc in "\n".join(texts) for doc in proc.documents), pid
            assert "Căn cứ:" in texts[-1] and dispatcher.messages[-1]["buttons"]
            check_buttons(dispatcher.messages)


@pytest.mark.parametrize("text, previous", [("đăng ký tạm trú", None), ("lệ phí làm hộ chiếu", None),
                                            ("giữ lại biển số được không", "xe.sang_ten"),
                                            ("làm căn cước và hộ chiếu hết bao nhiêu", None)])
def test_at_most_five_buttons_on_an_answer(text, previous):
    first, _ = ask(text, previous=previous)
    assert 1 <= len(first["buttons"]) <= 5


def test_a_basis_without_a_document_number_is_said_unconfirmed_not_shown_as_is():
    first, _ = ask("đăng ký mẫu con dấu cần gì")
    basis = first["text"].splitlines()[-1]
    assert basis.startswith("Căn cứ: chưa xác nhận") and "Văn bản quy định" not in basis


@pytest.mark.parametrize("text", both("tạm trú của tôi hết hạn tuần trước"))
def test_expired_without_a_question_word(text):
    assert "trước khi hết hạn" in ask(text)[0]["text"]


@pytest.mark.parametrize("text", both("sắp hết hạn tạm trú thì làm gì"))
def test_about_to_expire_is_the_renewal(text):
    body = ask(text)[0]["text"]
    assert "Gia hạn tạm trú" in body.splitlines()[0] and "không làm gia hạn được nữa" not in body


@pytest.mark.parametrize("text", both("chuyển hộ khẩu về nhà chồng cần gì", "đăng ký thường trú cho con mới sinh cần giấy tờ gì"))
def test_an_aspect_asked_is_not_overridden_by_a_fact_or_a_typo_cue(text):
    assert ask(text)[0]["text"].startswith("Dạ, giấy tờ cần có — Đăng ký thường trú")


@pytest.mark.parametrize("text", both("xóa tạm trú có phải đến công an không"))
def test_online_only_procedure(text):
    body = ask(text)[0]["text"]
    assert "Không phải đến" in body and "58/2026" in body


@pytest.mark.parametrize("text", both("sổ hộ khẩu còn dùng được không"))
def test_a_family_question_the_catalogue_cannot_answer_says_so(text):
    first, _ = ask(text)
    assert "chưa có thông tin chính thức" in first["text"] and "1800 1096" in first["text"]
    assert len(first["buttons"]) >= 2  # the family's procedures


@pytest.mark.parametrize("text", both("nhà em thường trú ở xã biên giới, làm lý lịch tư pháp có mất tiền không",
                                      "em là sinh viên làm lý lịch tư pháp có mất phí không"))
def test_no_plain_yes_on_the_fee_for_a_group_the_fee_treats_apart(text):
    body = ask(text)[0]["text"]
    assert "có mất lệ phí ạ" not in body and "100.000" in body and "biên giới" in body


@pytest.mark.parametrize("text", both("làm lý lịch tư pháp có mất phí không"))
def test_a_plain_fee_question_still_gets_its_yes(text):
    assert "có mất lệ phí ạ" in ask(text)[0]["text"]


@pytest.mark.parametrize("text, previous, expected", [
    *[(t, None, "csgt.vn") for t in both("làm sao biết xe mình có bị phạt nguội không")],
    *[(t, "khac.to_giac", "báo tin giả") for t in both("bị phạt bao nhiêu")],
    *[(t, "khac.phat_nguoi", "168/2024") for t in both("bị phạt bao nhiêu")],
])
def test_a_fine_is_the_one_of_the_procedure_asked_about(text, previous, expected):
    body = ask(text, previous=previous)[0]["text"]
    assert expected in body, body


@pytest.mark.parametrize("text", both("thuê trọ 2 tháng có cần đăng ký tạm trú không",
                                      "em thuê trọ ở thành phố được 2 tháng rồi, có cần đk tạm trú ko ạ"))
def test_a_fact_asked_by_its_own_phrase_beats_one_sharing_words(text):
    first, events = ask(text)
    assert first["text"].startswith("Dạ, về Đăng ký tạm trú: Có ạ"), first["text"]
    assert "công chứng" not in first["text"] and slot(events) == "cu_tru.tam_tru"


@pytest.mark.parametrize("text", both("ở nhờ nhà người quen 2 tuần thôi có phải khai báo tạm trú không"))
def test_a_situation_word_of_another_fact_does_not_answer_the_question_asked(text):
    """"ở nhờ" names a notarisation fact too; the question is whether to register at all."""
    body = ask(text)[0]["text"]
    assert body.startswith("Dạ, về Đăng ký tạm trú: Không bắt buộc") and "công chứng" not in body, body
