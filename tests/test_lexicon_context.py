"""Abbreviations that collide with ordinary words typed without diacritics: "ca" is công an only
next to an administrative unit or a verb like "báo", "gọi", or at the end; "cat" is not one."""
import pytest

from anninh.lexicon import load_lexicon
from anninh.resolver import get_resolver
from anninh.text import normalize
from tests.test_procedure_answers import ask, both, slot


def words(text):
    return " ".join(normalize(text, load_lexicon().abbreviations))


@pytest.mark.parametrize("text, expected", [
    # the police in context
    ("ca xã bảo lạc", "cong an xa bao lac"),
    ("sdt ca phuong song hien", "so dien thoai cong an phuong song hien"),
    ("ca huyen cu", "cong an huyen cu"),
    ("len ca hoi", "len cong an hoi"),
    ("muốn báo ca", "muon bao cong an"),
    # ordinary words elsewhere
    ("dang ky cho ca nha", "dang ki cho ca nha"),
    ("ca ngay khong ai nghe may", "ca ngay khong ai nghe may"),
    ("mat ca vet xe", "mat ca vet xe"),
    ("ma so thue ca nhan", "ma so thue ca nhan"),
    ("cat khau cho me", "cat khau cho me"),
])
def test_ca_is_the_police_only_in_context_and_cat_never(text, expected):
    assert words(text) == expected


@pytest.mark.parametrize("text", both("ông nội em mất rồi, cắt khẩu cho ông làm ở đâu"))
def test_cat_khau_is_a_procedure_not_the_provincial_police(text):
    _, events = ask(text)
    assert slot(events) == "cu_tru.xoa_thuong_tru"


@pytest.mark.parametrize("text", both("làm căn cước cho cả nhà có được không", "đăng ký tạm trú ở ca xã nào"))
def test_the_procedure_is_still_found(text):
    result = get_resolver().resolve(text)
    assert result.procedure or result.candidates
