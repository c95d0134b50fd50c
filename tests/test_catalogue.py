"""The procedure catalogue: the real content, and clear errors for editors' mistakes."""
import datetime as dt
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from anninh import PROJECT_ROOT
from anninh.catalogue import PROCEDURES_DIR, CatalogueError, load_catalogue
from anninh.content import ContentError, load_yaml

EXPECTED = {
    "cu_tru.thuong_tru": "Đăng ký thường trú",
    "cu_tru.tam_tru": "Đăng ký tạm trú",
    "cu_tru.gia_han_tam_tru": "Gia hạn tạm trú",
    "cu_tru.luu_tru": "Thông báo lưu trú",
    "cu_tru.tam_vang": "Khai báo tạm vắng",
    "cu_tru.xoa_thuong_tru": "Xóa đăng ký thường trú",
    "cu_tru.xoa_tam_tru": "Xóa đăng ký tạm trú",
    "cu_tru.tach_ho": "Tách hộ",
    "cu_tru.xac_nhan": "Xác nhận thông tin về cư trú",
    "cu_tru.dieu_chinh": "Điều chỉnh thông tin trong Cơ sở dữ liệu về cư trú",
    "xe.dang_ky_lan_dau": "Đăng ký xe lần đầu",
    "xe.sang_ten": "Đăng ký sang tên xe",
    "xe.thu_hoi": "Thu hồi chứng nhận đăng ký xe, biển số xe",
    "xe.cap_doi_cap_lai": "Cấp đổi, cấp lại chứng nhận đăng ký xe, biển số xe",
    "xe.tam_thoi": "Đăng ký xe tạm thời",
    "can_cuoc.cap_lan_dau": "Cấp thẻ căn cước lần đầu",
    "can_cuoc.duoi_14": "Cấp thẻ căn cước cho người dưới 14 tuổi",
    "can_cuoc.cap_doi": "Cấp đổi thẻ căn cước",
    "can_cuoc.cap_lai": "Cấp lại thẻ căn cước",
    "can_cuoc.dinh_danh_dien_tu": "Cấp tài khoản định danh điện tử mức độ 2",
    "pccc.tham_dinh_thiet_ke": "Thẩm định thiết kế về phòng cháy và chữa cháy",
    "pccc.kiem_dinh": "Kiểm định phương tiện phòng cháy và chữa cháy",
    "can_cuoc.giay_chung_nhan": "Cấp giấy chứng nhận căn cước",
    "pccc.nghiem_thu": "Kiểm tra kết quả nghiệm thu về phòng cháy và chữa cháy",
    "pccc.huan_luyen": "Huấn luyện, cấp chứng nhận nghiệp vụ phòng cháy, chữa cháy",
    "pccc.phuong_an_chua_chay": "Phương án chữa cháy của cơ sở",
    "khac.ho_chieu": "Cấp hộ chiếu phổ thông",
    "khac.ly_lich_tu_phap": "Cấp Phiếu lý lịch tư pháp",
    "khac.antt": "Cấp Giấy chứng nhận đủ điều kiện về an ninh, trật tự",
    "khac.con_dau": "Đăng ký mẫu con dấu",
    "khac.phat_nguoi": "Tra cứu vi phạm giao thông (phạt nguội)",
    "khac.to_giac": "Tố giác, tin báo về tội phạm",
}


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_every_procedure_with_its_exact_title(catalogue):
    assert {p.id: p.title for p in catalogue.procedures.values()} == EXPECTED


def test_every_entry_carries_legal_basis_sources_and_check_date(catalogue):
    for p in catalogue.procedures.values():
        assert p.legal_basis and p.sources, p.id
        assert dt.date(2025, 1, 1) <= p.verified_on <= dt.date.today(), p.id


def _all_text(p):
    parts = [p.where, p.processing_time, p.fee, p.online, *p.documents, *p.steps, *p.notes]
    return " ".join(parts)


def test_no_citizen_is_sent_to_district_police(catalogue):
    for p in catalogue.procedures.values():
        text = _all_text(p).lower()
        for m in re.finditer(r"công an (huyện|quận)", text):
            window = text[max(0, m.start() - 60):m.end() + 60]
            assert any(w in window for w in ("không còn", "đã giải thể", "không phải")), (p.id, window)


KNOWN_NUMBERS = {"113", "114", "115", "111", "112", "18001096"}


def test_no_invented_phone_numbers(catalogue):
    for p in catalogue.procedures.values():
        for m in re.finditer(r"(?<![\d.,/])(?:0|1[89]00)[\d .]{6,}\d", _all_text(p)):
            digits = re.sub(r"\D", "", m.group())
            assert digits in KNOWN_NUMBERS, (p.id, m.group())


@pytest.mark.parametrize("pid, field, fragments", [
    ("cu_tru.thuong_tru", "fee", ["20.000", "10.000"]),
    ("cu_tru.tam_tru", "fee", ["15.000", "7.000"]),
    ("cu_tru.thuong_tru", "processing_time", ["7 ngày làm việc"]),
    ("cu_tru.tam_tru", "processing_time", ["3 ngày làm việc"]),
    ("can_cuoc.cap_lai", "fee", ["70.000"]),
    ("can_cuoc.cap_doi", "fee", ["50.000"]),
    ("can_cuoc.cap_lan_dau", "processing_time", ["7 ngày làm việc"]),
    ("khac.ho_chieu", "fee", ["200.000"]),
    ("khac.ly_lich_tu_phap", "fee", ["200.000"]),
    ("khac.antt", "fee", ["300.000"]),
])
def test_key_facts_match_the_reference(catalogue, pid, field, fragments):
    value = getattr(catalogue.procedures[pid], field)
    for fragment in fragments:
        assert fragment in value, (pid, field, value)


