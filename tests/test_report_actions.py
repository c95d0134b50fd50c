"""The report form's actions with CollectingDispatcher, trackers built here, the real domain and a
real SQLite database file: submission, codes, privacy of lookups, cancel, correction."""
import asyncio
import re

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions.reports as reports
from actions.report_form import (ActionAskReportConfirmed, ActionCancelReport, ActionCorrectReport,
                                 ValidateReportForm)
from actions.report_status import ActionCheckReportStatus
from actions.report_submit import ActionSubmitReport
from anninh.reports.intake import load_form_words
from tests.test_actions import DOMAIN


@pytest.fixture(autouse=True)
def database(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTS_DB_URL", f"sqlite:///{tmp_path / 'reports.db'}")
    reports.store.cache_clear()
    yield tmp_path / "reports.db"
    reports.store().close()
    reports.store.cache_clear()


def tracker(text="", intent="affirm", slots=None, sender="oa1:user1", entities=(), metadata=None,
            channel="zalo"):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": [{"entity": e, "value": v} for e, v in entities],
              "metadata": {"zalo": metadata} if metadata else {}}
    events = [{"event": "user", "parse_data": latest, "input_channel": channel,
               "metadata": latest["metadata"]}]
    return Tracker(sender, slots or {}, latest, events, False, None, {}, "action_listen")


FILLED = {"report_kind": "to_giac", "report_description": "Có người gọi điện giả danh công an "
          "bắt chuyển 20 triệu đồng vào tài khoản lạ", "report_place": "thôn Nà Lạn, xã Hưng Đạo",
          "report_time": "tối qua", "report_evidence": "done",
          "report_attachments": [{"url": "http://127.0.0.1:9/x.jpg", "type": "image"}],
          "report_contact": {"anonymous": True}, "report_confirmed": True}


def run(action, t):
    dispatcher = CollectingDispatcher()
    result = action.run(dispatcher, t, DOMAIN)
    if asyncio.iscoroutine(result):
        result = asyncio.run(result)
    return dispatcher.messages, result


def submit(sender="oa1:user1", **overrides):
    messages, events = run(ActionSubmitReport(), tracker(slots={**FILLED, **overrides}, sender=sender))
    code = re.search(r"\b(TG|TB|PA|KN)-\d{4}-\d{6}\b", messages[0]["text"]).group()
    return code, messages, events


def test_submit_stores_the_report_and_gives_a_code_and_the_time_limit(database):
    code, messages, events = submit()
    assert code.startswith("TG-")
    assert "20 ngày" in messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "report_description", "value": None} in events
    report = reports.store().get(code)
    assert report.unit == "Công an xã Hưng Đạo"          # from the commune named in the place
    assert report.anonymous and report.contact_phone is None
    assert [a.url for a in report.attachments] == ["http://127.0.0.1:9/x.jpg"]


def test_codes_are_unique_and_sequential():
    codes = [submit(sender=f"oa1:user{i}")[0] for i in range(3)]
    assert len(set(codes)) == 3
    assert [int(c[-6:]) for c in codes] == sorted(int(c[-6:]) for c in codes)


def test_a_retried_submit_gives_the_same_code_once():
    first, _, _ = submit(sender="oa1:retry")
    again, _, _ = submit(sender="oa1:retry")   # the same tracker sent again by Rasa
    assert first == again
    assert len(reports.store().list_reports()) == 1


def test_status_only_for_the_sender():
    code, _, _ = submit(sender="oa1:owner")
    mine, _ = run(ActionCheckReportStatus(), tracker(f"kết quả {code}", "check_report_status",
                                                     sender="oa1:owner"))
    other, _ = run(ActionCheckReportStatus(), tracker(f"kết quả {code}", "check_report_status",
                                                      sender="oa1:stranger"))
    unknown, _ = run(ActionCheckReportStatus(), tracker("kết quả TG-2026-999999",
                                                        "check_report_status", sender="oa1:stranger"))
    assert code in mine[0]["text"]
    assert other[0]["text"] == unknown[0]["text"] and code not in other[0]["text"]


def test_status_without_code_lists_my_reports():
    code, _, _ = submit(sender="oa1:me")
    messages, _ = run(ActionCheckReportStatus(), tracker("phản ánh của tôi", "check_report_status",
                                                         sender="oa1:me"))
    assert code in messages[0]["text"]


def test_location_and_attachments_from_zalo_metadata():
    form = ValidateReportForm()
    meta = {"location": {"latitude": 22.6657, "longitude": 106.2579}}
    t = tracker("/send_location", "send_location", slots={"requested_slot": "report_place"},
                metadata=meta)
    place = asyncio.run(form.extract_report_place(CollectingDispatcher(), t, DOMAIN))["report_place"]
    result = asyncio.run(form.validate_report_place(place, CollectingDispatcher(), t, DOMAIN))
    assert result["report_location"] == "22.6657,106.2579"
    meta = {"attachments": [{"type": "image", "url": "https://z/1.jpg"},
                            {"type": "sticker", "url": "https://z/s.png"}]}
    t = tracker("/send_attachment", "send_attachment", slots={"requested_slot": "report_evidence",
                                                              "report_attachments": []}, metadata=meta)
    result = asyncio.run(form.extract_report_attachments(CollectingDispatcher(), t, DOMAIN))
    assert result == {"report_attachments": [{"url": "https://z/1.jpg", "type": "image"}]}


