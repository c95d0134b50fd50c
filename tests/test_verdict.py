"""A yes or no before an aspect answer (anninh.verdict), with and without diacritics,
through the real action with the real catalogue and texts."""
import pytest

from tests.test_procedure_answers import ask, both, slot


def first_line(text):
    return text.split("\n")[0]


@pytest.mark.parametrize("text, previous", [
    *[(t, None) for t in both("có nộp hồ sơ tách hộ trực tuyến được không")],
    *[(t, "cu_tru.thuong_tru") for t in both("nộp qua mạng được không ạ")],
])
def test_online_yes_when_the_procedure_is_filed_online(text, previous):
    first, _ = ask(text, previous=previous)
    assert "được ạ" in first_line(first["text"]).lower()
    assert "VNeID" in first["text"]


@pytest.mark.parametrize("text", both("đăng ký con dấu làm online được không"))
def test_no_online_verdict_when_unconfirmed(text):
    first, _ = ask(text)
    assert "Được ạ" not in first["text"] and "chưa được xác nhận" in first["text"]


@pytest.mark.parametrize("text, verdict", [
    *[(t, "có mất lệ phí ạ") for t in both("đổi hộ chiếu có tốn tiền không")],
    *[(t, "không mất lệ phí") for t in both("khai báo tạm vắng có mất phí không")],
])
def test_fee_at_all(text, verdict):
    first, _ = ask(text)
    assert verdict in first_line(first["text"]).lower()


@pytest.mark.parametrize("text", both("thu hồi biển số xe khi xe hết niên hạn có mất phí không"))
def test_a_fact_found_by_words_only_does_not_beat_the_fee_asked(text):
    first, events = ask(text)
    assert slot(events) == "xe.thu_hoi"
    assert "không mất lệ phí" in first["text"].lower() and "giữ lại số biển" not in first["text"]


@pytest.mark.parametrize("text", both("đăng ký tạm trú có được miễn phí không"))
def test_no_fee_verdict_for_an_exemption_question(text):
    assert "Có ạ." not in ask(text)[0]["text"]


@pytest.mark.parametrize("text", both("học sinh xin phiếu lý lịch tư pháp có được giảm phí không"))
def test_reduced_fee_fact(text):
    body = ask(text)[0]["text"]
    assert "Được giảm" in first_line(body) and "100.000" in body


@pytest.mark.parametrize("text", both("lên công an quận làm tách hộ được không"))
def test_former_district_police_is_a_no_then_where(text):
    first, events = ask(text)
    assert slot(events) == "cu_tru.tach_ho"
    assert "Không ạ" in first_line(first["text"]) and "cấp xã" in first["text"]
