"""Handling a report: assign, status with a note, transfer, internal notes, reply to the citizen,
publish the result through the masked preview. Every change is made as ``account:<username>``."""
from __future__ import annotations

from typing import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from anninh.console import adapters, policy
from anninh.console.views import form_text, visible_report
from anninh.reports.errors import ReportError
from anninh.reports.privacy import get_logger

log = get_logger(__name__)
bp = Blueprint("handling", __name__, url_prefix="/r/<code>")


def _svc():
    from anninh.console.app import services
    return services()


def _back(code: str):
    return redirect(url_for("reports.report", code=code))


def _refuse(code: str, message_key: str):
    """Back to the report page with the message that says what is missing."""
    flash(getattr(_svc().labels, message_key), "error")
    return _back(code)


def _run(code: str, ok_key: str, change: Callable[[], object]):
    L = _svc().labels
    try:
        change()
    except ReportError as exc:
        flash(f"{L.action_failed} {exc}", "error")
    else:
        flash(getattr(L, ok_key), "ok")
    return _back(code)


@bp.route("/assign", methods=["POST"])
def assign(code: str):
    svc = _svc()
    r = visible_report(code, policy.ASSIGN)
    username = form_text(request.form, "assignee", 64)
    account = svc.accounts.by_username(username) if username else None
    from anninh.reports.units import unit_by_name
    unit = unit_by_name(r.unit) if r.unit else None
    if account is None or not account.active or unit is None or account.unit_id != unit.id:
        return _refuse(r.code, "assign_bad_account")
    return _run(r.code, "assigned_ok", lambda: svc.store.assign(
        r.code, account.username, actor=current_user.actor, note=form_text(request.form, "note", 2000) or None))


@bp.route("/status", methods=["POST"])
def status(code: str):
    svc = _svc()
    r = visible_report(code, policy.HANDLE)
    note = form_text(request.form, "note", 2000)
    if not note:
        return _refuse(r.code, "note_required")
    new = form_text(request.form, "status", 32)
    return _run(r.code, "status_ok", lambda: svc.store.transition(r.code, new, actor=current_user.actor, note=note))


@bp.route("/transfer", methods=["POST"])
def transfer(code: str):
    svc = _svc()
    r = visible_report(code, policy.TRANSFER)
    reason = form_text(request.form, "reason", 2000)
    to_unit = form_text(request.form, "to_unit", 200)
    from anninh.reports.units import unit_by_name
    if not reason or unit_by_name(to_unit) is None:
        return _refuse(r.code, "transfer_needs_reason")
    _run(r.code, "transferred_ok", lambda: svc.store.transfer(r.code, to_unit, reason=reason,
                                                             actor=current_user.actor))
    fresh = svc.store.get(r.code)
    if fresh is not None and not policy.can_view(current_user, fresh):
        return redirect(url_for("reports.inbox"))  # it left the unit: back to the inbox
    return _back(r.code)


@bp.route("/note", methods=["POST"])
def note(code: str):
    svc = _svc()
    r = visible_report(code, policy.HANDLE)
    text = form_text(request.form, "text", 2000)
    if not text:
        return _refuse(r.code, "note_required")
    return _run(r.code, "note_ok", lambda: svc.store.add_note(r.code, text, actor=current_user.actor))


@bp.route("/reply", methods=["POST"])
def reply(code: str):
    svc = _svc()
    L = svc.labels
    r = visible_report(code, policy.HANDLE)
    text = form_text(request.form, "text", 2000)
    if not text:
        return _refuse(r.code, "reply_empty")
    result = adapters.reply_to_citizen(svc.store, r.code, text, actor=current_user.actor)
    if result.ok:
        flash(L.reply_ok, "ok")
    else:
        detail = f" ({result.error_code})" if result.error_code is not None else ""
        flash(f"{L.reply_failed}{detail} {result.error or ''}".strip(), "error")
    return _back(r.code)


@bp.route("/publish", methods=["POST"])
def publish_preview(code: str):
    """Step 1: show the text as it will be published (masked); nothing is stored yet."""
    svc = _svc()
    r = visible_report(code, policy.PUBLISH)
    text = form_text(request.form, "text", 5000)
    if not text:
        return _refuse(r.code, "publish_empty")
    return render_template("publish_preview.html", r=r, original=text,
                           masked=adapters.mask_for_publication(text, r))


@bp.route("/publish/confirm", methods=["POST"])
def publish_confirm(code: str):
    """Step 2: publish the masked text, only if it is still exactly what the officer saw."""
    svc = _svc()
    r = visible_report(code, policy.PUBLISH)
    original = form_text(request.form, "original", 5000)
    shown = form_text(request.form, "masked", 5000)
    masked = adapters.mask_for_publication(original, r) if original else ""
    if not masked or masked != shown:
        abort(400)
    return _run(r.code, "published_ok", lambda: svc.store.publish_result(r.code, masked,
                                                                         actor=current_user.actor))
