"""The console's interface text, owned by editors: ``content/console.yml``.

A flat mapping ``key: text``. Templates write ``{{ L.some_key }}``; at start every key a template uses
must exist and be non-empty text, else a ``ContentError`` names the file and the key.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Dict, Iterable, Mapping

import yaml

from anninh import CONTENT_DIR
from anninh.content import ContentError

LABELS_FILE = CONTENT_DIR / "console.yml"
TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
_USE = re.compile(r"\b(?:L|labels)\.([a-z][a-z0-9_]*)")
# Keys looked up by name at run time (not visible as L.some_key in the sources).
DYNAMIC_KEYS = ("assign_bad_account", "note_required", "transfer_needs_reason", "reply_empty",
                "publish_empty", "assigned_ok", "status_ok", "transferred_ok", "note_ok", "published_ok",
                "error_403", "error_404", "error_429", "tab_new", "tab_in_progress", "tab_overdue",
                "tab_mine", "tab_all", "role_admin", "role_unit_head", "role_officer")


class Labels:
    def __init__(self, values: Mapping[str, str], path: Path):
        self._values = dict(values)
        self._path = path

    def __getattr__(self, key: str) -> str:
        try:
            return self._values[key]
        except KeyError:
            raise ContentError(self._path, "this text is missing", entry=key) from None

    def get(self, key: str, default: str = "") -> str:
        return self._values.get(key, default)

    def __contains__(self, key: str) -> bool:
        return key in self._values


def used_keys(templates_dir: Path = TEMPLATES_DIR, code_dirs: Iterable[Path] = ()) -> Dict[str, str]:
    """Every ``L.key`` in the templates (and Python sources given), with the first file using it."""
    found: Dict[str, str] = {}
    files = list(templates_dir.glob("*.html"))
    for d in code_dirs:
        files += [f for f in d.rglob("*.py") if f.name != "labels.py"]
    for f in sorted(files):
        for key in _USE.findall(f.read_text(encoding="utf-8")):
            if key == "get":
                continue
            found.setdefault(key, f.name)
    return found


def load_labels(path: Path = LABELS_FILE) -> Labels:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ContentError(path, f"cannot read the file: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ContentError(path, f"not valid YAML: {getattr(exc, 'problem', exc)}",
                           line=mark.line + 1 if mark else None) from None
    if not isinstance(data, dict):
        raise ContentError(path, "expected a list of 'key: text' lines")
    for key, value in data.items():
        if not isinstance(value, str) or not value.strip():
            raise ContentError(path, "the text must not be empty", entry=str(key))
    code_dir = Path(__file__).resolve().parent
    needed = used_keys(TEMPLATES_DIR, [code_dir])
    for key in DYNAMIC_KEYS:
        needed.setdefault(key, "labels.py")
    for key, where in needed.items():
        if key not in data:
            raise ContentError(path, f"this text is missing (used by {where})", entry=key)
    return Labels({str(k): " ".join(v.split()) if "\n" not in v.strip() else v.strip()
                   for k, v in data.items()}, path)
