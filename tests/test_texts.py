"""Every sentence a citizen reads lives in content files: content/texts.yml (checked like the other
content files), and no Vietnamese sentence literal comes back into the modules that were cleaned."""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Iterator, List, Set, Tuple

import pytest

from anninh import texts as texts_module
from anninh.content import ContentError
from anninh.texts import SCHEMA, TEXTS_FILE, load_texts, parse_texts, validate_texts

ROOT = Path(__file__).resolve().parent.parent

# The modules whose citizen-facing sentences were moved to content/ (texts.yml, handoff.yml,
# report_form.yml). Editor-facing messages (ContentError, the CLI's print) may stay in Python.
CLEANED = sorted(
    [*(ROOT / "anninh" / "directory").glob("*.py")]
    + [ROOT / "anninh" / f"{name}.py" for name in
       ("phones", "place_matcher", "news", "patrol", "emergency", "handoff", "texts", "timeutil")]
    + [ROOT / "actions" / f"{name}.py" for name in
       ("directory", "news", "patrol", "emergency", "handoff", "fallback", "report_form",
        "report_status", "report_submit")])

# Literals that are not sentences a citizen reads, per module (path relative to the project).
ALLOWED = {
    # how citizens write former district names (matching, never shown)
    "anninh/place_matcher.py": {"huyện ", "thị xã "},
    # the code of provincial roads ("ĐT208"), a key rather than a sentence (labels: texts.yml)
    "anninh/patrol.py": {"ĐT"},
    # why a phone number in a content file is invalid: shown to editors by make validate
    "anninh/phones.py": {"số di động 10 số (0xxx xxx xxx), số máy bàn Cao Bằng 0206 + 7 số, số ngắn "
                         "111–115 hoặc số 1800/1900",
                         "số điện thoại chỉ gồm chữ số (có thể có dấu cách, dấu chấm): '",
                         "' là số máy bàn ngoài tỉnh; số máy bàn Cao Bằng bắt đầu bằng 0206",
                         "' không đúng dạng số điện thoại ("},
}
EDITOR_CALLS = {"ContentError", "print"}
VIETNAMESE = re.compile("[àáạảãâầấậẩẫăằắặẳẵèéẹẻẽêềếệểễìíịỉĩòóọỏõôồốộổỗơờớợởỡùúụủũưừứựửữỳýỵỷỹđ]",
                        re.IGNORECASE)


