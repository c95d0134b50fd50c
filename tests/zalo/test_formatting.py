import random
import re

import pytest

from channels.zalo.formatting import (chunk_buttons, map_button, plan_text_with_buttons, split_text,
                                      text_units, truncate_title)

WORDS = "Công dân đăng ký tạm trú tại Công an cấp xã nơi mình dự kiến tạm trú trong thời hạn quy định".split()


def _words(text):
    return re.findall(r"\S+", text)


def _check(text, chunks, limit):
    assert all(text_units(c) <= limit for c in chunks)
    assert _words(" ".join(chunks)) == _words(text)  # nothing lost, no word cut


def test_short_text_is_one_chunk():
    assert split_text("  xin chào  ") == ["xin chào"]
    assert split_text("") == []


def test_splits_at_paragraphs_first():
    para = " ".join(WORDS * 8)  # ~600 chars
    text = "\n\n".join([para] * 5)
    chunks = split_text(text, 2000)
    _check(text, chunks, 2000)
    assert "\n\n".join(chunks) == text  # cut only between paragraphs
    per_chunk = (2000 + 2) // (len(para) + 2)
    assert len(chunks) == -(-5 // per_chunk)


def test_splits_at_sentences_when_no_paragraph():
    sentence = " ".join(WORDS) + "."
    text = " ".join([sentence] * 40)  # ~3900 chars, one paragraph
    chunks = split_text(text, 2000)
    _check(text, chunks, 2000)
    assert all(c.endswith(".") for c in chunks)


def test_never_cuts_mid_word_without_punctuation():
    rnd = random.Random(7)
    text = " ".join(rnd.choice(WORDS) for _ in range(1500))
    chunks = split_text(text, 2000)
    _check(text, chunks, 2000)
    assert len(chunks) >= 4


def test_single_overlong_word_is_cut_as_last_resort():
    url = "https://example.vn/" + "a" * 2500
    chunks = split_text(url, 2000)
    assert [len(c) for c in chunks] == [2000, 519]


def test_emoji_count_twice():
    text = ("😀 " * 1500).strip()
    chunks = split_text(text, 2000)
    assert all(text_units(c) <= 2000 for c in chunks)
    assert _words(" ".join(chunks)) == _words(text)


def test_truncate_title():
    assert truncate_title("Lệ phí") == "Lệ phí"
    long = " ".join(WORDS * 3)
    short = truncate_title(long)
    assert len(short) <= 100 and short.endswith("…") and long.startswith(short[:-1])


def test_intent_payload_button():
    b = map_button({"title": "Tạm trú", "payload": '/ask_procedure{"procedure":"cu_tru.tam_tru"}'})
    assert b == {"title": "Tạm trú", "type": "oa.query.show", "payload": '/ask_procedure{"procedure":"cu_tru.tam_tru"}'}


@pytest.mark.parametrize("button", [
    {"title": "DVC", "type": "web_url", "url": "https://dichvucong.gov.vn"},
    {"title": "DVC", "url": "https://dichvucong.gov.vn"},
    {"title": "DVC", "payload": "https://dichvucong.gov.vn"},
])
def test_url_buttons(button):
    assert map_button(button) == {"title": "DVC", "type": "oa.open.url", "payload": {"url": "https://dichvucong.gov.vn"}}


@pytest.mark.parametrize("button", [
    {"title": "Gọi", "type": "phone_number", "payload": "1800 1096"},
    {"title": "Gọi", "payload": "tel:1800-1096"},
])
def test_phone_buttons(button):
    assert map_button(button) == {"title": "Gọi", "type": "oa.open.phone", "payload": {"phone_code": "18001096"}}


def test_explicit_zalo_type_passes_through_and_missing_payload_uses_title():
    assert map_button({"title": "SMS", "type": "oa.open.sms", "payload": {"content": "x", "phone_code": "1"}})["type"] == "oa.open.sms"
    assert map_button({"title": "Có"}) == {"title": "Có", "type": "oa.query.show", "payload": "Có"}


@pytest.mark.parametrize("n,sizes", [(1, [1]), (5, [5]), (6, [3, 3]), (7, [4, 3]), (11, [4, 4, 3]), (0, [])])
def test_chunk_buttons_evenly(n, sizes):
    groups = chunk_buttons([{"i": i} for i in range(n)], 5)
    assert [len(g) for g in groups] == sizes
    assert [b["i"] for g in groups for b in g] == list(range(n))


def test_plan_many_buttons_and_long_text():
    text = " ".join(WORDS * 60)
    buttons = [{"title": f"B{i}", "payload": f"/b{i}"} for i in range(7)]
    messages = plan_text_with_buttons(text, buttons, 2000, 5, "Các lựa chọn khác:")
    assert "attachment" not in messages[0]
    with_buttons = [m for m in messages if "attachment" in m]
    assert [len(m["attachment"]["payload"]["buttons"]) for m in with_buttons] == [4, 3]
    assert messages[-1]["text"] == "Các lựa chọn khác:"
    assert all(len(m["text"]) <= 2000 for m in messages)
