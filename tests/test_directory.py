"""Units and hotlines: content/units.yml, validation, lookups and the action_hotline answers."""
import json
import re
import textwrap
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.directory import ActionHotline
from anninh import directory as directory_module
from anninh.directory import (UNITS_FILE, format_phone, load_directory, phone_problem,
                              validate_units)
from anninh.places import PLACES_FILE, load_places
from anninh.render import MAX_MESSAGE_CHARS

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
PAYLOAD = re.compile(r"^/(\w+)(\{.*\})?$")
NATIONAL = ("113", "114", "115", "111", "112")


def tracker(text, intent="ask_hotline", entities=(), metadata=None):
    latest = {"text": text, "intent": {"name": intent, "confidence": 0.9},
              "entities": [{"entity": e, "value": v} for e, v in entities],
              "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    if metadata is not None:
        latest["metadata"] = metadata
    event = {"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}
    return Tracker("test-user", {}, latest, [event], False, None, {}, "action_listen")


def run(t):
    dispatcher = CollectingDispatcher()
    events = ActionHotline().run(dispatcher, t, DOMAIN)
    return dispatcher.messages, events


def check_messages(messages):
    """Zalo limits, and every button is a phone number or a payload the domain understands."""
    assert messages
    for m in messages:
        assert m["text"].startswith("Dạ") or m is not messages[0]
        assert len(m["text"]) <= MAX_MESSAGE_CHARS
        buttons = m.get("buttons") or []
        assert len(buttons) <= 5
        for b in buttons:
            assert len(b["title"]) <= 100
            if b.get("type") == "phone_number":
                assert b["payload"].isdigit(), b
                continue
            match = PAYLOAD.match(b["payload"])
            assert match and match.group(1) in DOMAIN["intents"], b
            for entity in json.loads(match.group(2) or "{}"):
                assert entity in DOMAIN["entities"], b


def phone_buttons(messages):
    return [b["payload"] for m in messages for b in (m.get("buttons") or [])
            if b.get("type") == "phone_number"]


@pytest.fixture(autouse=True)
def no_hotline_env(monkeypatch):
    monkeypatch.delenv("PROVINCIAL_HOTLINE", raising=False)


# --- a temporary units file ----------------------------------------------------------------

HEAD = """\
provincial_hotline: {hotline}
national_lines:
  "114": [cứu hỏa, báo cháy]
  "115": [cấp cứu]
other_lines: []
units:
  - id: cong_an_tinh
    kind: province
    name: Công an tỉnh Cao Bằng
    aliases: [công an tỉnh, trực ban]
    phone: ""
    zalo_oa_id: "111222333"
  - id: phong_csgt
    kind: department
    parent: cong_an_tinh
    name: Phòng Cảnh sát giao thông
    aliases: [cảnh sát giao thông]
    phone: "0206 3852 000"
    address: "Số 1, phường Thục Phán"
    hours: "Thứ Hai – Thứ Sáu"
    source: "Thông báo mẫu (dữ liệu thử)"
"""


def write_units(tmp_path, units="", hotline='""', name="units.yml"):
    path = tmp_path / name
    body = textwrap.indent(textwrap.dedent(units), "  ") if units.startswith(" " * 4) else units
    path.write_text(HEAD.format(hotline=hotline) + body, encoding="utf-8")
    return path


def commune_units(places=None, **phones):
    """Units for every commune (so none is missing), with the given test phones."""
    out = []
    for c in (places or load_places()).communes:
        phone = phones.get(c.id, "")
        oa = '"999000111"' if c.id == "hung_dao" else '""'
        out.append(f"  - {{id: ca_{c.id}, kind: commune, place: {c.id}, "
                   f"name: Công an {c.kind} {c.name}, phone: \"{phone}\", zalo_oa_id: {oa}, "
                   f"source: \"dữ liệu thử\"}}\n")
    return "".join(out)


# --- the real content file ------------------------------------------------------------------

def test_the_content_file_is_valid_and_invents_no_phone():
    problems = validate_units(UNITS_FILE)
    assert list(problems) == []
    data = yaml.safe_load(UNITS_FILE.read_text(encoding="utf-8"))
    assert data["provincial_hotline"] == ""
    assert all(u["phone"] == "" for u in data["units"]), "phone numbers are not known: never invent"
    # every unit without a phone is reported as a warning, naming file, entry and field
    assert len(problems.warnings) == len(data["units"]) == 61
    w = problems.warnings[0]
    assert w.file == "content/units.yml" and w.entry == "cong_an_tinh" and w.field == "phone"


def test_the_content_file_covers_all_56_communes_by_place_id():
    d = load_directory()
    places = load_places()
    assert len(places.communes) == 56
    assert set(d.by_place) == {c.id for c in places.communes}
    for c in places.communes:
        unit = d.by_place[c.id]
        assert unit.kind == "commune" and unit.name == f"Công an {c.kind} {c.name}"
    names = {u.name for u in d.units.values() if u.kind == "department"}
    assert {"Phòng Cảnh sát giao thông", "Phòng Quản lý xuất nhập cảnh",
            "Phòng Cảnh sát quản lý hành chính về trật tự xã hội"} <= names
    assert d.province.name == "Công an tỉnh Cao Bằng"


# --- phone formats --------------------------------------------------------------------------

@pytest.mark.parametrize("phone", ["0912345678", "0912 345 678", "0388.123.456", "+84 912 345 678",
                                   "0206 3852 123", "0206.3852123", "02063852123", "113", "114",
                                   "111", "115", "1800 1096", "18001096", "1900 123456",
                                   "1900-1234"])
def test_valid_phone_formats(phone):
    assert phone_problem(phone) is None


@pytest.mark.parametrize("phone", ["091234567", "09123456789", "0206 385 212", "024 3825 1234",
                                   "116", "110", "1800 10", "abc", "0912-345-67x", "0123456789",
                                   "02063852123 ext 5"])
def test_malformed_phones(phone):
    assert phone_problem(phone)


def test_phone_display():
    assert format_phone("02063852123") == "0206 3852 123"
    assert format_phone("0912345678") == "0912 345 678"
    assert format_phone("18001096") == "1800 1096"
    assert format_phone("113") == "113"


# --- validation -----------------------------------------------------------------------------

def test_validation_names_file_entry_and_field(tmp_path):
    path = write_units(tmp_path, """\
      - id: ca_hung_dao
        kind: commune
        place: hung_dao
        name: Công an xã Hưng Đạo
        phone: "0206 385"
      - id: ca_hung_dao
        kind: commune
        place: bach_dang
        name: Công an xã Bạch Đằng
        phone: ""
      - id: ca_khong_co
        kind: commune
        place: xa_khong_co
        name: Công an xã Không Có
        phone: ""
      - id: ca_so_nguyen
        kind: commune
        place: huy_giap
        name: Công an xã Huy Giáp
        phone: 02063712123
      - id: ca_sai_ten
        kind: commune
        place: son_lo
        name: Công an xã Hưng Đạo
        phone: ""
      - id: ca_trung_oa
        kind: commune
        place: ly_bon
        name: Công an xã Lý Bôn
        zalo_oa_id: "111222333"
    """)
    problems = validate_units(path)
    found = {(p.entry, p.field) for p in problems}
    assert ("ca_hung_dao", "phone") in found            # malformed
    assert ("ca_hung_dao", "id") in found               # duplicate id
    assert ("ca_khong_co", "place") in found            # unknown place id
    assert ("ca_so_nguyen", "phone") in found           # not quoted: the leading 0 is lost
    assert ("ca_sai_ten", "name") in found              # name of another commune
    assert ("ca_trung_oa", "zalo_oa_id") in found       # OA already mapped to another unit
    assert all(p.file.endswith("units.yml") for p in problems)
    text = "\n".join(map(str, problems))
    assert "mục 'ca_khong_co' — trường 'place'" in text and "xa_khong_co" in text
    # a missing phone is a warning, not an error; a malformed one is an error only
    warned = {(w.entry, w.field) for w in problems.warnings}
    assert ("ca_khong_co", "phone") in warned and ("cong_an_tinh", "phone") in warned
    assert ("ca_hung_dao", "phone") not in warned
    # communes without a unit are warnings too
    assert ("tan_giang", "place") in warned


def test_a_complete_file_has_no_errors_and_warns_only_for_missing_phones(tmp_path):
    path = write_units(tmp_path, commune_units(hung_dao="0912 345 678"), hotline='"0206 3852 999"')
    problems = validate_units(path)
    assert list(problems) == []
    assert {w.entry for w in problems.warnings} == (
        {"cong_an_tinh"} | {f"ca_{c.id}" for c in load_places().communes} - {"ca_hung_dao"})


def test_malformed_provincial_hotline_and_yaml_errors(tmp_path):
    problems = validate_units(write_units(tmp_path, commune_units(), hotline='"0206 12"'))
    assert [p.field for p in problems] == ["provincial_hotline"]
    broken = tmp_path / "broken.yml"
    broken.write_text("units:\n  - id: a\n   kind: x\n", encoding="utf-8")
    problems = validate_units(broken)
    assert len(problems) == 1 and problems[0].line


def test_loading_a_file_with_errors_raises_the_first(tmp_path):
    path = write_units(tmp_path, "  - {id: x, kind: commune, place: nowhere, name: X}\n")
    with pytest.raises(directory_module.ContentError) as exc:
        load_directory(path)
    assert exc.value.entry == "x" and exc.value.field == "place"


# --- lookups --------------------------------------------------------------------------------

@pytest.mark.parametrize("text, unit", [
    ("số điện thoại công an xã Hưng Đạo", "ca_hung_dao"),
    ("so dt ca xa hung dao", "ca_hung_dao"),
    ("sdt cong an hoa an", "ca_hoa_an"),
    ("sđt công an phường Thục Phán", "ca_thuc_phan"),
    ("cong an phuong thuc phann o dau", "ca_thuc_phan"),   # typo
    ("Số điện thoại công an xã Đàm Thuỷ là gì", "ca_dam_thuy"),  # old tone placement
    ("dia chj ca xa thong nong", "ca_thong_nong"),
    ("công an xã Nam Tuấn huyện Hòa An cũ", "ca_nam_tuan"),
    ("so dien thoai csgt cao bang", "phong_csgt"),
    ("sdt phong xuat nhap canh cao bang", "phong_xnc"),
    ("xin số hotline của phòng cảnh sát PCCC", "phong_pccc"),
    ("số trực ban công an tỉnh", "cong_an_tinh"),
    ("phòng quản lý hành chính ở đâu", "phong_qlhc"),
    ("sdt công an xã Ca Thành", "ca_ca_thanh"),   # "ca" here is not "công an"
    ("cax ca thanh", "ca_ca_thanh"),
])
def test_lookup_finds_the_unit(text, unit):
    found = load_directory().lookup(text)
    assert [u.id for u in found.units][:1] == [unit]
    assert found.district is None


@pytest.mark.parametrize("text, district", [
    ("công an huyện Hòa An", "huyen_hoa_an"),
    ("cong an huyen hoa an o dau", "huyen_hoa_an"),
    ("sdt cong an huyen trung khanh", "huyen_trung_khanh"),
    ("công an TP Cao Bằng", "huyen_thanh_pho_cao_bang"),
    ("cong an thanh pho cao bang", "huyen_thanh_pho_cao_bang"),
    ("số công an Quảng Hòa", "huyen_quang_hoa"),
])
def test_lookup_recognises_former_districts(text, district):
    found = load_directory().lookup(text)
    assert found.district is not None and found.district.id == district
    assert found.units == []


@pytest.mark.parametrize("text, number", [
    ("so cuu hoa la bao nhieu", "114"),
    ("tong dai bao chay so may", "114"),
    ("so goi cap cuu la so may", "115"),
    ("số bảo vệ trẻ em là bao nhiêu", "111"),
    ("gọi công an thì gọi số mấy", "113"),
    ("Tổng đài hỗ trợ cổng dịch vụ công", "18001096"),
])
def test_lookup_recognises_national_and_support_lines(text, number):
    found = load_directory().lookup(text)
    assert found.line is not None and found.line.number == number


def test_a_commune_named_like_a_former_district_notes_the_district():
    d = load_directory()
    assert d.lookup("sdt cong an hoa an").same_name_district.id == "huyen_hoa_an"
    assert d.lookup("sdt cong an xa hoa an").same_name_district is None


def test_several_communes_are_answered_together():
    found = load_directory().lookup("sdt cong an xa hung dao va xa bach dang")
    assert [u.id for u in found.units] == ["ca_hung_dao", "ca_bach_dang"]


# --- answers (actions with the real domain) ------------------------------------------------

def test_commune_without_phone_says_so_and_gives_national_lines():
    messages, events = run(tracker("số điện thoại công an xã Hưng Đạo"))
    assert events == []
    body = "\n".join(m["text"] for m in messages)
    assert messages[0]["text"].startswith("Dạ, số điện thoại của Công an xã Hưng Đạo hiện chưa có")
    assert all(n in body for n in NATIONAL)
    assert phone_buttons(messages)[:3] == ["113", "114", "115"]
    assert messages[-1]["buttons"][0] == {"title": "Gọi 113", "type": "phone_number",
                                          "payload": "113"}
    assert "huyện" not in body.lower()
    check_messages(messages)


def test_accent_free_commune_that_is_also_a_former_district_name():
    messages, _ = run(tracker("sdt cong an hoa an"))
    body = messages[0]["text"]
    assert "Công an xã Hòa An" in body
    assert "huyện Hòa An cũ" in body and "1/7/2025" in body
    check_messages(messages)


def test_former_district_explains_and_points_to_the_commune_police():
    messages, _ = run(tracker("công an huyện Hòa An"))
    body = "\n".join(m["text"] for m in messages)
    assert "1/7/2025" in body and "không còn Công an huyện Hòa An" in body
    assert "Công an xã, phường nơi" in body and "nơi mình cư trú" in body
    assert all(n in body for n in ("113", "114", "115"))
    check_messages(messages)


def test_former_district_lists_the_communes_that_cover_it_when_known(tmp_path):
    places = yaml.safe_load(PLACES_FILE.read_text(encoding="utf-8"))
    for d in places["former_districts"]:
        if d["id"] == "huyen_hoa_an":
            d["communes"] = ["hoa_an", "nam_tuan"]
    places_path = tmp_path / "places.yml"
    places_path.write_text(yaml.safe_dump(places, allow_unicode=True), encoding="utf-8")
    units = write_units(tmp_path, commune_units(load_places(places_path), hoa_an="0912 345 678"))
    d = load_directory(units, places_path)
    replies = d.answer("cong an huyen hoa an", env={})
    body = replies[0].text
    assert "Địa bàn huyện Hòa An cũ nay thuộc" in body
    assert "• Công an xã Hòa An: 0912 345 678" in body and "• Công an xã Nam Tuấn: chưa có số" in body
    assert replies[-1].buttons[0]["payload"] == "0912345678"

    places["former_districts"][5]["communes"] = ["hoa_an", "xa_khong_co"]
    places_path.write_text(yaml.safe_dump(places, allow_unicode=True), encoding="utf-8")
    load_places.cache_clear()
    problems = validate_units(units, places_path)
    assert [(p.entry, p.field) for p in problems] == [("huyen_hoa_an", "communes")]


def test_hotline_without_place_is_answered_by_the_oa_unit(tmp_path, monkeypatch):
    path = write_units(tmp_path, commune_units(hung_dao="0912 345 678"))
    monkeypatch.setattr(directory_module, "UNITS_FILE", path)
    monkeypatch.setattr("actions.directory.load_directory", lambda: load_directory(path))
    zalo = {"zalo": {"oa_id": "999000111", "user_id": "u1", "unit": ""}}
    messages, _ = run(tracker("đường dây nóng", metadata=zalo))
    assert messages[0]["text"].startswith("Dạ, thông tin liên hệ Công an xã Hưng Đạo")
    assert "0912 345 678" in messages[0]["text"]
    assert phone_buttons(messages)[0] == "0912345678"
    check_messages(messages)

    # "công an xã" without a commune: the commune OA answers
    messages, _ = run(tracker("giờ làm việc của công an xã", metadata=zalo))
    assert "Công an xã Hưng Đạo" in messages[0]["text"]

    # a place named in the message wins over the OA
    messages, _ = run(tracker("sdt cong an xa bach dang", metadata=zalo))
    assert "Công an xã Bạch Đằng" in messages[0]["text"]

    # the provincial OA; no OA (REST channel); an unknown OA -> the provincial police
    for meta in ({"zalo": {"oa_id": "111222333"}}, None, {"zalo": {"oa_id": "42"}}):
        messages, _ = run(tracker("hotline", metadata=meta))
        assert "Công an tỉnh Cao Bằng" in messages[0]["text"].splitlines()[0]


def test_the_connector_unit_label_maps_to_a_unit():
    d = load_directory()
    assert d.unit_for_oa("12345", "ca_tan_giang").id == "ca_tan_giang"
    assert d.unit_for_oa(None, "Công an phường Tân Giang").id == "ca_tan_giang"
    assert d.unit_for_oa("12345", "") is None


def test_generic_commune_question_without_commune_oa_asks_for_the_commune():
    messages, _ = run(tracker("sdt cong an khu vuc minh"))
    assert "tên xã, phường" in messages[0]["text"]
    assert phone_buttons(messages)[0] == "113"
    check_messages(messages)


def test_provincial_hotline_from_the_file_or_the_environment(tmp_path, monkeypatch):
    path = write_units(tmp_path, commune_units(), hotline='"0206 3852 999"')
    d = load_directory(path)
    replies = d.answer("đường dây nóng", env={})
    assert "Đường dây nóng: 0206 3852 999" in replies[0].text
    assert replies[0].buttons[0] == {"title": "Gọi đường dây nóng Công an tỉnh",
                                     "type": "phone_number", "payload": "02063852999"}
    # the environment wins; a malformed value is ignored
    assert "0206 3852 111" in d.answer("hotline", env={"PROVINCIAL_HOTLINE": "0206.3852.111"})[0].text
    assert "0206 3852 999" in d.answer("hotline", env={"PROVINCIAL_HOTLINE": "12"})[0].text
    # a commune without a number: the provincial hotline comes first, then the national lines
    replies = d.answer("sdt cong an xa tam kim", env={})
    assert "0206 3852 999" in replies[0].text
    assert [b["payload"] for b in replies[0].buttons] == ["02063852999", "113", "114", "115"]

    # from the environment, with the real (empty) content file, through the action
    monkeypatch.setenv("PROVINCIAL_HOTLINE", "0206 3852 777")
    messages, _ = run(tracker("cho xin đường dây nóng công an Cao Bằng"))
    assert "0206 3852 777" in messages[0]["text"]
    assert phone_buttons(messages)[0] == "02063852777"


def test_department_with_phone_shows_details_and_emergency_lines(tmp_path):
    d = load_directory(write_units(tmp_path, commune_units()))
    replies = d.answer("sdt phong csgt", env={})
    body = replies[0].text
    assert body.startswith("Dạ, thông tin liên hệ Phòng Cảnh sát giao thông, Công an tỉnh Cao Bằng")
    assert "☎️ Điện thoại: 0206 3852 000" in body and "📍 Địa chỉ: Số 1" in body
    assert "Giờ làm việc: Thứ Hai – Thứ Sáu" in body and "113" in body
    assert replies[0].buttons[0]["payload"] == "02063852000"


def test_national_line_questions_put_that_line_first():
    messages, _ = run(tracker("so cuu hoa la bao nhieu"))
    assert messages[0]["text"].startswith("Dạ, anh/chị gọi 114")
    assert phone_buttons(messages)[0] == "114"
    messages, _ = run(tracker("số cảnh sát PCCC Cao Bằng"))   # the department, no number yet
    assert "Phòng Cảnh sát phòng cháy, chữa cháy" in messages[0]["text"]
    assert phone_buttons(messages)[0] == "114"
    check_messages(messages)


def test_button_payload_uses_the_place_entity():
    messages, _ = run(tracker('/ask_hotline{"place":"tan_giang"}', entities=[("place", "tan_giang")]))
    assert "Công an phường Tân Giang" in messages[0]["text"]
    messages, _ = run(tracker('/ask_hotline{"place":"huyen_bao_lac"}',
                              entities=[("place", "huyen_bao_lac")]))
    assert "không còn Công an huyện Bảo Lạc" in messages[0]["text"]
    messages, _ = run(tracker("/ask_hotline"))
    assert "Công an tỉnh Cao Bằng" in messages[0]["text"]


def test_every_commune_answer_fits_zalo():
    for c in load_places().communes:
        messages, _ = run(tracker(f"số điện thoại công an {c.kind} {c.name}"))
        assert f"Công an {c.kind} {c.name}" in messages[0]["text"], c.id
        check_messages(messages)


def test_an_unreadable_units_file_still_gives_the_national_lines(tmp_path, monkeypatch):
    broken = tmp_path / "units.yml"
    broken.write_text("units: [\n", encoding="utf-8")
    monkeypatch.setattr("actions.directory.load_directory", lambda: load_directory(broken))
    messages, _ = run(tracker("sdt cong an xa hung dao"))
    assert all(n in messages[0]["text"] for n in NATIONAL)
    check_messages(messages)


def test_editors_own_the_words_for_ones_own_commune_police(tmp_path):
    """``commune_police_aliases`` in units.yml: a new way of asking gets the question back."""
    text = UNITS_FILE.read_text(encoding="utf-8")
    assert "commune_police_aliases: [" in text
    path = tmp_path / "units.yml"
    path.write_text(text.replace("commune_police_aliases: [", "commune_police_aliases: [công an cơ sở, ", 1),
                    encoding="utf-8")
    assert not load_directory().lookup("so dien thoai cong an co so").ask_commune
    assert load_directory(path).lookup("so dien thoai cong an co so").ask_commune
    assert load_directory(path).lookup("số điện thoại công an xã").ask_commune
    broken = tmp_path / "broken" / "units.yml"
    broken.parent.mkdir()
    broken.write_text(text.replace("commune_police_aliases: [", "commune_police_aliases: [[], ", 1),
                      encoding="utf-8")
    [problem] = validate_units(broken)
    assert problem.field == "commune_police_aliases" and "units.yml" in str(problem)
