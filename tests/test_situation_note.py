"""A fact about the situation the citizen names, as a note on the aspect they ask for
(anninh.situation_note), with and without diacritics."""
import pytest

from tests.test_procedure_answers import ask, both


@pytest.mark.parametrize("text", both("bé nhà tôi mới sinh được ba tuần, nhập hộ khẩu cho bé các bước ra sao"))
def test_a_newborn_gets_the_60_day_rule_with_the_steps(text):
    lines = ask(text)[0]["text"].split("\n")
    assert lines[0].startswith("Dạ, các bước — Đăng ký thường trú")
    assert lines[1].startswith("Lưu ý:") and "60 ngày" in lines[1]


@pytest.mark.parametrize("text", both("ở nhà thuê muốn đăng ký thường trú thì mang những gì"))
def test_the_note_keeps_the_rule_without_the_verdict(text):
    note = ask(text)[0]["text"].split("\n")[1]
    assert note.startswith("Lưu ý: Đăng ký thường trú ở nhà thuê") and "Có ạ" not in note


@pytest.mark.parametrize("text", both("đăng ký tạm trú cần gì", "hộ chiếu làm mất bao lâu"))
def test_no_note_without_a_situation(text):
    assert "Lưu ý:" not in ask(text)[0]["text"]
