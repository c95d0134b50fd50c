"""The Vietnamese tokenizer: exact offsets on the raw text, compounds, accent-free lemmas."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from components.vi_tokenizer import VietnameseTokenizer
from anninh.lexicon import LEXICON_DIR


@pytest.fixture(scope="module")
def tokenizer():
    return VietnameseTokenizer({**VietnameseTokenizer.get_default_config(),
                                "lexicon_dir": str(LEXICON_DIR)})


def tokens(tokenizer, text):
    return tokenizer.tokenize(Message(data={"text": text}), "text")


MESSAGES = [
    "Đăng ký tạm trú cần giấy tờ gì ạ?",
    "dang ky tam tru can giay to gi",
    "Cho e hỏi  thủ tục   sang tên xe máy 😊😊",
    "đk thường trú ko dc à ad",
    "Lệ phí làm CCCD bao nhiêu???",
    "xã Hoà An, huyện Hòa An cũ — số điện thoại?",
    "con tôi 5 tuổi làm căn cước được không",
    "Ｃăn cước",  # full-width letter
    "ĐĂNG KÝ THƯỜNG TRÚ",
    "e mới chuyển lên tp thuê trọ thì phải đk tạm trú ko ạ",
    "   ",
    "👍",
]


@pytest.mark.parametrize("text", MESSAGES)
def test_offsets_point_into_the_raw_text(tokenizer, text):
    previous_end = 0
    for t in tokens(tokenizer, text):
        assert text[t.start:t.end] == t.text
        assert t.start >= previous_end
        previous_end = t.end


def test_decomposed_unicode_keeps_offsets(tokenizer):
    import unicodedata
    text = unicodedata.normalize("NFD", "Đăng ký tạm trú ở đâu")
    toks = tokens(tokenizer, text)
    assert [t.lemma for t in toks] == ["dang_ki", "tam_tru", "o", "dau"]
    for t in toks:
        assert text[t.start:t.end] == t.text


def test_compounds_are_one_token_with_or_without_diacritics(tokenizer):
    with_marks = tokens(tokenizer, "Đăng ký tạm trú cần giấy tờ gì")
    without = tokens(tokenizer, "dang ky tam tru can giay to gi")
    assert [t.text for t in with_marks][:2] == ["Đăng ký", "tạm trú"]
    assert [t.text for t in without][:2] == ["dang ky", "tam tru"]
    assert [t.lemma for t in with_marks] == [t.lemma for t in without]
    assert [t.lemma for t in without] == ["dang_ki", "tam_tru", "can", "giay_to", "gi"]


def test_case_and_tone_placement_do_not_change_lemmas(tokenizer):
    assert [t.lemma for t in tokens(tokenizer, "ĐĂNG KÝ THƯỜNG TRÚ")] == ["dang_ki", "thuong_tru"]
    assert tokens(tokenizer, "hoà")[0].lemma == tokens(tokenizer, "hòa")[0].lemma == "hoa"
    assert tokens(tokenizer, "kí")[0].lemma == tokens(tokenizer, "ký")[0].lemma == "ki"


def test_teencode_is_expanded_in_the_lemma(tokenizer):
    toks = tokens(tokenizer, "đk thường trú ko dc à")
    assert [t.text for t in toks] == ["đk", "thường trú", "ko", "dc", "à"]
    assert [t.lemma for t in toks] == ["dang_ki", "thuong_tru", "khong", "duoc", "a"]
    assert tokens(tokenizer, "dk")[0].lemma == "dang_ki"


def test_punctuation_and_emoji_are_not_tokens(tokenizer):
    toks = tokens(tokenizer, "Cho e hỏi  thủ tục   sang tên xe máy 😊😊")
    assert all(any(ch.isalnum() for ch in t.text) for t in toks)
    assert "sang tên" in [t.text for t in toks]


def test_empty_or_emoji_only_message_gives_one_token(tokenizer):
    assert len(tokens(tokenizer, "👍")) == 1
    assert tokens(tokenizer, "👍")[0].text == "👍"
