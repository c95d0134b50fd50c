"""Facts that depend on the situation (issue 14): already expired is not a renewal, ages and
durations said earlier still hold, one_of conditions, fines, and facts kept unconfirmed; each
asked with and without diacritics through the real action."""
import importlib.util
import sys

import pytest

from actions.procedures import ActionAnswerProcedure, earlier_quantities
from anninh import PROJECT_ROOT
from anninh.fact_context import already_expired, known_quantities, with_known
from anninh.facts import Condition
from anninh.resolver import get_resolver
from anninh.text import normalize
from tests.test_actions import tracker
from tests.test_catalogue import _edit, _problems, copy_dir  # noqa: F401  (fixture)
from tests.test_facts import _fact
from tests.test_procedure_answers import ask, both, slot

_spec = importlib.util.spec_from_file_location("eval_multiturn",
                                               PROJECT_ROOT / "scripts" / "eval_multiturn.py")
eval_multiturn = sys.modules.setdefault("eval_multiturn", importlib.util.module_from_spec(_spec))
if not hasattr(eval_multiturn, "yes_no_of"):
    _spec.loader.exec_module(eval_multiturn)  # dataclasses look their module up
yes_no_of = eval_multiturn.yes_no_of  # the held-out set's rule for a yes/no answer


def _words(text):
    return normalize(text, get_resolver().abbreviations)


def ask_after(earlier, text, previous):
    """``text`` asked after the citizen's ``earlier`` messages, about ``previous``."""
    events = [x for e in earlier for x in ({"event": "user", "text": e},
                                           {"event": "slot", "name": "procedure", "value": previous})]
    t = tracker(text, slots={"procedure": previous}, events=events + [{"event": "user", "text": text}])
    return ask(text, previous, action=_Replay(t))


class _Replay(ActionAnswerProcedure):
    """The action run on a tracker with earlier messages (``ask`` builds a bare one)."""

    def __init__(self, t):
        self._t = t

    def run(self, dispatcher, tracker_, domain):
        return super().run(dispatcher, self._t, domain)


@pytest.mark.parametrize("text", both("tạm trú hết hạn 3 hôm rồi", "đã quá hạn gia hạn",
                                      "thẻ hết hạn từ tháng trước", "tạm trú hết hạn tuần trước",
                                      "hết hạn lâu rồi"))
def test_already_expired(text):
    assert already_expired(_words(text))


@pytest.mark.parametrize("text", both("tạm trú còn 10 ngày nữa là hết hạn", "sắp hết hạn rồi",
                                      "gia hạn trước khi hết hạn", "chưa hết hạn",
                                      "tạm trú hết hạn thì làm gì"))
def test_not_yet_expired(text):
    assert not already_expired(_words(text))


@pytest.mark.parametrize("text", both("tạm trú của em hết hạn 5 hôm rồi, còn gia hạn được không"))
def test_expired_temporary_residence_is_registered_again_not_renewed(text):
    first, events = ask(text)
    assert yes_no_of(first["text"]) == "no"
    assert "đăng ký tạm trú lại" in first["text"] and "chưa được xác nhận" in first["text"]
    assert slot(events) == "cu_tru.tam_tru"


@pytest.mark.parametrize("text", both("tạm trú sắp hết hạn thì gia hạn thế nào"))
def test_renewal_before_expiry_stays_a_renewal(text):
    _, events = ask(text)
    assert slot(events) == "cu_tru.gia_han_tam_tru"


def test_one_of_condition():
    c = Condition("age", one_of=(14, 25, 40, 60))
    assert c.met(25) and c.met(60) and not c.met(26) and not c.met(13)


def test_one_of_must_be_numbers(copy_dir):  # noqa: F811
    fact = _fact(condition={"quantity": "age", "one_of": ["hai lăm"]}, if_met="Có ạ.", if_not_met="Không ạ.")
    _edit(copy_dir / "cu_tru.yml", lambda d: d["procedures"][1].__setitem__("facts", [fact]))
    [problem] = _problems(copy_dir)
    assert problem.field == "condition"


def test_when_names_a_known_situation(copy_dir):  # noqa: F811
    _edit(copy_dir / "cu_tru.yml",
          lambda d: d["procedures"][1].__setitem__("facts", [_fact(when="hết hạn")]))
    [problem] = _problems(copy_dir)
    assert problem.field == "when"


@pytest.mark.parametrize("text", both("năm nay tôi đủ 40 tuổi đổi căn cước có mất phí không"))
def test_id_card_change_at_a_milestone_age_is_free(text):
    first, _ = ask(text)
    assert yes_no_of(first["text"]) == "no" and "40 tuổi" in first["text"]


@pytest.mark.parametrize("text", both("tôi 30 tuổi đổi căn cước vì thẻ hỏng có mất phí không"))
def test_id_card_change_at_another_age_costs_the_fee(text):
    first, _ = ask(text)
    assert yes_no_of(first["text"]) == "yes" and "25.000" in first["text"]


def test_quantities_named_earlier_hold():
    known = known_quantities(["con tôi 4 tuổi", "làm căn cước cho cháu"])
    assert known == {"age": 4}
    assert with_known("cháu 8 tuổi rồi", known)["age"] == 8
    assert with_known("có phải lấy vân tay không", known)["age"] == 4


