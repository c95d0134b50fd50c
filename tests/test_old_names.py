"""Old papers and old names (chứng minh thư, CMND, CCCD, công an huyện), with and without
diacritics: the first clause answers the question, from the catalogue."""
import pytest

from tests.test_procedure_answers import ask, both, slot


def clause(text):
    """The answer after the topic label of the first line."""
    return text.split("\n")[0].split(":", 1)[1].strip()


@pytest.mark.parametrize("text, opening, fact", [
    *[(t, "Không", "1/1/2025") for t in both("chứng minh nhân dân của bố tôi còn giá trị không",
                                            "chứng minh thư của mẹ tôi còn xài được không",
                                            "giấy CMND 9 số có dùng tiếp được không")],
    *[(t, "Có ạ", "1/1/2025") for t in both("chứng minh thư 9 số có phải đổi không")],
    *[(t, "Vẫn dùng được", "thời hạn") for t in both("thẻ căn cước công dân của tôi còn dùng được không")],
    *[(t, "Không bắt buộc", "thời hạn") for t in both("CCCD của tôi còn hạn thì có phải đổi không")],
])
def test_old_and_valid_cards_answered_first(text, opening, fact):
    """The nine-digit card ended on 1/1/2025 and must be changed; a CCCD stays valid until its
    expiry, so changing it is not compulsory."""
    body = ask(text)[0]["text"]
    assert clause(body).startswith(opening) and fact in body, body


@pytest.mark.parametrize("text, expected", [
    *[(t, "can_cuoc.cap_lan_dau") for t in both("con tôi chưa có chứng minh thư, làm lần đầu ở đâu")],
    *[(t, "can_cuoc.cap_lai") for t in both("mất CMND thì làm lại thế nào")],
    *[(t, "can_cuoc.duoi_14") for t in both("làm chứng minh thư cho con 7 tuổi cần gì")],
])
def test_old_names_of_the_card_name_the_procedures(text, expected):
    _, events = ask(text)
    assert slot(events) == expected


@pytest.mark.parametrize("text", both("ngày sinh trong dữ liệu cư trú của mẹ tôi ghi sai, sửa ở đâu"))
def test_wrong_residence_data_is_the_correction_procedure(text):
    first, events = ask(text)
    assert slot(events) == "cu_tru.dieu_chinh" and "cấp xã" in first["text"]
