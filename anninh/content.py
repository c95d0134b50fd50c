"""Loading YAML content that editors write, with errors that name file, entry and field."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

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
        return yaml.safe_load(text)
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