@pytest.mark.parametrize("earlier, text", [
    ("bé nhà tôi 4 tuổi làm căn cước được không", "thế có cần mang bé đi lấy dấu vân tay không"),
    ("be nha toi 4 tuoi lam can cuoc duoc khong", "the co can mang be di lay dau van tay khong")])
def test_age_said_before_answers_the_fingerprint_question(earlier, text):
    first, _ = ask_after([earlier], text, "can_cuoc.duoi_14")
    assert yes_no_of(first["text"]) == "no" and "6 tuổi" in first["text"]


def test_an_age_said_about_another_procedure_is_not_carried():
    events = [{"event": "user", "text": "tôi 45 tuổi đi làm xa có phải khai tạm vắng không"},
              {"event": "slot", "name": "procedure", "value": "cu_tru.tam_vang"},
              {"event": "user", "text": "làm căn cước cho con"},
              {"event": "slot", "name": "procedure", "value": "can_cuoc.duoi_14"},
              {"event": "user", "text": "có phải lấy vân tay không"}]
    t = tracker("có phải lấy vân tay không", slots={"procedure": "can_cuoc.duoi_14"}, events=events)
    assert earlier_quantities(t) == {}
    events[2]["text"] = "làm căn cước cho con 9 tuổi"
    assert earlier_quantities(t) == {"age": 9}


@pytest.mark.parametrize("text", both("con tôi 3 tuổi có làm thẻ căn cước được không"))
def test_a_young_child_can_have_an_id_card(text):
    first, events = ask(text)
    assert yes_no_of(first["text"]) == "yes" and "VNeID" in first["text"]
    assert slot(events) == "can_cuoc.duoi_14"


@pytest.mark.parametrize("text", both("con tôi 12 tuổi làm căn cước thì làm thủ tục gì"))
def test_which_procedure_for_a_child(text):
    first, _ = ask(text)
    assert "cha, mẹ hoặc người giám hộ" in first["text"]


@pytest.mark.parametrize("text, expected", [
    *[(t, "yes") for t in both("con tôi 20 tuổi trong độ tuổi nghĩa vụ quân sự đi làm xa 5 tháng có phải khai báo tạm vắng không")],
    *[(t, "no") for t in both("tôi 50 tuổi đi làm ăn xa 8 tháng có phải khai báo tạm vắng không")],
])
def test_absence_declaration_by_military_age_and_duration(text, expected):
    first, events = ask(text)
    assert yes_no_of(first["text"]) == expected
    assert slot(events) == "cu_tru.tam_vang"


@pytest.mark.parametrize("text", both("khách sạn không báo lưu trú cho khách có bị phạt không"))
def test_residence_fine_answers_yes_with_the_decree(text):
    first, _ = ask(text)
    assert yes_no_of(first["text"]) == "yes"
    assert "500.000" in first["text"] and "282/2025" in first["text"]


@pytest.mark.parametrize("text", both("báo sai sự thật cho công an bị phạt bao nhiêu"))
def test_false_report_fine_is_stated_unconfirmed(text):
    first, events = ask(text)
    assert "1.000.000" in first["text"] and "5.000.000" in first["text"]
    assert "chưa được xác nhận" in first["text"]
    assert slot(events) == "khac.to_giac"


@pytest.mark.parametrize("text", both("xe còn phạt nguội chưa nộp thì có đăng ký sang tên được không"))
def test_unpaid_camera_fine_blocks_registration(text):
    first, _ = ask(text)
    assert yes_no_of(first["text"]) == "no"


@pytest.mark.parametrize("text", both("có mất phí không"))
def test_a_fact_turning_on_an_age_is_not_picked_from_the_whole_catalogue(text):
    first, events = ask(text)
    assert slot(events) is None and "Cấp đổi thẻ căn cước" not in first["text"]


# -- yes/no from the catalogue's fields (anninh.verdict) ---------------------------------------------

@pytest.mark.parametrize("text, expected", [
    *[(t, "no") for t in both("khai báo tạm vắng có mất phí không", "thu hồi đăng ký xe có mất tiền không")],
    *[(t, "yes") for t in both("đăng ký tạm trú có mất lệ phí không")],
])
def test_fee_yes_no_from_the_fee_field(text, expected):
    first, _ = ask(text)
    assert yes_no_of(first["text"]) == expected
    assert "Căn cứ" in first["text"]
    if expected == "yes":
        assert "15.000" in first["text"]


@pytest.mark.parametrize("text", both("làm online được không"))
def test_online_yes_no_from_the_online_field(text):
    first, _ = ask(text, previous="cu_tru.tam_tru")
    assert yes_no_of(first["text"]) == "yes" and "VNeID" in first["text"]


@pytest.mark.parametrize("text", both("đăng ký xe lần đầu có mất phí không",     # fee unconfirmed in part
                                      "làm căn cước lần đầu online được không"))  # book online, come in person
def test_no_verdict_when_the_field_does_not_settle_it(text):
    first, _ = ask(text)
    assert yes_no_of(first["text"]) is None  # the aspect itself, with its warnings
    assert " — " in first["text"].split("\n")[0]
