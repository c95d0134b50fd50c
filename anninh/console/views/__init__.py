"""Blueprints of the console, one per area."""
from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user

from anninh.console import policy


def visible_report(code: str, action: str = policy.VIEW) -> Any:
    """The report with this code if the logged-in account may ``action`` it; 404/403 otherwise."""
    from anninh.console.app import services
    report = services().store.get(code)
    policy.require(current_user, action, report)
    return report


def form_text(form: Any, name: str, max_len: int = 5000) -> str:
    value = (form.get(name) or "").strip()
    if len(value) > max_len:
        abort(400)
    return value
