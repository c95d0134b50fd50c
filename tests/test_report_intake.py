"""anninh.reports.intake on what citizens really type: with and without diacritics, teencode, polite
particles; and the editors' word file (content/report_form.yml) with its errors."""
import pytest

from anninh.content import ContentError
from anninh.reports.intake import load_form_words


@pytest.fixture(scope="module")
def w():
    return load_form_words()


@pytest.mark.parametrize("text,kind", [
    ("tố giác", "to_giac"), ("to giac", "to_giac"), ("TỐ GIÁC", "to_giac"),
    ("em muốn tố giác một vụ trộm chó ở bản Nà Rạo", "to_giac"),
    ("tôi muốn tố cáo hàng xóm đánh bạc", "to_giac"), ("to cao", "to_giac"),
    ("báo tin", "tin_bao"), ("bao tin cho cong an", "tin_bao"), ("em muốn trình báo mất xe", "tin_bao"),
    ("phản ánh", "phan_anh"), ("phan anh quan karaoke hat khuya", "phan_anh"), ("phản ảnh", "phan_anh"),
    ("góp ý", "kien_nghi"), ("gop y ve thu tuc", "kien_nghi"), ("kiến nghị", "kien_nghi"),
    ("kien nghi lam den duong", "kien_nghi"),
    ("phản ánh việc tố giác bị bỏ qua", "phan_anh"),  # the first word said wins
])
def test_kind_words(w, text, kind):
    assert w.kind_of(text) == kind


@pytest.mark.parametrize("text", ["xin chào", "bị mất trộm xe máy", "cho hỏi làm căn cước", "tổ 5"])
def test_no_kind_in_other_messages(w, text):
    assert w.kind_of(text) is None


@pytest.mark.parametrize("text", ["tôi muốn gửi ẩn danh", "ẩn danh", "an danh nhe", "giấu tên",
                                  "giau ten giup em", "không để tên", "khong de ten dc ko",
                                  "em không muốn để lại tên", "Ẩn Danh ạ"])
def test_anonymous(w, text):
    assert w.is_anonymous(text)


@pytest.mark.parametrize("text", ["không", "ko", "khong a", "k", "thôi", "không cần đâu"])
def test_declining_the_contact_question(w, text):
    assert w.declines(text) or w.is_anonymous(text) or text == "không cần đâu"


def test_anonymity_is_not_a_name(w):
    assert not w.is_anonymous("Nguyễn Văn An 0912345678")
    assert w.parse_contact("tôi muốn gửi ẩn danh") is None


@pytest.mark.parametrize("text,name,phone", [
    ("Nguyễn Văn An 0912345678", "Nguyễn Văn An", "0912345678"),
    ("nguyen van an 0912 345 678", "Nguyen Van An", "0912345678"),
    ("tên tôi là Lò Thị Mai", "Lò Thị Mai", None),
    ("0987654321", None, "0987654321"),
    ("sdt 0987.654.321 ten Hoang A Pao", "Hoang A Pao", "0987654321"),
    ("tên Hoàng Thị B sđt 0987 654 321", "Hoàng Thị B", "0987654321"),
    ("Nông Văn Dền", "Nông Văn Dền", None),
    ("Hoàng Văn Thụ, 0912345678 ạ", "Hoàng Văn Thụ", "0912345678"),
    ("+84912345678", None, "0912345678"),
    ("em là Triệu Thị Hoa, đt 0203 3852 111", "Triệu Thị Hoa", "02033852111"),
])
def test_contact(w, text, name, phone):
    assert w.parse_contact(text) == {"name": name, "phone": phone}


@pytest.mark.parametrize("text", ["có người đánh nhau ngoài chợ", "ok", "tôi muốn gửi ẩn danh",
                                  "để sau", "chua biet", "ở xóm 3 có 12 người", "có"])
def test_anything_else_is_not_a_contact(w, text):
    assert w.parse_contact(text) is None


@pytest.mark.parametrize("text", ["gửi", "Gửi", "gui", "gửi đi ạ", "đồng ý", "dong y", "ok", "OK em",
                                  "ừ", "u", "ừ gửi đi", "oke", "được", "dc", "xác nhận", "đúng rồi"])
def test_confirmations(w, text):
    assert w.confirms(text)


@pytest.mark.parametrize("text", ["a", "ạ", "gửi ảnh hiện trường", "không", "sửa địa điểm", ""])
def test_not_confirmations(w, text):
    assert not w.confirms(text)


@pytest.mark.parametrize("text,cancel", [("hủy", True), ("huy", True), ("thoi huy di", True),
                                         ("không gửi nữa ạ", True), ("dừng lại", True),
                                         ("hủy hoại tài sản của nhà tôi", False),
                                         ("thôi việc ở công ty", False)])
def test_cancel_commands(w, text, cancel):
    assert w.is_cancel(text) is cancel


@pytest.mark.parametrize("text,done", [("xong", True), ("không có", True), ("khong co anh", True),
                                       ("ko", True), ("hết rồi ạ", True), ("có", False)])
def test_no_more_files(w, text, done):
    assert w.no_more_files(text) is done


def test_messages_are_filled(w):
    assert "xã Hòa An" in w.message("commune_found", commune="xã Hòa An")


def _write(tmp_path, text):
    path = tmp_path / "report_form.yml"
    base = (load_form_words.__wrapped__.__globals__["FORM_FILE"]).read_text(encoding="utf-8")
    path.write_text(base.replace("kind_words:\n", text, 1), encoding="utf-8")
    return path


def test_an_unknown_kind_names_file_and_entry(tmp_path):
    path = _write(tmp_path, "kind_words:\n  to_giac_x:\n    - abc\n")
    with pytest.raises(ContentError) as caught:
        load_form_words(path)
    assert "report_form.yml" in str(caught.value) and "kind_words" in str(caught.value)


def test_an_empty_phrase_names_the_field(tmp_path):
    path = tmp_path / "report_form.yml"
    base = load_form_words.__wrapped__.__globals__["FORM_FILE"].read_text(encoding="utf-8")
    path.write_text(base.replace("  - ẩn danh\n", "  - '...'\n", 1), encoding="utf-8")
    with pytest.raises(ContentError, match="anonymous"):
        load_form_words(path)
