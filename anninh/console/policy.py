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
