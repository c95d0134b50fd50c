"""Catalogue facts, per-fact confirmation, texts and the one-screen rule: editors' mistakes give
errors naming file, entry and field; answers never show a placeholder."""
import datetime as dt
import os
import subprocess
import sys

import pytest

from anninh import PROJECT_ROOT
from anninh.answer_texts import check_texts
from anninh.catalogue import load_catalogue, stale_entries
from anninh.render import aspect_answer, summary
from anninh.resolver import get_resolver
from anninh.screen import SCREEN_LINES, clip, fit, screen_lines
from tests.test_catalogue import _edit, _problems, copy_dir  # noqa: F401  (fixture)


def _fact(**over):
    fact = {"id": "thu", "kind": "yes_no", "ask": ["có bắt buộc"], "answer": "Có ạ.",
            "basis": "Luật Cư trú số 68/2020/QH14"}
    fact.update(over)
    return fact


@pytest.mark.parametrize("fact, field", [
    (_fact(kind="maybe"), "kind"),
    (_fact(ask=[]), "ask"),
    (_fact(basis=""), "basis"),
    (_fact(answer="Phí là {fee} đồng"), "answer"),
    (_fact(answer="TODO"), "answer"),
    (_fact(condition={"quantity": "weight", "at_least": 3}), "condition"),
    (_fact(condition={"quantity": "days", "at_least": 30}), "condition"),   # no if_met/if_not_met
    (_fact(unconfirmed="có"), "unconfirmed"),
    (_fact(verified_on="hôm qua"), "verified_on"),
    (_fact(typo="x"), "typo"),
])
def test_a_broken_fact_names_procedure_fact_and_field(copy_dir, fact, field):  # noqa: F811
    _edit(copy_dir / "cu_tru.yml", lambda d: d["procedures"][1].__setitem__("facts", [fact]))
    [problem] = _problems(copy_dir)
    assert problem.entry == "cu_tru.tam_tru › thu" and problem.field == field
    assert "cu_tru.yml" in str(problem)


def test_unconfirmed_fragment_must_exist(copy_dir):  # noqa: F811
    _edit(copy_dir / "xe.yml", lambda d: d["procedures"][0].__setitem__(
        "unconfirmed", [{"field": "fee", "contains": "không có đoạn này"}]))
    [problem] = _problems(copy_dir)
    assert problem.field == "unconfirmed" and "không có đoạn này" in problem.message


def test_unconfirmed_is_marked_per_fact_not_per_field():
    resolver = get_resolver()
    proc = resolver.catalogue.procedures["xe.dang_ky_lan_dau"]
    text = aspect_answer(proc, ["fee"], resolver.aspects, full=True)
    body = "\n".join(r.text for r in text)
    marked = [line for line in body.splitlines() if "(chưa xác nhận)" in line]
    assert marked and all("khu vực" in l or "ô tô" in l for l in marked)
    assert any("150.000" in l and "(chưa xác nhận)" not in l for l in body.splitlines())


def test_texts_file_errors_name_the_field(tmp_path):
    src = (PROJECT_ROOT / "content" / "procedure_texts.yml").read_text(encoding="utf-8")
    bad = tmp_path / "procedures.yml"
    bad.write_text(src.replace('summary_title: "Dạ, thủ tục {title}:"', 'summary_title: "Dạ, thủ tục {ten}:"').replace("  summary_more:", "  summary_mor:"),
                   encoding="utf-8")
    problems = {(p.entry, p.field) for p in check_texts(bad)}
    assert ("texts", "summary_title") in problems and ("texts", "summary_more") in problems


def test_stale_entries_are_listed_by_age():
    catalogue = load_catalogue()
    later = dt.date(2027, 7, 1)
    stale = stale_entries(catalogue, later, 183)
    assert {e for _, e, _ in stale} >= {"cu_tru.tam_tru", "pccc.kiem_dinh"}
    assert stale_entries(catalogue, dt.date(2026, 12, 2), 183) == []
    env = dict(os.environ, CATALOGUE_MAX_AGE_DAYS="1")
    out = subprocess.run([sys.executable, "-m", "anninh.validate"], cwd=PROJECT_ROOT, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0 and "cu_tru.tam_tru" in out.stdout and "verified_on" in out.stdout


def test_screen_lines_wrap_at_words():
    assert screen_lines("a" * 38) == 1 and screen_lines("a" * 39) == 2
    assert screen_lines("một hai\nba") == 2
    assert clip("Câu một. Câu hai dài hơn nhiều.", 12) == "Câu một."
    lines = fit(["Dạ, tiêu đề:", "x " * 200, "Căn cứ: Luật."], keep=1, keep_last=1)
    assert lines[0] == "Dạ, tiêu đề:" and lines[-1] == "Căn cứ: Luật."
    assert sum(screen_lines(l) for l in lines) <= SCREEN_LINES


def test_basis_shows_the_law_and_the_decree():
    resolver = get_resolver()
    for pid in ("cu_tru.tam_tru", "can_cuoc.cap_lan_dau", "pccc.tham_dinh_thiet_ke"):
        first = summary(resolver.catalogue.procedures[pid], resolver.aspects)[0].text
        basis = first.splitlines()[-1]
        assert "Luật" in basis and "Nghị định" in basis, basis


def test_every_fact_answer_fits_and_has_its_basis():
    from anninh.render import fact_answer
    resolver = get_resolver()
    for proc in resolver.catalogue.procedures.values():
        for fact in proc.facts:
            for q in ({}, {"age": 15, "days": 15}, {"age": 5, "days": 400}):
                text = fact_answer(proc, fact, q, resolver.aspects, resolver.catalogue)[0].text
                assert screen_lines(text) <= SCREEN_LINES, (proc.id, fact.id)
                assert fact.basis.rstrip(".") in text.splitlines()[-1]
                assert "{" not in text
