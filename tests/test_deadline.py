"""The citizen's deadline ("hạn chót", "chậm nhất", "trước bao nhiêu ngày") is not the office's
processing time ("mất bao lâu", "bao lâu thì có"): facts of ``kind: deadline`` answer the first."""
import pytest

from anninh.fact_context import already_expired
from anninh.resolver import get_resolver
from anninh.text import normalize
from tests.test_procedure_answers import ask, both, slot

PROCESSING = "Thời hạn giải quyết"


@pytest.mark.parametrize("text, procedure, expected", [
    *[(t, "cu_tru.thuong_tru", "60 ngày") for t in both(
        "hạn chót đăng ký thường trú cho con mới sinh là khi nào",
        "bé mới sinh thì chậm nhất bao lâu phải nhập khẩu cho bé",
        "con mới đẻ phải đk thường trú trong vòng bao nhiêu ngày vậy a")],
    *[(t, "cu_tru.gia_han_tam_tru", "15 ngày trước") for t in both(
        "gia hạn tạm trú phải làm trước bao nhiêu ngày",
        "tạm trú của e sắp hết hạn, phải gia hạn trước mấy ngày ạ")],
    *[(t, "cu_tru.xoa_thuong_tru", "7 ngày") for t in both(
        "bố em mất rồi, xóa thường trú phải làm trong bao lâu",
        "xoá đăng ký thường trú hạn chót là mấy ngày")],
    *[(t, "cu_tru.xoa_tam_tru", "7 ngày") for t in both(
        "chuyển đi rồi thì xóa tạm trú chậm nhất bao lâu")],
    *[(t, "cu_tru.luu_tru", "23 giờ") for t in both(
        "báo lưu trú cho khách chậm nhất là mấy giờ",
        "khách đến chơi thì phải thông báo lưu trú trước mấy giờ ạ")],
    *[(t, "khac.ho_chieu", "2 ngày làm việc") for t in both(
        "mất hộ chiếu thì phải báo trong bao lâu",
        "bị mất hộ chiếu, hạn chót báo mất là bao lâu ạ")],
])
def test_a_deadline_question_gets_the_deadline(text, procedure, expected):
    first, events = ask(text)
    body = first["text"]
    assert expected in body, body
    assert PROCESSING.lower() not in body.splitlines()[0].lower(), body
    assert slot(events) == procedure


@pytest.mark.parametrize("text, expected", [
    *[(t, "8 ngày làm việc") for t in both("làm hộ chiếu mất bao lâu",
                                          "làm hộ chiếu bao lâu thì có ạ")],
    *[(t, "7 ngày làm việc") for t in both("đăng ký thường trú mấy ngày thì xong",
                                          "nhập khẩu cho con trong bao lâu thì có kết quả")],
])
def test_how_long_it_takes_is_still_the_processing_time(text, expected):
    body = ask(text)[0]["text"]
    assert body.startswith("Dạ, thời hạn giải quyết"), body
    assert expected in body


@pytest.mark.parametrize("text", both("hạn chót là khi nào", "chậm nhất mấy giờ phải báo ạ"))
def test_a_deadline_asked_after_an_answer(text):
    body = ask(text, previous="cu_tru.luu_tru")[0]["text"]
    assert "23 giờ" in body and "8 giờ sáng" in body, body


@pytest.mark.parametrize("text", both("đăng ký tạm trú hạn chót là khi nào"))
def test_no_deadline_known_says_so_instead_of_the_processing_time(text):
    body = ask(text)[0]["text"]
    assert "hạn chót" in body and "3 ngày làm việc" not in body, body


@pytest.mark.parametrize("text", ["quá hạn bao lâu thì bị phạt", "qua han may ngay thi sao"])
def test_asking_how_late_is_not_saying_it_has_expired(text):
    resolver = get_resolver()
    assert not already_expired(normalize(text, resolver.abbreviations))


@pytest.mark.parametrize("text", both(
    "nhà có khách ở nhờ mấy hôm, báo lưu trú thế nào",
    "bạn e về chơi mấy hôm thì khai báo lưu trú ntn",
    "có người thân đến ở mấy ngày, báo lưu trú làm sao ạ",
    "nhà có khách ở lại vài hôm thì báo lưu trú cách nào"))
def test_how_long_a_guest_stays_is_the_situation_not_the_question(text):
    first, events = ask(text)
    assert first["text"].startswith("Dạ, các bước — Thông báo lưu trú"), first["text"]
    assert slot(events) == "cu_tru.luu_tru"


@pytest.mark.parametrize("text", both("em đi vắng mấy ngày có cần khai báo tạm vắng k"))
def test_a_stay_counted_in_a_yes_no_question_gets_the_rule(text):
    body = ask(text)[0]["text"]
    assert "12 tháng" in body and PROCESSING.lower() not in body.lower(), body


@pytest.mark.parametrize("text", both("bán xe rồi thì chậm nhất bao lâu phải làm thu hồi",
                                      "ban xe xong thi thu hoi trong bao lau"))
def test_an_unconfirmed_deadline_says_so(text):
    first, events = ask(text)
    assert "30 ngày" in first["text"] and "chưa được xác nhận" in first["text"], first["text"]
    assert slot(events) == "xe.thu_hoi"


@pytest.mark.parametrize("text", both("tạm trú hết hạn trước mấy ngày thì phải gia hạn"))
def test_before_expiry_is_a_deadline_not_an_expired_stay(text):
    first, events = ask(text)
    assert "15 ngày trước" in first["text"] and "Không gia hạn được" not in first["text"]
    assert slot(events) == "cu_tru.gia_han_tam_tru"


@pytest.mark.parametrize("text", both("làm lại thẻ căn cước mấy ngày", "hộ chiếu gửi về mấy ngày"))
def test_a_count_of_days_after_the_procedure_is_still_the_processing_time(text):
    assert ask(text)[0]["text"].startswith("Dạ, thời hạn giải quyết")


@pytest.mark.parametrize("text", both("thẻ tạm trú có giá trị trong bao lâu",
                                      "đăng ký tạm trú có hiệu lực trong bao lâu"))
def test_how_long_it_stays_valid_is_neither_deadline_nor_processing_time(text):
    body = ask(text)[0]["text"]
    assert "2 năm" in body.splitlines()[0] and "hạn chót" not in body, body


@pytest.mark.parametrize("text", both("nộp hồ sơ hộ chiếu xong trong bao lâu thì nhận được"))
def test_when_the_result_comes_is_the_processing_time(text):
    assert ask(text)[0]["text"].startswith("Dạ, thời hạn giải quyết")
