"""The report form's validation action on typed answers (issue 11, item 1), with the real domain,
content files and word lists; and the status reply's list of published results (item 7)."""
import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

import actions.reports as reports
from actions.report_form import ActionAskReportConfirmed, ActionAskReportKind, ValidateReportForm
from actions.report_status import ActionCheckReportStatus
from tests.test_actions import DOMAIN
from tests.test_report_actions import FILLED, run, submit, tracker


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTS_DB_URL", f"sqlite:///{tmp_path / 'reports.db'}")
    reports.store.cache_clear()
    yield
    reports.store().close()
    reports.store.cache_clear()


def extract(slot, text, intent="out_of_scope", slots=None, metadata=None):
    """What the form takes from ``text`` typed at the question for ``slot`` (None: not asked)."""
    dispatcher = CollectingDispatcher()
    t = tracker(text, intent, slots={"requested_slot": slot, **(slots or {})}, metadata=metadata)
    method = getattr(ValidateReportForm(), f"extract_{slot or 'report_kind'}")
    return asyncio.run(method(dispatcher, t, DOMAIN)), dispatcher.messages


@pytest.mark.parametrize("text,kind", [("tố giác", "to_giac"), ("to giac", "to_giac"),
                                       ("to cao", "to_giac"), ("bao tin", "tin_bao"),
                                       ("phan anh", "phan_anh"), ("góp ý", "kien_nghi"),
                                       ("kien nghi a", "kien_nghi")])
def test_a_typed_kind_is_the_answer(text, kind):
    assert extract("report_kind", text, "report_crime")[0] == {"report_kind": kind}


def test_the_kind_said_in_the_opening_message_is_not_asked_again():
    got, _ = extract(None, "em muốn tố giác một vụ trộm trâu ở bản Khuổi Khon", "report_crime")
    assert got == {"report_kind": "to_giac"}
    got, _ = extract(None, "toi muon phan anh quan karaoke hat den 2h sang", "feedback")
    assert got == {"report_kind": "phan_anh"}
    assert extract(None, "/report_crime", "report_crime")[0] == {}


def test_an_unclear_kind_is_asked_again_and_a_story_typed_instead_is_kept():
    got, messages = extract("report_kind", "cái này", "out_of_scope")
    assert got == {"report_kind": None} and "tố giác" in messages[0]["text"]
    story = "tối qua nhà em bị mất trộm con trâu ở bản Nà Rạo"
    got, _ = extract("report_kind", story, "report_crime")
    assert got == {"report_kind": None, "report_description": story}


def test_kind_buttons_are_built_from_the_content_without_braces_in_the_domain():
    messages, _ = run(ActionAskReportKind(), tracker())
    assert messages[0]["response"] == "utter_ask_report_kind"
    assert [b["title"] for b in messages[0]["buttons"]] == ["Tố giác tội phạm", "Tin báo về tội phạm",
                                                            "Phản ánh", "Kiến nghị"]
    assert messages[0]["buttons"][0]["payload"] == '/report_crime{"report_kind":"to_giac"}'
    import yaml
    from anninh import PROJECT_ROOT
    domain = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
    for name, variants in domain["responses"].items():
        for variant in variants:
            for button in variant.get("buttons") or []:
                assert "{" not in str(button.get("payload")), (name, button)


@pytest.mark.parametrize("text,intent", [
    ("Có thằng cầm dao chém người ở chợ Sóc Giang, đang chảy máu nhiều", "emergency"),
    ("bi moc tui o cho mat vi co can cuoc cong dan va 2 trieu", "ask_procedure"),
    ("quán karaoke đầu ngõ hát đến 2 giờ sáng đêm nào cũng vậy", "ask_procedure"),
    ("nha hang xom chay lon lam roi", "emergency"),
])
def test_a_description_is_kept_whatever_the_nlu_says(text, intent):
    got, messages = extract("report_description", text, intent)
    assert got == {"report_description": text}
    if intent == "emergency":  # the numbers at once, and the form goes on
        assert "113" in messages[0]["text"] or "114" in messages[0]["text"]
    else:
        assert messages == []


def test_a_cancel_command_is_not_an_answer():
    assert extract("report_description", "hủy", "cancel")[0] == {}
    text = "hủy hoại tài sản, đập phá cổng nhà tôi"  # the NLU may say cancel: still a description
    assert extract("report_description", text, "cancel")[0] == {"report_description": text}


def test_too_short_a_description_is_asked_again():
    dispatcher = CollectingDispatcher()
    got = ValidateReportForm().validate_report_description("mất xe", dispatcher, tracker(), DOMAIN)
    assert got == {"report_description": None}
    got = ValidateReportForm().validate_report_description("bị trộm xe máy", dispatcher, tracker(), DOMAIN)
    assert got == {"report_description": "bị trộm xe máy"}


@pytest.mark.parametrize("text", ["bản Nà Rạo, xã Hòa An", "ban na rao xa hoa an",
                                  "xóm 3, xa Hung Dao", "gần chợ Tà Lùng", "ở cổng trường"])
def test_a_place_is_kept_as_written(text):
    assert extract("report_place", text, "ask_procedure")[0] == {"report_place": text}


def test_the_summary_names_the_commune_found_in_the_place():
    messages, _ = run(ActionAskReportConfirmed(), tracker(slots={**FILLED, "report_place": "ban Na Rao, xa Hoa An"}))
    assert "ban Na Rao, xa Hoa An (thuộc xã Hòa An)" in messages[0]["text"]


