"""The multi-turn held-out scorer (scripts/eval_multiturn.py): its rules and the set it scores.

The full run against the model is `scripts/eval_multiturn.py` itself (make test / make bench);
these tests pin the scoring rules documented in tests/multiturn_heldout.yml's header.
"""
import fnmatch
import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("eval_multiturn", ROOT / "scripts" / "eval_multiturn.py")
em = importlib.util.module_from_spec(_spec)
sys.modules["eval_multiturn"] = em  # dataclasses look their module up
_spec.loader.exec_module(em)


def test_heldout_set_covers_every_class_with_known_procedures():
    conversations = em.load_conversations(em.DEFAULT_DATA)
    assert len(conversations) >= 60
    assert {c.klass for c in conversations} == set(em.CLASSES)
    ids = set(em.procedure_titles())
    assert len(ids) >= 29
    for conv in conversations:
        assert 1 <= len(conv.turns) <= 4
        for turn in conv.turns:
            for pattern in turn.procedure:
                assert any(fnmatch.fnmatchcase(i, pattern) for i in ids), (conv.id, pattern)
    emergencies = [t for c in conversations for t in c.turns if t.emergency]
    assert len(emergencies) >= 10
    assert any(not em.norm(t.user) == t.user.lower() for t in emergencies)  # with diacritics
    assert any(em.norm(t.user) == t.user.lower() for t in emergencies)      # and without


def test_fresh_set_is_well_formed_and_separate_from_the_heldout_set():
    fresh = em.load_conversations(ROOT / "tests" / "multiturn_fresh.yml")
    assert len(fresh) >= 40 and {c.klass for c in fresh} == set(em.CLASSES)
    ids = set(em.procedure_titles())
    for conv in fresh:
        for turn in conv.turns:
            for pattern in turn.procedure:
                assert any(fnmatch.fnmatchcase(i, pattern) for i in ids), (conv.id, pattern)
    # Short follow-ups ("bao lau thi co") may coincide; longer messages are the writer's own.
    def long_messages(conversations):
        return {em.norm(t.user) for c in conversations for t in c.turns if len(t.user.split()) >= 6}
    assert not long_messages(em.load_conversations(em.DEFAULT_DATA)) & long_messages(fresh)


@pytest.mark.parametrize("text, expected", [
    ("Dạ, không cần ạ. Ở dưới 30 ngày thì không phải đăng ký.", "no"),
    ("Dạ, anh/chị không phải đăng ký tạm trú.", "no"),
    ("Dạ không.", "no"),
    ("Dạ, chưa bắt buộc ạ.", "no"),
    ("Dạ, có ạ: từ đủ 14 tuổi phải làm thẻ căn cước.", "yes"),
    ("Vâng, được ạ. Anh/chị nộp trên VNeID.", "yes"),
    ("Dạ, bắt buộc ạ.", "yes"),
    ("Dạ, CMND 9 số không còn giá trị.", None),       # must start with the answer
    ("📄 Giấy tờ cần có — Đăng ký tạm trú:\n• CT01", None),
    ("Dạ, anh/chị có phải ở trên 30 ngày không?", None),  # a question back
    ("Dạ, có nhưng không bắt buộc.", None),
    ("Dạ, về Đăng ký tạm trú: Không bắt buộc ạ. Ở dưới 30 ngày", "no"),  # after a topic label
    ("Dạ, lệ phí — Khai báo tạm vắng: Không mất lệ phí.", "no"),
    ("Dạ, về Đăng ký tạm trú: Thông thường không bắt buộc.", None),
])
def test_yes_no_reads_the_start_of_the_first_sentence(text, expected):
    assert em.yes_no_of(text) == expected


def test_screen_lines_wraps_words_at_38_characters():
    assert em.screen_lines("x" * 38) == 1
    assert em.screen_lines("x" * 39) == 2
    assert em.screen_lines("aaaa " * 8) == 2           # 40 characters: the last word wraps
    assert em.screen_lines("a\n\nb") == 3              # an empty line is a line
    assert em.screen_lines("☎️ " + "y" * 35) == 1       # the emoji variation selector is not seen


def test_norm_ignores_accents_case_and_digit_separators():
    assert em.norm("500.000 Đồng") == em.norm("500,000 dong") == "500000 dong"
    assert em.norm("Cấp  xã") == "cap xa"
    assert em.norm("1/1/2025") == "1/1/2025"


def _reply(text, buttons=()):
    return {"text": text, "buttons": [{"title": b, "payload": "/x"} for b in buttons]}


def test_score_turn_slot_decides_and_facts_come_first():
    titles = {"cu_tru.tam_tru": "Đăng ký tạm trú", "cu_tru.gia_han_tam_tru": "Gia hạn tạm trú"}
    turn = em.Turn(user="tam tru het han roi", procedure=["cu_tru.tam_tru"],
                   must_contain_any=["đăng ký lại"], yes_no="no")
    # A renewal answer that mentions the other title is still the wrong procedure.
    wrong = em.score_turn(turn, [_reply("Dạ, thủ tục Gia hạn tạm trú:\nLệ phí: như đăng ký tạm trú.")],
                          "cu_tru.gia_han_tam_tru", titles)["checks"]
    assert wrong["procedure"] and wrong["content"] and wrong["yes_no"]
    right = em.score_turn(turn, [_reply("Dạ, không gia hạn được nữa: anh/chị đăng ký lại tạm trú."),
                                 _reply("Chi tiết", ["Lệ phí"])], "cu_tru.tam_tru", titles)
    assert not any(right["checks"].values()), right
    # Without a slot the title in the reply counts; a fact only in a later message does not.
    late = em.score_turn(turn, [_reply("Dạ, không. Đăng ký tạm trú:"), _reply("đăng ký lại")],
                         None, titles)["checks"]
    assert late["procedure"] is None and late["content"]


def test_score_turn_two_topics_emergency_and_length():
    turn = em.Turn(user="x", mentions_all=["hộ chiếu", "sang tên|thu hồi"], emergency=True)
    long_text = "Gọi 115 ngay.\n" + "\n".join(["dòng"] * 12)
    checks = em.score_turn(turn, [_reply(long_text, ["Hộ chiếu", "Thu hồi"])], None, {})["checks"]
    assert checks["mentions"] is None and checks["emergency"] is None
    assert checks["screen"] == "13 lines"
    checks = em.score_turn(turn, [_reply("Dạ, hộ chiếu…", ["Gọi 113"])], None, {})["checks"]
    assert checks["mentions"] and checks["emergency"] and checks["screen"] is None


def test_load_names_file_conversation_and_field(tmp_path):
    bad = tmp_path / "set.yml"
    bad.write_text("conversations:\n- id: a\n  class: plain\n  turns:\n  - user: hi\n    procedur: x\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match=r"set.yml: conversation a, turn 1: .*procedur"):
        em.load_conversations(bad)
    bad.write_text("conversations:\n- id: b\n  class: other\n  turns: [{user: hi, emergency: true}]\n",
                   encoding="utf-8")
    with pytest.raises(ValueError, match="conversation b: class 'other'"):
        em.load_conversations(bad)
