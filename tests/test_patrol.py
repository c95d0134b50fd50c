"""Patrol schedules: content/patrol_schedule.yml, questions by day/week/route, action_patrol_schedule."""
import textwrap
from datetime import date
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.patrol import ActionPatrolSchedule
from anninh import patrol
from anninh.content import ContentError
from anninh.render import MAX_MESSAGE_CHARS

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
TODAY = date(2026, 1, 7)  # a Wednesday

SAMPLE = """\
# Sample entries for the tests only (not real plans).
entries:
  - id: kh_ql3
    from: 2026-01-05
    to: 2026-01-11
    hours: "19:00–23:00"
    route: Quốc lộ 3
    area: đoạn qua xã Hòa An
    places: [hoa_an]
    unit: Phòng Cảnh sát giao thông
    note: Kiểm tra nồng độ cồn
    source: Kế hoạch số 01/KH-THU ngày 02/01/2026 (dữ liệu thử)
  - id: kh_ql34
    from: 2026-01-07
    to: 2026-01-07
    hours: "07:00–11:00"
    route: QL.34
    area: đoạn qua xã Nguyên Bình
    unit: Phòng Cảnh sát giao thông
    source: Kế hoạch số 02/KH-THU (dữ liệu thử)
  - id: kh_ql4a
    from: 2026-01-10
    to: 2026-01-11
    hours: cả ngày
    route: QL 4A
    area: Trùng Khánh
    unit: Phòng Cảnh sát giao thông
    source: Kế hoạch số 03/KH-THU (dữ liệu thử)
  - id: kh_tp
    from: "12/01/2026"
    to: "18/01/2026"
    hours: "20:00–24:00"
    area: phường Thục Phán, phường Tân Giang
    unit: Phòng Cảnh sát giao thông
    source: Kế hoạch số 04/KH-THU (dữ liệu thử)
  - id: kh_cu
    from: 2025-12-01
    to: 2025-12-31
    hours: "19:00–23:00"
    route: Quốc lộ 3
    unit: Phòng Cảnh sát giao thông
    source: Kế hoạch số 99/KH-THU (dữ liệu thử)
"""


@pytest.fixture
def sample(tmp_path):
    path = tmp_path / "patrol_schedule.yml"
    path.write_text(SAMPLE, encoding="utf-8")
    return path


def ids(text, path, today=TODAY):
    query = patrol.parse_query(text, today)
    found, _ = patrol.select(patrol.load_patrols(path), query)
    return [e.entry for e in found]


def body(text, path, today=TODAY):
    replies = patrol.answer(text, today=today, path=path)
    assert all(len(r.text) <= MAX_MESSAGE_CHARS for r in replies)
    return "\n".join(r.text for r in replies)


# --- routes ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, codes", [
    ("quốc lộ 3", ("QL3",)),
    ("tuan nay csgt chot o dau ql3", ("QL3",)),
    ("ql34 co tuan tra k", ("QL34",)),
    ("QL 4A", ("QL4A",)),
    ("mai co csgt ql4a k", ("QL4A",)),
    ("QL.3", ("QL3",)),
    ("Quốc Lộ số 3", ("QL3",)),
    ("quoc lo 3, 34 va 4A", ("QL3", "QL34", "QL4A")),
    ("QL3, QL34", ("QL3", "QL34")),
    ("ĐT.208", ("ĐT208",)),
    ("tỉnh lộ 208", ("ĐT208",)),
    ("sdt 0912345678", ()),
    ("lịch tuần tra hôm nay", ()),
])
def test_route_codes_are_normalised(text, codes):
    assert patrol.route_codes(text) == codes


# --- the published file and the loader ---------------------------------------------------------

def test_the_content_file_is_empty_until_a_plan_is_published():
    assert patrol.validate_patrol(patrol.PATROL_FILE) == []
    assert patrol.load_patrols(patrol.PATROL_FILE) == []
    text = body("lịch tuần tra CSGT hôm nay", patrol.PATROL_FILE)
    assert text.startswith("Dạ, hiện chưa có lịch tuần tra, kiểm soát nào")
    assert "được công bố" in text