def test_a_zalo_location_still_fills_the_place():
    got, _ = extract("report_place", "/send_location", "send_location",
                     metadata={"location": {"latitude": 22.6657, "longitude": 106.2579}})
    assert got == {"report_place": "Vị trí gửi qua Zalo (22.66570, 106.25790)"}


@pytest.mark.parametrize("text", ["tôi muốn gửi ẩn danh", "an danh", "giấu tên", "khong de ten",
                                  "không", "ko"])
def test_anonymity_typed(text):
    assert extract("report_contact", text, "out_of_scope")[0] == {"report_contact": {"anonymous": True}}


def test_a_name_and_phone_typed():
    got, _ = extract("report_contact", "Lý Văn Sáng 0912 345 678", "out_of_scope")
    assert got == {"report_contact": {"name": "Lý Văn Sáng", "phone": "0912345678"}}


def test_anything_else_at_the_contact_question_is_asked_again_not_stored_as_a_name():
    got, messages = extract("report_contact", "để em hỏi lại chồng đã", "out_of_scope")
    assert got == {"report_contact": None} and "ẩn danh" in messages[0]["text"]
    got, messages = extract("report_contact", "có", "affirm")
    assert got == {"report_contact": None} and "họ tên" in messages[0]["text"]


@pytest.mark.parametrize("text,intent", [("gửi", "send_attachment"), ("Gửi", "affirm"), ("đồng ý", "affirm"),
                                         ("ok", "affirm"), ("ừ", "out_of_scope"), ("dong y", "affirm"),
                                         ("gui di em", "out_of_scope")])
def test_typed_confirmation(text, intent):
    assert extract("report_confirmed", text, intent)[0] == {"report_confirmed": True}


def test_an_unclear_answer_at_the_summary_is_asked_again():
    got, messages = extract("report_confirmed", "để mai tính", "out_of_scope")
    assert got == {"report_confirmed": None} and "Gửi" in messages[0]["text"]
    assert extract("report_confirmed", "hủy", "cancel")[0] == {}


def test_more_story_at_the_evidence_question_is_added_to_the_description():
    got, _ = extract("report_evidence", "à em quên, tên trộm đi xe máy màu đỏ không biển số", "out_of_scope",
                     slots={"report_description": "Bị trộm con trâu tối qua"})
    assert got == {"report_evidence": "done", "report_description":
                   "Bị trộm con trâu tối qua à em quên, tên trộm đi xe máy màu đỏ không biển số"}
    assert extract("report_evidence", "khong co", "deny")[0] == {"report_evidence": "done"}


def test_the_filing_message_gives_the_code_and_how_to_ask_for_the_status():
    code, messages, _ = submit()
    assert f"tra cứu {code}" in messages[0]["text"]


def test_recently_published_results_survive_many_newer_unpublished_reports():
    store = reports.store()
    published = submit(sender="oa1:old")[0]
    store.transition(published, "in_progress", actor="officer1")
    store.transition(published, "resolved", actor="officer1")
    store.publish_result(published, "Đã xác minh, xử phạt hành chính người vi phạm.", actor="officer1")
    for i in range(60):
        submit(sender=f"oa1:new{i}")
    messages, _ = run(ActionCheckReportStatus(), tracker("tra cứu kết quả", "check_report_status",
                                                         sender="oa1:nobody"))
    assert "Đã xác minh, xử phạt hành chính" in messages[0]["text"]


def test_a_message_for_no_question_gets_the_question_again_not_silence():
    from tests.test_report_actions import tracker as make
    from rasa_sdk import Tracker

    def events_for(text, intent, slots):
        t = make(text, intent, slots=slots)
        t = Tracker(t.sender_id, {**t.slots, "requested_slot": slots["requested_slot"]}, t.latest_message,
                    t.events, False, None, {"name": "report_form"}, "action_listen")
        return asyncio.run(ValidateReportForm().run(CollectingDispatcher(), t, DOMAIN))

    events = events_for("/report_crime", "report_crime", {"requested_slot": "report_description"})
    assert {"event": "slot", "timestamp": None, "name": "report_description", "value": None} in events
    assert events_for("hủy", "cancel", {"requested_slot": "report_description"}) == []  # the cancel rule


@pytest.mark.parametrize("text,commune", [
    ("bản Nà Rạo, xã Hòa An", "hoa_an"), ("ban na rao xa hoa an", "hoa_an"),
    ("thon Na Pan xa Bao Lamm", "bao_lam"), ("xa Hoa Ann", "hoa_an"), ("xom 3 xa Hung Dap", "hung_dao"),
    ("to 5 phuong Tan Gian", "tan_giang"), ("xa Bao Lax", None),  # Bảo Lạc or Bảo Lâm: not guessed
    ("gần chợ Tà Lùng", None)])
def test_the_commune_of_a_place_with_typos_and_without_diacritics(text, commune):
    from anninh.places import find_commune

    found = find_commune(text)
    assert (found.id if found else None) == commune


@pytest.mark.parametrize("text,now", [
    ("co nguoi dang cam dao doa giet me con em o nha ben canh", True),
    ("nhà hàng xóm đang cháy, cứu với", True),
    ("tuần trước có người cầm dao dọa chém ở chợ, giờ đã bỏ đi", False),
    ("quan karaoke dang hat to qua", False),  # happening now, but no danger
])
def test_danger_happening_now_gets_the_numbers_even_when_the_nlu_says_otherwise(text, now):
    got, messages = extract("report_description", text, "report_crime")
    assert got == {"report_description": text}
    assert any("113" in (m.get("text") or "") for m in messages) is now
