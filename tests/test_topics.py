"""Two topics in one message (anninh.topics), asked with and without diacritics, through the real
action with the real catalogue: both named in the reply, the first answered, the other a button."""
import pytest

from anninh.resolver import get_resolver
from tests.test_procedure_answers import ask, both, slot


def titles(first):
    return [b["title"] for b in first["buttons"]]


@pytest.mark.parametrize("text, answered, offered", [
    *[(t, "cu_tru.tach_ho", "Đăng ký thường trú")
      for t in both("muốn tách hộ cho con trai đã lấy vợ rồi nhập khẩu cho cháu luôn")],
    *[(t, "can_cuoc.cap_lai", "Cấp tài khoản định danh điện tử mức độ 2")
      for t in both("bị mất thẻ căn cước thì làm lại, sau đó kích hoạt định danh mức 2 được không")],
])
def test_two_procedures_of_one_family_are_two_questions(text, answered, offered):
    first, events = ask(text)
    assert slot(events) == answered
    assert titles(first)[0] == offered and offered in first["text"]
    assert "chưa có thông tin chính thức" not in first["text"]


@pytest.mark.parametrize("text", both("làm căn cước cho con", "căn cước mất thì làm sao"))
def test_one_vague_name_still_asks_back(text):
    result = get_resolver().resolve(text)
    assert result.second is None


@pytest.mark.parametrize("text", both("đăng ký tạm trú cho cả nhà rồi làm căn cước cho con 16 tuổi"))
def test_an_age_at_or_above_the_limit_rules_out_the_under_14_procedure(text):
    first, events = ask(text)
    body = first["text"] + " ".join(titles(first))
    assert "dưới 14 tuổi" not in body
    assert "Đăng ký tạm trú" in body and "Cấp thẻ căn cước lần đầu" in body


@pytest.mark.parametrize("text", both("làm căn cước cho con 8 tuổi cần gì"))
def test_a_young_age_keeps_the_under_14_procedure(text):
    _, events = ask(text)
    assert slot(events) == "can_cuoc.duoi_14"


@pytest.mark.parametrize("text, answered, offered", [
    *[(t, "Cấp Giấy chứng nhận", "Phòng cháy, chữa cháy") for t in both(
        "mở quán karaoke cần giấy an ninh trật tự với pccc gì",
        "mở quán karaoke thì cần giấy phép antt và pccc những gì",
        "mở quán karaoke cần giấy pccc gì",
        "kinh doanh cầm đồ cần giấy an ninh trật tự và phòng cháy chữa cháy không")],
    *[(t, "Cấp Phiếu lý lịch tư pháp", "Cấp hộ chiếu phổ thông") for t in both(
        "đi xuất khẩu lao động cần hộ chiếu với lý lịch tư pháp",
        "đi xkld thì cần làm hộ chiếu và lý lịch tư pháp ạ")],
])
def test_two_topics_named_by_a_business_or_a_need(text, answered, offered):
    first, _ = ask(text)
    assert answered in first["text"].splitlines()[0], first["text"]
    assert "…" not in first["text"].splitlines()[0]  # the topic answered is named in full
    assert offered in first["text"]  # the other topic is named in the reply ...
    assert first["buttons"][0]["title"] == offered  # ... and offered as the first button


@pytest.mark.parametrize("text", both("mở quán cafe thì pccc cần gì", "làm căn cước ở cơ quan nào"))
def test_a_shop_or_an_agency_is_not_the_former_district(text):
    assert "Công an huyện" not in ask(text)[0]["text"]


@pytest.mark.parametrize("text", ["làm căn cước ở quận nào", "làm căn cước ở công an quan nao"])
def test_the_former_district_is_still_corrected(text):
    assert "không còn Công an huyện" in ask(text)[0]["text"]
