"""Loading YAML content that editors write, with errors that name file, entry and field."""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any, Callable, List, Optional

import yaml


def _display(file: "str | Path") -> str:
    """A path as editors see it: relative to the project when inside it."""
    from anninh import PROJECT_ROOT
    try:
        return str(Path(file).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(file)


class ContentError(Exception):
    """A problem in an editor's file. ``str()`` is the message shown to the editor."""

    def __init__(self, file: "str | Path", message: str, entry: Optional[str] = None,
                 field: Optional[str] = None, line: Optional[int] = None):
        self.file = _display(file)
        self.entry = entry
        self.field = field
        self.line = line
        self.message = message
        where = self.file + (f":{line}" if line else "")
        parts = [where]
        if entry:
            parts.append(f"mục '{entry}'")
        if field:
            parts.append(f"trường '{field}'")
        super().__init__(" — ".join(parts) + f": {message}")


class _DuplicateKey(yaml.YAMLError):
    def __init__(self, key: Any, first: int, again: int):
        super().__init__()
        self.key, self.first, self.again = key, first, again


class _UniqueKeys(yaml.SafeLoader):
    """Safe YAML in which a key written twice in one table is an error: YAML itself keeps the
    last one silently, so an editor's second copy of a sentence would hide the first."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen: dict = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[arg-type]
            try:
                if key in seen:
                    raise _DuplicateKey(key, seen[key], key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=deep)


def load_yaml(path: "str | Path") -> Any:
    """Parse one YAML file; a syntax error becomes a ContentError with the line number."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ContentError(path, "không tìm thấy tệp") from None
    except UnicodeDecodeError:
        raise ContentError(path, "tệp không phải UTF-8; hãy lưu lại với mã hóa UTF-8") from None
    try:
        return yaml.load(text, Loader=_UniqueKeys)
    except _DuplicateKey as exc:
        raise ContentError(path, f"khóa '{exc.key}' viết hai lần (dòng {exc.first} và dòng {exc.again}); "
                                 "chỉ giữ một", line=exc.again) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ContentError(path, f"lỗi cú pháp YAML ({problem}); kiểm tra thụt lề, dấu ':' và dấu '-'",
                           line=line) from None


def require_mapping(value: Any, file: "str | Path", entry: Optional[str] = None,
                    field: Optional[str] = None) -> dict:
    if not isinstance(value, dict):
        raise ContentError(file, "cần một bảng dạng 'khóa: giá trị'", entry=entry, field=field)
    return value


def template(value: Any, file: "str | Path", entry: Optional[str], field: str,
             allowed: "frozenset[str] | set[str]" = frozenset()) -> str:
    """An editor's sentence with ``{placeholders}``: a non-empty string using only ``allowed``
    names. Whitespace is squashed (YAML ``>-`` blocks become one line). ContentError otherwise."""
    import string

    if not isinstance(value, str) or not value.strip():
        raise ContentError(file, "thiếu câu trả lời (cần một đoạn chữ không rỗng)", entry=entry,
                           field=field)
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(value) if name is not None}
    except ValueError as exc:
        raise ContentError(file, f"dấu ngoặc nhọn không khớp ({exc}); viết '{{{{' nếu cần một dấu "
                                 "'{'", entry=entry, field=field) from None
    unknown = sorted(names - set(allowed))
    if unknown:
        usable = ", ".join("{" + n + "}" for n in sorted(allowed)) or "không có chỗ nào"
        raise ContentError(file, f"không dùng được {{{unknown[0]}}} ở đây (được dùng: {usable})",
                           entry=entry, field=field)
    return " ".join(value.split())


def file_stamp(*paths: "str | Path") -> tuple:
    """(mtime, size) of each file, None for a missing one: cached content is re-read when its
    files change, so editors' changes apply without a restart."""
    out = []
    for p in paths:
        try:
            st = Path(p).stat()
            out.append((st.st_mtime_ns, st.st_size))
        except OSError:
            out.append(None)
    return tuple(out)


class _DatesAsText(_UniqueKeys):
    """YAML without implicit dates, so an impossible date ("2026-13-40") reaches the checks as
    text instead of failing the whole file."""


_DatesAsText.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _UniqueKeys.yaml_implicit_resolvers.items()}


def load_dated_yaml(path: "str | Path") -> Any:
    """``load_yaml``, except that dates PyYAML cannot build are left as text for the caller."""
    try:
        return load_yaml(path)
    except ValueError:
        return yaml.load(Path(path).read_text(encoding="utf-8"), Loader=_DatesAsText)


DATE_HELP = "cần ngày dạng 2026-01-31 hoặc 31/01/2026"


def content_date(value: Any, file: "str | Path", entry: Optional[str], field: str,
                 required: bool = True) -> Optional[date]:
    """A date an editor wrote (YAML date, "2026-01-31" or "31/01/2026"); None when empty and
    not ``required``; ContentError naming entry and field otherwise."""
    from anninh.timeutil import parse_day

    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not required and (value is None or (isinstance(value, str) and not value.strip())):
        return None
    if isinstance(value, str):
        try:
            return parse_day(value)
        except ValueError:
            pass
    raise ContentError(file, DATE_HELP, entry=entry, field=field)


def problems_of(loader: Callable[..., Any], *args: Any) -> List[ContentError]:
    """The ContentError ``loader(*args)`` raises, as a list (empty when the file is fine)."""
    try:
        loader(*args)
    except ContentError as exc:
        return [exc]
    return []


def print_problems(problems: List[ContentError]) -> int:
    """Print an editors' CLI's errors on stderr; the exit code (1 when there is any)."""
    import sys

    if not problems:
        return 0
    print(f"Có {len(problems)} lỗi cần sửa:", file=sys.stderr)
    for p in problems:
        print(f"  ✗ {p}", file=sys.stderr)
    return 1
