"""Who may do what: the one authorisation policy every route asks.

Roles (``anninh.reports.accounts.ROLES``):

* ``admin``: every unit; manages accounts;
* ``unit_head``: the reports of their unit: reads, handles, assigns, transfers, publishes,
  exports, sees the unit's figures;
* ``officer``: the reports of their unit and the ones assigned to them: reads and handles
  them (status with a note, internal notes, replies to the citizen); no assignment, transfer,
  publication or export.

A report the account may not see is answered 404 (its existence is not revealed); an action on
a visible report that the role does not allow is answered 403.
"""
from __future__ import annotations

from typing import Any, List, Optional

from flask import abort

VIEW = "view"          # read the report, its attachments, transcript, audit trail, notes
HANDLE = "handle"      # status change with a note, internal notes, reply to the citizen
ASSIGN = "assign"
TRANSFER = "transfer"
PUBLISH = "publish"
MANAGE = (ASSIGN, TRANSFER, PUBLISH)


def is_admin(account: Any) -> bool:
    return bool(account and account.active and account.role == "admin")


def is_head(account: Any) -> bool:
    return bool(account and account.active and account.role == "unit_head")


def visible_units(account: Any) -> Optional[List[str]]:
    """The units whose inbox the account reads; None = all units."""
    if is_admin(account):
        return None
    return [account.unit_name] if account.unit_name else []


def can_view(account: Any, report: Any) -> bool:
    if not account or not account.active:
        return False
    if is_admin(account):
        return True
    if report.unit and report.unit == account.unit_name:
        return True
    return bool(report.assigned_to) and report.assigned_to == account.username


def can(account: Any, action: str, report: Any) -> bool:
    if not can_view(account, report):
        return False
    if action in (VIEW, HANDLE):
        return True
    if action in MANAGE:
        return is_admin(account) or (is_head(account) and report.unit == account.unit_name)
    raise ValueError(f"unknown action {action!r}")


def require(account: Any, action: str, report: Any) -> None:
    """Abort with 404 when the report is not visible, 403 when the action is not allowed."""
    if report is None or not can_view(account, report):
        abort(404)
    if not can(account, action, report):
        abort(403)


def can_export(account: Any) -> bool:
    return is_admin(account) or is_head(account)


def export_units(account: Any) -> Optional[List[str]]:
    """Units an export may cover (None = all); abort 403 for roles without exports."""
    if not can_export(account):
        abort(403)
    return visible_units(account)


def can_manage_accounts(account: Any) -> bool:
    return is_admin(account)


def require_admin(account: Any) -> None:
    if not can_manage_accounts(account):
        abort(403)


def assignable_units(account: Any) -> Optional[List[str]]:
    """Accounts of these units can be chosen as assignee (None = any)."""
    return visible_units(account)


# --- conversations waiting for an officer (handoff requests) --------------------------------
# Every active account of the request's unit sees it, takes it, replies and hands back; a request
# a colleague took is theirs: only the unit head or an administrator takes it over.

def can_view_handoff(account: Any, handoff: Any) -> bool:
    if not account or not account.active or handoff is None:
        return False
    return is_admin(account) or bool(handoff.unit) and handoff.unit == account.unit_name


def may_answer_handoff(account: Any, handoff: Any) -> bool:
    """Reply / hand back: the officer who took it, or the unit head / an administrator."""
    return can_view_handoff(account, handoff) and (
        handoff.taken_by in (None, account.username) or is_admin(account) or is_head(account))


def require_handoff(account: Any, handoff: Any, *, answer: bool = False) -> None:
    """404 when the request is not visible; 403 when a colleague holds it."""
    if not can_view_handoff(account, handoff):
        abort(404)
    if answer and not may_answer_handoff(account, handoff):
        abort(403)


# --- figures ----------------------------------------------------------------------------------

def can_see_figures(account: Any) -> bool:
    return is_admin(account) or is_head(account)


def figure_unit(account: Any, unit: Optional[str]) -> Optional[str]:
    """The unit whose figures are asked (None = the province, all units: administrators only);
    403 for officers, and for a unit head asking another unit or the province."""
    if not can_see_figures(account):
        abort(403)
    if is_admin(account):
        return unit or None
    if unit and unit != account.unit_name:
        abort(403)
    return account.unit_name
