"""Statistics, exports, the public site and the editable texts."""
import csv
import io
import json
from datetime import datetime

import pytest
from sqlalchemy import update

from anninh.content import ContentError
from anninh.reports.export import build_public_site, export_reports, public_entries
from anninh.reports.model import NewReport
from anninh.reports.schema import reports as reports_t
from anninh.reports.stats import compute_stats, format_table
from anninh.reports.texts import DEFAULT_CONTENT_PATH, load_reports_content

OFFICER = "Đại úy Nam"


def _at(store, code, created, closed=None):
    with store.engine.begin() as conn:
        conn.execute(update(reports_t).where(reports_t.c.code == code)
                     .values(created_at=created, updated_at=closed or created, closed_at=closed))


def test_monthly_stats_per_unit_with_median(store):
    unit_a, unit_b = "Công an xã Hà Quảng", "Công an phường Thục Phán"
    codes = []
    for unit, kind in [(unit_a, "to_giac")] * 4 + [(unit_b, "phan_anh")] * 2:
        codes.append(store.create_report(NewReport(kind=kind, description="x", sender_id="u", unit=unit)).code)
    for code in codes[:3] + codes[4:5]:
        store.transition(code, "in_progress", actor=OFFICER)
        store.transition(code, "resolved", actor=OFFICER)
    # UTC times; Vietnam is UTC+7: 2026-01-31 18:00 UTC is already 1 February in Vietnam.
    _at(store, codes[0], datetime(2026, 1, 5, 2), datetime(2026, 1, 7, 2))      # Jan, 2 days
    _at(store, codes[1], datetime(2026, 1, 10, 2), datetime(2026, 2, 3, 2))     # closed Feb, 24 days
    _at(store, codes[2], datetime(2026, 1, 31, 18), datetime(2026, 2, 4, 18))   # received Feb (VN), 4 days
    _at(store, codes[3], datetime(2026, 2, 10, 2))                              # open
    _at(store, codes[4], datetime(2026, 2, 1, 2), datetime(2026, 2, 1, 14))     # 0.5 day
    _at(store, codes[5], datetime(2026, 3, 1, 2))
    stats = compute_stats(store.timeline_rows())
    table = {(s.unit, s.month): (s.received, s.handled, s.median_handling_days) for s in stats}
    assert table == {
        (unit_a, "2026-01"): (2, 1, 2.0),
        (unit_a, "2026-02"): (2, 2, 14.0),
        (unit_b, "2026-02"): (1, 1, 0.5),
        (unit_b, "2026-03"): (1, 0, None),
    }
    only_feb = compute_stats(store.timeline_rows(unit=unit_a), since=datetime(2026, 2, 1).date(),
                             until=datetime(2026, 2, 28).date())
    assert [(s.unit, s.month, s.handled_by_status) for s in only_feb] == [(unit_a, "2026-02", {"resolved": 2})]
    text = format_table(stats)
    assert "2026-02" in text and "14.00" in text
    assert format_table([]).startswith("(")


def test_exports_keep_contact_out_and_defuse_formulas(store):
    code = store.create_report(NewReport(kind="to_giac", description="=HYPERLINK(\"http://evil\")",
                                         contact_name="Nông Văn Dền", contact_phone="0912345678",
                                         sender_id="u1")).code
    report = store.get(code)
    text = export_reports([report], "csv")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0]["description"].startswith("'=") and "contact_phone" not in rows[0]
    with_contact = list(csv.DictReader(io.StringIO(export_reports([report], "csv", include_contact=True).lstrip("\ufeff"))))
    assert with_contact[0]["contact_phone"] == "0912345678"
    data = json.loads(export_reports([report], "json", content=load_reports_content()))
    assert data["count"] == 1 and data["reports"][0]["kind_label"] == "Tố giác tội phạm"
    assert "contact_phone" not in data["reports"][0]
    with pytest.raises(ValueError):
        export_reports([report], "xlsx")