def test_sample_entries_load_sorted_with_route_codes(sample):
    entries = patrol.load_patrols(sample)
    assert [e.entry for e in entries] == ["kh_cu", "kh_ql3", "kh_ql34", "kh_ql4a", "kh_tp"]
    tp = entries[-1]
    assert (tp.start, tp.end, tp.routes) == (date(2026, 1, 12), date(2026, 1, 18), ())
    assert entries[2].routes == ("QL34",)


def test_validation_names_file_entry_and_field(tmp_path):
    path = tmp_path / "patrol_schedule.yml"
    path.write_text(textwrap.dedent("""\
        entries:
          - id: sai_ngay
            from: 2026-13-40
            to: 2026-01-05
            hours: "19:00"
            route: QL3
            unit: Phòng CSGT
            source: KH 1
          - id: nguoc
            from: 2026-01-10
            to: 2026-01-05
            hours: "19:00"
            route: QL3
            unit: Phòng CSGT
            source: KH 2
          - id: thieu
            from: 2026-01-10
            hours: ""
            unit: Phòng CSGT
          - id: noi_la
            from: 2026-01-10
            hours: "8:00"
            area: đâu đó
            places: [xa_khong_co]
            unit: Phòng CSGT
            source: KH 3
          - id: dung
            from: 2026-01-10
            hours: "8:00"
            area: xã Hòa An
            unit: Phòng CSGT
            source: KH 4
        """), encoding="utf-8")
    problems = patrol.validate_patrol(path)
    found = {(p.entry, p.field) for p in problems}
    assert found == {("sai_ngay", "from"), ("nguoc", "to"), ("thieu", "hours"), ("thieu", "route"),
                     ("thieu", "source"), ("noi_la", "places")}
    assert all(p.file.endswith("patrol_schedule.yml") for p in problems)
    assert "mục 'thieu' — trường 'source'" in "\n".join(map(str, problems))
    with pytest.raises(ContentError):
        patrol.load_patrols(path)


def test_entries_must_be_a_list(tmp_path):
    path = tmp_path / "p.yml"
    path.write_text("entries: {a: 1}\n", encoding="utf-8")
    assert [p.field for p in patrol.validate_patrol(path)] == ["entries"]


def test_the_file_is_reread_when_editors_change_it(tmp_path, sample):
    assert len(patrol.load_patrols(sample)) == 5
    sample.write_text("entries: []\n", encoding="utf-8")
    assert patrol.load_patrols(sample) == []


# --- questions ------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("lịch tuần tra CSGT hôm nay", ["kh_ql3", "kh_ql34"]),
    ("hom nay csgt dung o dau", ["kh_ql3", "kh_ql34"]),
    ("tối nay có chốt nồng độ cồn không", ["kh_ql3", "kh_ql34"]),
    ("lịch tuần tra kiểm soát tuần này", ["kh_ql3", "kh_ql34", "kh_ql4a"]),
    ("lịch chốt csgt cuối tuần", ["kh_ql3", "kh_ql4a"]),
    ("mai có csgt không", ["kh_ql3"]),
    ("lich tuan tra tuan sau", ["kh_tp"]),
    ("lịch tuần tra ngày 15/1", ["kh_tp"]),
    ("lich tuan tra", ["kh_ql3", "kh_ql34", "kh_ql4a", "kh_tp"]),   # current and upcoming
    ("ql34 có tuần tra không", ["kh_ql34"]),
    ("tuần này csgt chốt ở đâu quốc lộ 3", ["kh_ql3"]),
    ("Lịch tuần tra của CSGT trên tuyến QL 4A", ["kh_ql4a"]),
    ("QL.3 hôm nay", ["kh_ql3"]),
    ("co to cong tac tren ql3 doan hoa an ko", ["kh_ql3"]),
    ("cuoi tuan csgt co chot o trung khanh k", ["kh_ql4a"]),
    ("đêm nay csgt có tuần tra ở phường Thục Phán không", []),
    ("ql34 tuần sau", []),
])
def test_questions_select_the_right_entries(sample, text, expected):
    assert ids(text, sample) == expected


