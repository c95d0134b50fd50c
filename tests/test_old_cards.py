"""Still-valid and old ID cards: a yes/no from the card-change procedure's facts (the procedure
reference: a CCCD stays valid until its printed expiry; CMND ended on 1/1/2025), and the
conversation goes on about can_cuoc.cap_doi, never cap_lai."""
import pytest

from tests.test_procedure_answers import ask, both, slot


@pytest.mark.parametrize("text, previous", [
    *[(t, None) for t in both(
        "CCCD còn hạn (đến 2030) có bắt buộc đổi sang thẻ căn cước mới không",
        "căn cước công dân của e còn hạn đến 2030 thì có phải đổi sang thẻ mới k",
        "thẻ căn cước gắn chip cũ có phải đổi không")],
    *[(t, "can_cuoc.cap_lai") for t in both("cccd cũ có bắt buộc đổi sang căn cước không",
                                            "CCCD còn hạn có phải đổi ko a")],
])
def test_a_valid_cccd_need_not_be_changed(text, previous):
    first, events = ask(text, previous=previous)
    assert first["text"].startswith("Dạ, về Cấp đổi thẻ căn cước: Không bắt buộc ạ"), first["text"]
    assert "hết thời hạn in trên thẻ" in first["text"]
    assert slot(events) == "can_cuoc.cap_doi"


@pytest.mark.parametrize("text, previous", [
    *[(t, None) for t in both("thẻ gắn chip cũ còn dùng được không", "the chip cu con dung dc k")],
    *[(t, "can_cuoc.cap_lai") for t in both("thẻ chip cũ còn dùng đc ko")],
])
def test_an_old_chip_card_is_still_valid(text, previous):
    first, events = ask(text, previous=previous)
    assert first["text"].startswith("Dạ, về Cấp đổi thẻ căn cước: Vẫn dùng được ạ"), first["text"]
    assert slot(events) == "can_cuoc.cap_doi"


@pytest.mark.parametrize("text, previous, expected", [
    *[(t, None, "Không còn dùng được ạ") for t in both(
        "cmnd 12 số còn dùng được không", "chứng minh thư 9 số còn dùng dc k")],
    *[(t, "can_cuoc.cap_lai", "Không còn dùng được ạ") for t in both(
        "chứng minh thư 9 số còn dùng được không")],
    *[(t, None, "Có ạ") for t in both("CMND có phải đổi sang thẻ căn cước không")],
])
def test_a_cmnd_ended_on_the_date_of_the_reference(text, previous, expected):
    first, events = ask(text, previous=previous)
    body = first["text"]
    assert body.startswith(f"Dạ, về Cấp đổi thẻ căn cước: {expected}"), body
    assert "1/1/2025" in body
    assert slot(events) == "can_cuoc.cap_doi"
