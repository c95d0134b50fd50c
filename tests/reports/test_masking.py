"""Publication masking (no database): the corpus of result texts, placeholders from content,
known names and places of the report, the offline NER, content mistakes."""
import unicodedata
from pathlib import Path

import pytest

from anninh.content import ContentError
from anninh.reports.masking import mask_for_publication, mask_publication
from anninh.reports.masking_content import (MASKING_FILE, NAMES_FILE, PLACES_FILE, UNITS_FILE,
                                            load_masking_content)
from anninh.reports.masking_ner import person_spans
from devtools.masking_corpus import GROUPS, load_corpus, score

CORPUS = load_corpus()


def _mask(text):
    m = mask_publication(text)
    return m.source, m.text, [(s.start, s.end) for s in m.spans]


def test_corpus_is_large_and_varied():
    assert len(CORPUS) >= 60
    counts = {g: sum(len((i.get("mask") or {}).get(g, [])) for i in CORPUS) for g in GROUPS}
    assert counts["names"] >= 40 and counts["addresses"] >= 25 and counts["numbers"] >= 20, counts
    assert sum(1 for i in CORPUS if not i.get("mask")) >= 8  # texts with nothing to hide


@pytest.mark.parametrize("item", CORPUS, ids=lambda i: i["text"][:40])
def test_nothing_listed_survives_and_nothing_kept_is_masked(item):
    result = score([item], _mask)
    misses = [m for m in result.misses if not m.startswith("over-masked")]
    assert not misses, "\n".join(misses)


def test_corpus_precision():
    result = score(CORPUS, _mask)
    over = [m for m in result.misses if m.startswith("over-masked")]
    assert result.precision >= 0.98, "\n".join(over)


def test_masking_is_idempotent_and_placeholders_are_the_editors():
    placeholders = load_masking_content().placeholders
    for item in CORPUS:
        once = mask_for_publication(item["text"])
        assert mask_for_publication(once) == once
    masked = mask_for_publication("Ông Nông Văn Hùng, số 12 ngõ 5, SĐT 0912345678, xe 11A-123.45, "
                                  "e-mail hung@example.com, CCCD 004090012345.")
    assert masked == (f"Ông {placeholders['name']}, {placeholders['address']}, SĐT {placeholders['phone']}, "
                      f"xe {placeholders['plate']}, e-mail {placeholders['email']}, "
                      f"CCCD {placeholders['id_number']}.")
    assert placeholders["name"] == "[họ tên]" and placeholders["address"] == "[địa chỉ]"


def test_decomposed_text_and_spans():
    text = unicodedata.normalize("NFD", "Chị Lục Thị Mai ở xóm Nà Pầu, xã Hòa An")
    m = mask_publication(text)
    assert m.text == "Chị [họ tên] ở [địa chỉ], xã Hòa An"
    assert [(m.source[s.start:s.end], s.kind) for s in m.spans] == [("Lục Thị Mai", "name"),
                                                                   ("xóm Nà Pầu", "address")]


def test_known_name_and_place_of_the_report_are_masked():
    text = "Đã trả lại tài sản cho Slằng tại Nà Vạ, xã Hà Quảng."
    plain = mask_for_publication(text, use_ner=False)
    assert "Slằng" in plain  # nothing in the rules alone says it is a name
    masked = mask_for_publication(text, known_names=["Slằng"], known_places=["Nà Vạ, xã Hà Quảng"],
                                  use_ner=False)
    assert masked == "Đã trả lại tài sản cho [họ tên] tại [địa chỉ], xã Hà Quảng."
    # a place that is only a commune stays readable
    assert mask_for_publication("Công an xã Hà Quảng đã xử lý.", known_places=["xã Hà Quảng"]) == \
        "Công an xã Hà Quảng đã xử lý."


def test_underthesea_ner_runs_offline_from_the_shipped_model():
    import underthesea
    shipped = Path(underthesea.__file__).parent / "pipeline" / "ner"
    assert list(shipped.glob("ner_crf_*.bin")), "underthesea's CRF NER model is not in the package"
    text = "Páo đã trả lại tiền cho Dợ."
    assert [text[a:b] for a, b in person_spans(text)] == ["Páo", "Dợ"]
    assert mask_for_publication(text) == "[họ tên] đã trả lại tiền cho [họ tên]."


def test_content_mistakes_name_file_entry_and_field(tmp_path):
    bad = tmp_path / "masking.yml"
    bad.write_text(MASKING_FILE.read_text(encoding="utf-8").replace('plate: "[biển số]"', 'plate: ""'),
                   encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_masking_content(bad, NAMES_FILE, PLACES_FILE, UNITS_FILE)
    assert "masking.yml" in str(err.value) and "'plate'" in str(err.value) and "placeholders" in str(err.value)
    names = tmp_path / "names.yml"
    names.write_text("surnames: [Nông Văn]\nmiddle_names: [Văn]\ngiven_names: [Hùng]\n", encoding="utf-8")
    with pytest.raises(ContentError, match="surnames"):
        load_masking_content(MASKING_FILE, names, PLACES_FILE, UNITS_FILE)


def test_editors_extend_the_name_lexicon(tmp_path):
    names = tmp_path / "names.yml"
    names.write_text(NAMES_FILE.read_text(encoding="utf-8").replace("surnames: [", "surnames: [Xìn, "),
                     encoding="utf-8")
    extended = load_masking_content(MASKING_FILE, names, PLACES_FILE, UNITS_FILE)
    text = "Kết quả: Xìn Páo đã nộp phạt."
    assert mask_for_publication(text, use_ner=False) == text
    assert mask_for_publication(text, use_ner=False, content=extended) == "Kết quả: [họ tên] đã nộp phạt."


def test_official_numbers_of_the_directory_stay(tmp_path):
    units = tmp_path / "units.yml"
    units.write_text(UNITS_FILE.read_text(encoding="utf-8").replace('provincial_hotline: ""',
                                                                    'provincial_hotline: "0206 3852 123"'),
                     encoding="utf-8")
    content = load_masking_content(MASKING_FILE, NAMES_FILE, PLACES_FILE, units)
    text = "Mọi thông tin xin gọi đường dây nóng 0206.3852.123 hoặc 1800 1096, không gọi số lạ 0206 3852 999."
    assert mask_publication(text, content=content, use_ner=False).text == \
        "Mọi thông tin xin gọi đường dây nóng 0206.3852.123 hoặc 1800 1096, không gọi số lạ [số điện thoại]."
    assert "[số điện thoại] hoặc" in mask_for_publication(text)  # not in the directory: masked