def test_answer_lists_period_hours_route_unit_and_source(sample):
    text = body("lịch tuần tra CSGT hôm nay", sample)
    assert text.startswith("Dạ, lịch tuần tra, kiểm soát của Cảnh sát giao thông đã công bố — "
                           "hôm nay 07/01/2026:")
    assert ("• Từ 05/01 đến 11/01/2026, 19:00–23:00: Quốc lộ 3, đoạn qua xã Hòa An — Phòng Cảnh sát "
            "giao thông. Kiểm tra nồng độ cồn. (Nguồn: Kế hoạch số 01/KH-THU ngày 02/01/2026 "
            "(dữ liệu thử))") in text
    assert "• Ngày 07/01/2026, 07:00–11:00: QL.34" in text
    assert "kh_cu" not in text and "99/KH-THU" not in text


def test_route_asked_with_a_commune_not_in_its_entries(sample):
    text = body("ql3 đoạn Quảng Uyên có chốt không", sample)
    assert "Chưa có lịch ghi rõ địa bàn xã Quảng Uyên" in text
    assert "01/KH-THU" in text


def test_nothing_published_for_the_question_says_so_and_shows_upcoming(sample):
    text = body("ql34 tuần sau", sample)
    assert text.startswith("Dạ, em chưa thấy lịch tuần tra, kiểm soát nào được công bố — tuần sau "
                           "12/01–18/01/2026, trên Quốc lộ 34.")
    assert "01/KH-THU" in text and "03/KH-THU" in text   # the current and upcoming ones
    text = body("lich tuan tra", sample, today=date(2026, 3, 1))
    assert "chưa thấy" in text and "Các lịch đã công bố" not in text


def test_many_entries_are_cut_and_fit_zalo(tmp_path):
    lines = ["entries:"]
    for i in range(30):
        lines += [f"  - id: kh_{i}", "    from: 2026-01-01", "    to: 2026-01-31",
                  f"    hours: \"{i % 24}:00–{i % 24}:30\"", f"    route: Quốc lộ {i}",
                  "    area: " + "đoạn rất dài qua nhiều xã " * 5, "    unit: Phòng Cảnh sát giao thông",
                  f"    source: Kế hoạch số {i}/KH-THU (dữ liệu thử)"]
    path = tmp_path / "many.yml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    text = body("lịch tuần tra tháng này", path)
    assert f"… và {30 - patrol.MAX_ENTRIES} lịch khác" in text


# --- the action -----------------------------------------------------------------------------

def tracker(text, intent="ask_patrol_schedule"):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": [],
              "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    return Tracker("test-user", {}, latest, [{"event": "user", "parse_data": latest}], False, None,
                   {}, "action_listen")


def run(text):
    dispatcher = CollectingDispatcher()
    events = ActionPatrolSchedule().run(dispatcher, tracker(text), DOMAIN)
    for m in dispatcher.messages:
        assert len(m["text"]) <= MAX_MESSAGE_CHARS and m["text"].startswith("Dạ")
    return dispatcher.messages, events


def test_action_with_the_real_empty_file_is_honest(monkeypatch):
    monkeypatch.setattr(patrol, "today_vn", lambda: TODAY)
    messages, events = run("lich tuan tra csgt hom nay")
    assert events == [] and "chưa có lịch tuần tra" in messages[0]["text"]
    assert "action_patrol_schedule" == ActionPatrolSchedule().name()


def test_action_answers_from_the_published_file(monkeypatch, sample):
    monkeypatch.setattr(patrol, "PATROL_FILE", sample)
    monkeypatch.setattr(patrol, "today_vn", lambda: TODAY)
    messages, _ = run("tuan nay csgt chot o dau ql3")
    assert "Quốc lộ 3" in messages[0]["text"] and "01/KH-THU" in messages[0]["text"]
    assert "QL.34" not in messages[0]["text"]
    messages, _ = run("/ask_patrol_schedule")   # the menu button
    assert "04/KH-THU" in messages[0]["text"]


def test_action_with_a_broken_file_does_not_guess(monkeypatch, tmp_path):
    path = tmp_path / "broken.yml"
    path.write_text("entries:\n  - from: hôm qua\n", encoding="utf-8")
    monkeypatch.setattr(patrol, "PATROL_FILE", path)
    messages, _ = run("lich tuan tra hom nay")
    assert "đang được cập nhật" in messages[0]["text"]