def test_unconfirmed_facts_are_marked(catalogue):
    # The reference marks these unconfirmed: they must not be stated as certain.
    assert catalogue.procedures["pccc.tham_dinh_thiet_ke"].is_unconfirmed("fee")
    assert catalogue.procedures["pccc.huan_luyen"].unconfirmed


# --- editors' mistakes -------------------------------------------------------------------------

@pytest.fixture
def copy_dir(tmp_path):
    target = tmp_path / "procedures"
    shutil.copytree(PROCEDURES_DIR, target)
    return target


def _edit(path: Path, fn):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fn(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _problems(directory):
    with pytest.raises(CatalogueError) as info:
        load_catalogue(directory)
    return info.value.problems


def test_broken_yaml_names_file_and_line(copy_dir):
    path = copy_dir / "xe.yml"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5] + "\n  - id: [broken"
    path.write_text("\n".join(lines), encoding="utf-8")
    problems = _problems(copy_dir)
    assert len(problems) == 1
    message = str(problems[0])
    assert "xe.yml" in message and "YAML" in message and problems[0].line is not None


def test_missing_field_names_file_entry_and_field(copy_dir):
    _edit(copy_dir / "cu_tru.yml", lambda d: d["procedures"][1].pop("fee"))
    [problem] = _problems(copy_dir)
    assert problem.file.endswith("cu_tru.yml")
    assert problem.entry == "cu_tru.tam_tru" and problem.field == "fee"
    assert "cu_tru.yml" in str(problem) and "cu_tru.tam_tru" in str(problem) and "'fee'" in str(problem)


def test_every_problem_is_reported_at_once(copy_dir):
    def damage(d):
        d["procedures"][0]["verified_on"] = "28/11/2026"
        d["procedures"][1]["documents"] = "một chuỗi, không phải danh sách"
        d["procedures"][2]["fees"] = "gõ sai tên trường"
        d["procedures"][3]["unconfirmed"] = ["phi"]
    _edit(copy_dir / "cu_tru.yml", damage)
    fields = sorted((p.entry, p.field) for p in _problems(copy_dir))
    assert fields == sorted([
        ("cu_tru.thuong_tru", "verified_on"), ("cu_tru.tam_tru", "documents"),
        ("cu_tru.gia_han_tam_tru", "fees"), ("cu_tru.luu_tru", "unconfirmed")])


def test_duplicate_id(copy_dir):
    _edit(copy_dir / "xe.yml", lambda d: d["procedures"].append(dict(d["procedures"][1])))
    problems = _problems(copy_dir)
    assert any(p.field == "id" and "trùng" in p.message for p in problems)


def test_future_check_date_and_wrong_family_prefix(copy_dir):
    def damage(d):
        d["procedures"][0]["verified_on"] = dt.date.today() + dt.timedelta(days=3)
        d["procedures"][1]["id"] = "cu_tru.sang_ten"
    _edit(copy_dir / "xe.yml", damage)
    fields = {p.field for p in _problems(copy_dir)}
    assert fields == {"verified_on", "id"}


def test_not_utf8_is_a_clear_error(copy_dir):
    (copy_dir / "khac.yml").write_bytes("tên: Đăng ký".encode("utf-16"))
    [problem] = _problems(copy_dir)
    assert "UTF-8" in str(problem)


def test_validate_command_passes_on_the_project():
    result = subprocess.run([sys.executable, "-m", "anninh.validate"], cwd=PROJECT_ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_validate_command_reports_referenced_unknown_id(tmp_path):
    from anninh.validate import run
    root = tmp_path / "project"
    for name in ("content", "data", "tests"):
        (root / name).mkdir(parents=True)
    shutil.copytree(PROJECT_ROOT / "content", root / "content", dirs_exist_ok=True)
    shutil.copy(PROJECT_ROOT / "domain.yml", root / "domain.yml")
    (root / "data" / "rules.yml").write_text(
        'version: "3.1"\nrules:\n- rule: x\n  steps:\n  - intent: ask_procedure\n'
        '    entities:\n    - procedure: cu_tru.khong_co\n  - action: action_answer_procedure\n',
        encoding="utf-8")
    problems = run(root)
    assert [p.field for p in problems] == ["procedure"]
    assert "cu_tru.khong_co" in str(problems[0]) and "rules.yml:7" in str(problems[0])


def test_validate_flags_a_malformed_unit_phone_and_a_broken_patrol_entry(tmp_path):
    from anninh.validate import run
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "content", root / "content")
    (root / "data").mkdir()
    (root / "tests").mkdir()
    shutil.copy(PROJECT_ROOT / "domain.yml", root / "domain.yml")
    units = root / "content" / "units.yml"
    text = units.read_text(encoding="utf-8")
    start = text.index("  - id: phong_csgt")
    units.write_text(text[:start] + text[start:].replace('phone: ""', 'phone: "0206 12"', 1),
                     encoding="utf-8")
    (root / "content" / "patrol_schedule.yml").write_text(
        "entries:\n  - id: kh_1\n    from: 2026-02-10\n    to: 2026-02-01\n    route: QL3\n"
        "    unit: Phòng CSGT\n    source: Kế hoạch số 1\n", encoding="utf-8")
    warnings = []
    problems = run(root, warnings=warnings)
    where = [(Path(p.file).name, p.entry, p.field) for p in problems]
    assert ("units.yml", "phong_csgt", "phone") in where, where
    assert any(Path(p.file).name == "patrol_schedule.yml" and p.entry and "kh_1" in p.entry for p in problems), where
    # a unit whose number is not known yet is a notice, not an error
    assert any(w.entry == "cong_an_tinh" and w.field == "phone" for w in warnings)