def test_public_site_is_anonymised(store, tmp_path):
    content = load_reports_content()
    code = store.create_report(NewReport(kind="tin_bao", description="Buôn bán ma túy tại nhà ông X",
                                         place_text="số 12 đường Kim Đồng", contact_name="Hoàng Thị Lan",
                                         contact_phone="0987654321", sender_id="u1", unit="Công an phường Hợp Giang")).code
    store.transition(code, "in_progress", actor=OFFICER)
    store.transition(code, "resolved", actor=OFFICER)
    store.publish_result(code, "Đã triệt phá 01 điểm bán lẻ trái phép chất ma túy <b>bắt quả tang</b>.", actor=OFFICER)
    other = store.create_report(NewReport(kind="phan_anh", description="unpublished", sender_id="u2")).code
    reports = store.published_results()
    assert [r.code for r in reports] == [code]
    entries = public_entries(reports, content)
    assert entries == [{"month": entries[0]["month"], "kind": "tin_bao", "kind_label": "Tin báo về tội phạm",
                        "unit": "Công an phường Hợp Giang",
                        "summary": "Đã triệt phá 01 điểm bán lẻ trái phép chất ma túy <b>bắt quả tang</b>."}]
    out = tmp_path / "public"
    build_public_site(reports, out, content)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;bắt quả tang&lt;/b&gt;" in html and "<b>" not in html  # escaped
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "results.json"]  # no temp files left
    for secret in (code, other, "Hoàng Thị Lan", "0987654321", "Kim Đồng", "ma túy tại nhà", "u1"):
        assert secret not in html and secret not in (out / "results.json").read_text(encoding="utf-8")
    empty = tmp_path / "empty"
    build_public_site([], empty, content)
    assert content.site["empty"] in (empty / "index.html").read_text(encoding="utf-8")


def test_content_file_loads_and_renders():
    c = load_reports_content()
    assert c.path == str(DEFAULT_CONTENT_PATH.resolve())
    assert "20 ngày" in c.kinds["to_giac"].time_limit and "02 tháng" in c.kinds["to_giac"].time_limit
    assert "Điều 147" in c.kinds["tin_bao"].time_limit
    text = c.submitted_text("TG-2026-000123", "to_giac")
    assert "TG-2026-000123" in text and "20 ngày" in text and "{" not in text
    assert "nhắn: tra cứu TG-2026-000123" in text  # how to ask for the status
    assert c.status_label("not_competent").startswith("Không thuộc thẩm quyền")
    assert "{" not in c.not_found_text()


@pytest.mark.parametrize("mutate, fragment", [
    (lambda t: t.replace("{code} của ông/bà đã chuyển", "{ma_so} của ông/bà đã chuyển"), "{ma_so}"),
    (lambda t: t.replace("  kien_nghi:\n", "  kien_nghi_x:\n"), "kinds.kien_nghi"),
    (lambda t: t.replace("    label: Đang xử lý\n", ""), "statuses.in_progress"),
    (lambda t: t.replace("Mã tra cứu: {code}.", "Mã tra cứu: {code."), "ngoặc nhọn"),
    (lambda t: t + "\n  bad: [\n", "YAML"),
])
def test_content_errors_name_the_field(tmp_path, mutate, fragment):
    original = DEFAULT_CONTENT_PATH.read_text(encoding="utf-8")
    broken = mutate(original)
    assert broken != original
    path = tmp_path / "reports.yml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_reports_content(path)
    assert fragment in str(err.value)


def test_oa_mapping_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTS_OA_UNITS", json.dumps({"4321": "Công an xã Trà Lĩnh"}))
    assert load_reports_content().oa_units == {"4321": "Công an xã Trà Lĩnh"}
    monkeypatch.setenv("REPORTS_OA_UNITS", "[1, 2]")
    with pytest.raises(ContentError, match="REPORTS_OA_UNITS"):
        load_reports_content()
