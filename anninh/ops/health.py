"""Readiness checks shared by the Sanic and WSGI endpoints: each part of a process that must be up
before it takes traffic registers a check (model loaded, Zalo channel started, database reachable)."""
from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

Check = Callable[[Any], Tuple[bool, Any]]  # (app or None) -> (ready, detail)
_checks: Dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    """Add (or replace) a readiness check, called at every ``/health/ready``."""
    _checks[name] = check


def readiness(app: Any = None) -> Tuple[bool, Dict[str, Any]]:
    ready, details = True, {}
    for name, check in list(_checks.items()):
        try:
            ok, detail = check(app)
        except Exception as exc:  # noqa: BLE001 - a failing check means not ready
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        ready = ready and bool(ok)
        details[name] = {"ready": bool(ok), "detail": detail}
    return ready, details