def _docstrings(tree: ast.AST) -> Set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = getattr(node, "body", [])
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def vietnamese_literals(source: str) -> Iterator[Tuple[int, str]]:
    """(line, text) of each string literal with Vietnamese letters, outside docstrings and outside
    calls whose text is for editors (ContentError, print)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)

    def visit(node: ast.AST) -> Iterator[Tuple[int, str]]:
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in EDITOR_CALLS:
                return
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            if VIETNAMESE.search(node.value):
                yield node.lineno, node.value
        for child in ast.iter_child_nodes(node):
            yield from visit(child)

    yield from visit(tree)


def test_the_scan_finds_a_sentence_and_ignores_editor_messages():
    source = ('"""Docstring: Dạ."""\n'
              'x = f"Dạ, anh/chị gọi {n} ạ."\n'
              'raise ContentError(p, "thiếu tên")\n'
              'print("✓ Danh bạ hợp lệ")\n')
    assert [text for _, text in vietnamese_literals(source)] == ["Dạ, anh/chị gọi ", " ạ."]


@pytest.mark.parametrize("path", CLEANED, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_citizen_sentence_is_written_in_python(path):
    rel = str(path.relative_to(ROOT))
    allowed = ALLOWED.get(rel, set())
    found: List[str] = [f"{rel}:{line}: {text!r}" for line, text in
                        vietnamese_literals(path.read_text(encoding="utf-8")) if text not in allowed]
    assert not found, ("citizen-facing sentences belong in content/ (texts.yml, handoff.yml, "
                       "report_form.yml), not in Python:\n" + "\n".join(found))


def test_the_shipped_texts_file_is_valid_and_complete():
    assert validate_texts() == []
    texts = parse_texts()
    for section, keys in SCHEMA.items():
        for key in keys:
            assert texts._entries[(section, key)].strip(), (section, key)
    assert texts.weekday(1) == "Thứ Hai" and texts.weekday(7) == "Chủ nhật"


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "texts.yml"
    text = TEXTS_FILE.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize("old,new,entry,field", [
    # a placeholder the program does not fill
    ('unit_header: "Dạ, thông tin liên hệ {unit}:"', 'unit_header: "Dạ, thông tin liên hệ {don_vi}:"',
     "directory", "unit_header"),
    # an emptied sentence
    ('  read_more: "Anh/chị bấm vào đường dẫn để đọc toàn bài ạ."', '  read_more: ""',
     "news", "read_more"),
    # a key typed wrong: the real key is then missing
    ("  closing: ", "  closin: ", "patrol", "closing"),
    # an unbalanced brace
    ('more: "… và {count} lịch khác;', 'more: "… và {count lịch khác;', "patrol", "more"),
    # six day names instead of seven
    ("Thứ Bảy, Chủ nhật", "Chủ nhật", "common", "weekdays"),
])
def test_a_broken_texts_file_names_file_entry_and_field(tmp_path, old, new, entry, field):
    path = _broken(tmp_path, old, new)
    [problem] = validate_texts(path)
    assert (problem.entry, problem.field) == (entry, field)
    message = str(problem)
    assert "texts.yml" in message and f"'{entry}'" in message and f"'{field}'" in message


def test_an_unknown_key_is_named(tmp_path):
    path = _broken(tmp_path, "news:\n", "news:\n  heading: \"Tin mới\"\n")
    [problem] = validate_texts(path)
    assert (problem.entry, problem.field) == ("news", "heading") and "texts.yml" in str(problem)


def test_a_yaml_syntax_error_names_the_line(tmp_path):
    path = _broken(tmp_path, "news:\n", "news:\n  head: [\n")
    [problem] = validate_texts(path)
    assert "texts.yml" in str(problem) and problem.line


def test_a_broken_edit_at_run_time_keeps_the_last_good_texts(tmp_path):
    path = tmp_path / "texts.yml"
    shutil.copy(TEXTS_FILE, path)
    good = load_texts(path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("{unit}:\"", "{don_vi}:\"", 1) + "\n# edited\n", encoding="utf-8")
    assert load_texts(path) is good
    texts_module._CACHE.pop(str(path))
    with pytest.raises(ContentError, match="don_vi"):
        load_texts(path)


def test_an_editors_change_reaches_the_answer(tmp_path, monkeypatch):
    from anninh import news

    path = _broken(tmp_path, "Anh/chị bấm vào đường dẫn để đọc toàn bài ạ.",
                   "Anh/chị bấm vào đường dẫn để đọc cả bài ạ.")
    monkeypatch.setattr(texts_module, "TEXTS_FILE", path)
    result = news.NewsResult((news.NewsItem("Tin", "https://example.org/a"),), "local")
    assert news.render(result)[-1].text.endswith("Anh/chị bấm vào đường dẫn để đọc cả bài ạ.")


def test_validate_reports_a_broken_texts_file(tmp_path):
    from anninh.validate import run

    root = tmp_path / "repo"
    shutil.copytree(ROOT / "content", root / "content")
    shutil.copy(ROOT / "domain.yml", root / "domain.yml")
    (root / "data").mkdir()
    (root / "tests").mkdir()
    texts = root / "content" / "texts.yml"
    texts.write_text(texts.read_text(encoding="utf-8").replace('công bố — {scope}:"', 'công bố — {pham_vi}:"', 1),
                     encoding="utf-8")
    problems = run(root)
    assert any(p.entry == "patrol" and p.field == "found" for p in problems), problems


def test_emergencies_get_the_numbers_even_without_a_readable_texts_file(tmp_path, monkeypatch):
    from anninh.emergency import load_emergency

    path = tmp_path / "texts.yml"
    path.write_text("emergency: [\n", encoding="utf-8")
    monkeypatch.setattr(texts_module, "TEXTS_FILE", path)
    with pytest.raises(ContentError):
        load_texts()
    reply = load_emergency().reply("nhà hàng xóm đang cháy")
    assert reply.text.startswith("🚨 114") and all(n in reply.text for n in ("113", "114", "115"))
    assert [b["payload"] for b in reply.buttons][:3] == ["114", "113", "115"]


@pytest.mark.parametrize("old,new,field", [
    ('summary_head: "Dạ, anh/chị kiểm tra lại nội dung {kind}', 'summary_head: "Dạ, anh/chị kiểm tra lại nội dung {loai}',
     "summary_head"),
    ('  button_send: "Gửi"\n', '  button_send: ""\n', "button_send"),
    ('  which_part: "Dạ, anh/chị muốn sửa phần nào ạ?"\n', "", "which_part"),
])
def test_a_broken_report_form_sentence_names_file_entry_and_field(tmp_path, old, new, field):
    from anninh.reports.intake import FORM_FILE, load_form_words

    text = FORM_FILE.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "report_form.yml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_form_words(path)
    assert (caught.value.entry, caught.value.field) == ("messages", field)
    assert "report_form.yml" in str(caught.value)


def test_a_hotline_question_is_answered_even_when_no_content_can_be_read(tmp_path, monkeypatch):
    """Units file and texts file both unreadable: the action still replies, with the numbers."""
    from functools import partial

    from rasa_sdk import Tracker
    from rasa_sdk.executor import CollectingDispatcher

    from actions import directory as directory_actions
    from anninh.directory import load_directory

    broken = tmp_path / "texts.yml"
    broken.write_text("directory: [\n", encoding="utf-8")
    monkeypatch.setattr(texts_module, "TEXTS_FILE", broken)
    monkeypatch.setattr(directory_actions, "load_directory", partial(load_directory, tmp_path / "missing.yml"))
    tracker = Tracker("u1", {}, {"text": "số điện thoại công an tỉnh", "intent": {"name": "ask_hotline"},
                                 "entities": []}, [], False, None, {}, "")
    dispatcher = CollectingDispatcher()
    directory_actions.ActionHotline().run(dispatcher, tracker, {})
    assert len(dispatcher.messages) == 1
    assert all(n in dispatcher.messages[0]["text"] for n in ("113", "114", "115"))


def test_a_sentence_written_twice_is_an_error_naming_both_lines(tmp_path):
    """YAML keeps the last of two equal keys silently; an editor's second copy must not hide the first."""
    from anninh.content import load_yaml

    path = tmp_path / "procedure_texts.yml"
    path.write_text('texts:\n  verdict_fee_yes: "Dạ, có ạ."\n  other: "x"\n  verdict_fee_yes: "Có ạ."\n',
                    encoding="utf-8")
    with pytest.raises(ContentError) as err:
        load_yaml(path)
    assert "verdict_fee_yes" in str(err.value) and "dòng 2" in str(err.value) and "dòng 4" in str(err.value)
