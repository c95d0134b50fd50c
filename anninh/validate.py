"""`make validate`: check every file editors own and print each problem as file + entry + field.

Run as ``python -m anninh.validate``; exits 1 when there is any problem. ``rasa data validate``
then checks the training data against the domain.
"""
from __future__ import annotations

import datetime as dt
import os
import re
import sys
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Set

import yaml

from anninh import CONTENT_DIR, PROJECT_ROOT
from anninh.catalogue import Catalogue, CatalogueError, load_catalogue, stale_entries
from anninh.content import ContentError, load_yaml, print_problems

# An id referenced from training data, stories or tests: entities in stories, button payloads.
_PAYLOAD_ID = re.compile(r'"procedure"\s*:\s*"([^"]+)"')
_ENTITY_ID = re.compile(r"^\s*-?\s*procedure:\s*([\w.]+)\s*$")
_CASE_EXPECT = re.compile(r"^\s*expect:\s*([\w.:]+)")


def _check(loader: Callable[[], object], problems: List[ContentError]) -> Optional[object]:
    try:
        return loader()
    except CatalogueError as exc:
        problems.extend(exc.problems)
    except ContentError as exc:
        problems.append(exc)
    return None


def referenced_ids(files: Iterable[Path], catalogue: Catalogue) -> List[ContentError]:
    """Procedure ids named in data/tests that are not in the catalogue."""
    problems = []
    for path in files:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            ids = _PAYLOAD_ID.findall(line)
            for regex in (_ENTITY_ID, _CASE_EXPECT):
                m = regex.match(line)
                if m:
                    ids.append(m.group(1))
            for pid in ids:
                if pid.startswith("clarify:"):
                    if pid.split(":", 1)[1] not in catalogue.families:
                        problems.append(ContentError(path, f"không có nhóm thủ tục '{pid}'", line=number))
                elif pid not in catalogue.procedures:
                    problems.append(ContentError(path, f"không có thủ tục mã '{pid}' trong danh mục",
                                                 line=number, field="procedure"))
    return problems


def intent_labels_known(domain_file: Path, labels_file: Path) -> List[ContentError]:
    from anninh.clarify import load_intent_labels
    intents: Set[str] = set((yaml.safe_load(domain_file.read_text(encoding="utf-8")) or {})
                            .get("intents") or [])
    return [ContentError(labels_file, "ý định không có trong domain.yml", entry=name)
            for name in load_intent_labels(labels_file) if name not in intents]


STALE_ENV = "CATALOGUE_MAX_AGE_DAYS"
DEFAULT_MAX_AGE_DAYS = 183  # six months: laws here change every year


def stale_warnings(catalogue: Catalogue, today: Optional[dt.date] = None) -> List[ContentError]:
    """Entries whose ``verified_on`` is older than CATALOGUE_MAX_AGE_DAYS (default six months)."""
    raw = os.environ.get(STALE_ENV, "")
    max_age = int(raw) if raw.strip().isdigit() else DEFAULT_MAX_AGE_DAYS
    return [ContentError(file, f"kiểm tra lần cuối ngày {day.isoformat()}, đã quá {max_age} ngày: "
                               "cần đối chiếu lại với văn bản mới nhất rồi sửa verified_on",
                         entry=entry, field="verified_on")
            for file, entry, day in stale_entries(catalogue, today or dt.date.today(), max_age)]


def run(root: Path = PROJECT_ROOT, warnings: Optional[List[ContentError]] = None) -> List[ContentError]:
    """Every error in the content; notices that need no fix (a unit without a phone number yet)
    go to ``warnings`` when a list is given."""
    from anninh.clarify import load_intent_labels
    from anninh.directory import validate_units
    from anninh.handoff import validate_handoff
    from anninh.news import validate_news
    from anninh.patrol import validate_patrol
    from anninh.emergency import load_emergency
    from anninh.lexicon import load_lexicon
    from anninh.places import load_places
    from anninh.reports.masking_content import load_masking_content
    from anninh.resolver import load_aspects
    from anninh.texts import validate_texts

    content = root / "content"
    problems: List[ContentError] = []
    catalogue = _check(lambda: load_catalogue(content / "procedures"), problems)
    from anninh.answer_texts import check_texts
    from anninh.resolver import load_questions
    problems += check_texts(content / "procedure_texts.yml")
    _check(lambda: load_questions(content / "lexicon" / "questions.yml"), problems)
    if isinstance(catalogue, Catalogue) and warnings is not None:
        warnings += stale_warnings(catalogue)
    _check(lambda: load_lexicon(content / "lexicon"), problems)
    _check(lambda: load_aspects(content / "lexicon" / "aspects.yml"), problems)
    _check(lambda: load_places(content / "places.yml"), problems)
    _check(lambda: load_emergency(content / "lexicon" / "emergency.yml"), problems)
    _check(lambda: load_masking_content(content / "masking.yml", content / "names.yml", content / "places.yml",
                                        content / "units.yml"), problems)
    from anninh.reports.intake import load_form_words
    _check(lambda: load_form_words(content / "report_form.yml"), problems)
    if _check(lambda: load_intent_labels(content / "lexicon" / "intent_labels.yml"), problems):
        problems += intent_labels_known(root / "domain.yml", content / "lexicon" / "intent_labels.yml")
    units = validate_units(content / "units.yml", content / "places.yml", content / "lexicon" / "emergency.yml")
    problems += units
    if warnings is not None:
        warnings += units.warnings
    problems += validate_patrol(content / "patrol_schedule.yml", content / "places.yml")
    problems += validate_news(content / "news.yml")
    problems += validate_handoff(content / "handoff.yml")
    problems += validate_texts(content / "texts.yml")
    for path in sorted((root / "data").rglob("*.yml")) + sorted((root / "tests").glob("*.yml")):
        _check(lambda: load_yaml(path), problems)
    if isinstance(catalogue, Catalogue):
        files = sorted((root / "data").rglob("*.yml")) + sorted((root / "tests").glob("*.yml"))
        problems += referenced_ids(files, catalogue)
    return problems


def main() -> int:
    warnings: List[ContentError] = []
    problems = run(warnings=warnings)
    if warnings:
        print(f"{len(warnings)} lưu ý (không chặn, nhưng cần bổ sung khi có nguồn chính thức):")
        stale = [w for w in warnings if w.field == "verified_on"]
        for w in stale:
            print(f"  ! {w}")
        others = [w for w in warnings if w.field != "verified_on"]
        for w in others[:5]:
            print(f"  ! {w}")
        if len(others) > 5:
            print(f"  … và {len(others) - 5} lưu ý nữa (xem tất cả: .venv/bin/python -m anninh.directory)")
    if print_problems(problems):
        return 1
    print("✓ Nội dung hợp lệ: danh mục thủ tục, từ điển, địa danh, số khẩn cấp, danh bạ đơn vị, "
          "lịch tuần tra, tin tức, gặp cán bộ, câu chữ của trợ lý.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