def test_contact_anonymous_shared_or_typed():
    form = ValidateReportForm()
    asked = {"requested_slot": "report_contact"}
    anon = asyncio.run(form.extract_report_contact(CollectingDispatcher(), tracker("/deny", "deny",
                                                                                  slots=asked), DOMAIN))
    assert anon == {"report_contact": {"anonymous": True}}
    shared = asyncio.run(form.extract_report_contact(
        CollectingDispatcher(), tracker("/share_info", "share_info", slots=asked,
                                        metadata={"user_info": {"name": "Nông Văn A", "phone": "0912345678"}}),
        DOMAIN))
    assert shared == {"report_contact": {"name": "Nông Văn A", "phone": "0912345678"}}
    dispatcher = CollectingDispatcher()
    ask = asyncio.run(form.extract_report_contact(dispatcher, tracker("/share_info", "share_info",
                                                                      slots=asked), DOMAIN))
    assert ask == {} and dispatcher.messages[0]["custom"]["template_type"] == "request_user_info"
    assert load_form_words().parse_contact("tên Hoàng Thị B sđt 0987 654 321") == {"name": "Hoàng Thị B",
                                                                "phone": "0987654321"}


def test_short_description_is_asked_again():
    dispatcher = CollectingDispatcher()
    result = ValidateReportForm().validate_report_description("trộm xe", dispatcher, tracker(), DOMAIN)
    assert result == {"report_description": None}
    assert dispatcher.messages[0]["response"] == "utter_report_description_too_short"


def test_summary_masks_the_phone_and_offers_corrections():
    slots = {**FILLED, "report_contact": {"name": "Nông Văn A", "phone": "0912345678"}}
    messages, _ = run(ActionAskReportConfirmed(), tracker(slots=slots))
    assert "0912345678" not in messages[0]["text"] and "Nông Văn A" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads[0] == "/affirm" and payloads[-1] == "/cancel"
    assert '/correct_report{"report_field":"report_place"}' in payloads


def test_cancel_and_correct():
    messages, events = run(ActionCancelReport(), tracker("hủy", "cancel", slots=FILLED))
    assert messages[0]["response"] == "utter_report_cancelled"
    assert events[0] == {"event": "active_loop", "timestamp": None, "name": None}
    _, events = run(ActionCorrectReport(), tracker('/correct_report{"report_field":"report_time"}',
                                                   "correct_report", slots=FILLED,
                                                   entities=[("report_field", "report_time")]))
    names = {e["name"] for e in events}
    assert names == {"report_confirmed", "report_time"}


def test_the_form_slots_are_in_the_domain():
    form = DOMAIN["forms"]["report_form"]["required_slots"]
    assert set(form) <= set(DOMAIN["slots"]) and set(reports.FORM_SLOTS) <= set(DOMAIN["slots"])


def test_a_photo_during_the_evidence_step_is_kept_and_the_form_goes_on():
    form = ValidateReportForm()
    t = tracker("/send_attachment", intent="send_attachment", slots={"requested_slot": "report_evidence"},
                metadata={"attachments": [{"type": "image", "url": "https://photo.zdn.vn/a.jpg"}]})
    extracted = asyncio.run(form.extract_report_evidence(CollectingDispatcher(), t, DOMAIN))
    assert extracted == {"report_evidence": None}  # the form accepts the turn, asks again
    validated = asyncio.run(form.validate_report_evidence(None, CollectingDispatcher(), t, DOMAIN))
    assert validated["report_attachments"] == [{"url": "https://photo.zdn.vn/a.jpg", "type": "image"}]


def test_coordinates_of_a_zalo_location_survive_the_form_validation():
    form = ValidateReportForm()
    sent = tracker("/send_location", intent="send_location", slots={"requested_slot": "report_place"},
                   metadata={"location": {"latitude": 22.66568, "longitude": 106.2579}})
    place = asyncio.run(form.extract_report_place(CollectingDispatcher(), sent, DOMAIN))
    assert place == {"report_place": "Vị trí gửi qua Zalo (22.66568, 106.25790)"}
    validated = asyncio.run(form.validate_report_place(place["report_place"], CollectingDispatcher(), sent, DOMAIN))
    assert validated["report_location"] == "22.66568,106.2579"
    typed = tracker("thôn Nà Lạn", intent="report_crime", slots={"requested_slot": "report_place"})
    assert asyncio.run(form.validate_report_place("thôn Nà Lạn", CollectingDispatcher(), typed, DOMAIN)) == \
        {"report_place": "thôn Nà Lạn", "report_location": None}
