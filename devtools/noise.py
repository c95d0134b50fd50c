"""Silence the third-party warnings listed in pytest.ini in our own scripts too (one list).

pytest.ini's ``filterwarnings`` names each warning that Rasa and its dependencies print on import
and that we cannot fix; a script that loads a model (``scripts/eval_nlu.py``) calls
:func:`silence_third_party_warnings` before importing Rasa so that ``make test`` prints none of
them either. Warnings raised by our own code still show.
"""
from __future__ import annotations

import builtins
import configparser
import warnings
from pathlib import Path
from typing import List, Tuple

PYTEST_INI = Path(__file__).resolve().parent.parent / "pytest.ini"


def third_party_filters(ini: Path = PYTEST_INI) -> List[Tuple[str, str, type, str]]:
    """(action, message regex, category, module regex) of each line of pytest.ini's list."""
    parser = configparser.ConfigParser(interpolation=None, inline_comment_prefixes=None)
    parser.read(ini, encoding="utf-8")
    out = []
    for line in parser.get("pytest", "filterwarnings", fallback="").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        action, message, category, module = (line.split(":", 3) + ["", "", ""])[:4]
        out.append((action, message, getattr(builtins, category or "Warning"), module))
    return out


def silence_third_party_warnings() -> None:
    # sanic puts filterwarnings("once", DeprecationWarning) in front of all filters when imported;
    # import it first so that the filters below go in front of it.
    import sanic  # noqa: F401

    for action, message, category, module in third_party_filters():
        warnings.filterwarnings(action, message=message, category=category, module=module)
