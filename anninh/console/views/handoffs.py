"""Conversations waiting for an officer (handoff requests, ``anninh.reports.handoff``): the list
per unit, one conversation with its transcript, take, reply over Zalo, hand back to the
assistant. Every change is made as ``account:<username>``."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from anninh.console import policy
from anninh.console.views import form_text
from anninh.reports.errors import ReportError
from anninh.reports.handoff import HandoffStore
from anninh.reports.timeutil import fmt_vn, utcnow

bp = Blueprint("handoffs", __name__, url_prefix="/h")


def _svc():
    from anninh.console.app import services
    return services()


def _store() -> HandoffStore:
    return HandoffStore(_svc().store.engine, check=False)


def _visible(handoff_id: int, *, answer: bool = False):
    h = _store().get(handoff_id)
    policy.require_handoff(current_user, h, answer=answer)
    return h


def _lines(h):
    """The conversation so far: the assistant's tracker store (live), else the lines kept with
    the request."""
    live = _svc().transcripts.lines(h.sender_id)
    if live:
        return [{"who": line.who, "text": line.text, "at": fmt_vn(line.at)} for line in live]
    return [{"who": "user" if line["who"] == "citizen" else line["who"], "text": line["text"], "at": ""}
            for line in h.transcript]


def _replies(h):
    return [{"actor": r.actor, "text": r.text, "at": fmt_vn(r.at), "outcome": r.outcome,
             "error": r.error or "", "error_code": r.error_code} for r in _store().replies(h.id)]


BADGE_TTL_S = 3.0  # the menu's count of waiting citizens is at most this old


@bp.app_context_processor
def waiting_badge():
    """How many citizens wait for an officer of the account's units (and how many too long), for
    the menu of every page; counted again at most every few seconds."""
    if not current_user or not current_user.is_authenticated:
        return {}
    from anninh.console.figures import _cached
    svc = _svc()
    units = policy.visible_units(current_user)
    minutes = svc.settings.handoff_overdue_minutes

    def count():
        store = _store()
        return {"waiting": len(store.waiting(units=units)), "overdue": store.overdue_count(minutes, units=units)}
    return {"handoff_badge": _cached((id(svc.store), "handoffs", None if units is None else tuple(units)), count,
                                     ttl=BADGE_TTL_S)}


@bp.route("/")
def waiting():
    minutes = _svc().settings.handoff_overdue_minutes
    units = policy.visible_units(current_user)
    store = _store()
    items = store.waiting(units=units)
    now = utcnow()
    return render_template("handoffs.html", items=items, now=now, minutes=minutes,
                           overdue={h.id for h in items if h.overdue(minutes, now)},
                           overdue_count=store.overdue_count(minutes, units=units))


@bp.route("/<int:handoff_id>")
def conversation(handoff_id: int):
    h = _visible(handoff_id)
    minutes = _svc().settings.handoff_overdue_minutes
    return render_template("handoff.html", h=h, lines=_lines(h), replies=_replies(h),
                           overdue=h.overdue(minutes), may_answer=policy.may_answer_handoff(current_user, h),
                           may_take_over=policy.is_admin(current_user) or policy.is_head(current_user))


@bp.route("/<int:handoff_id>/poll")
def poll(handoff_id: int):
    """What the conversation page refreshes every few seconds (``static/handoff.js``)."""
    h = _visible(handoff_id)
    resp = jsonify({"lines": _lines(h), "replies": _replies(h), "active": h.active(),
                    "taken_by": h.taken_by or ""})
    resp.headers["Cache-Control"] = "no-store"
    return resp


def _back(handoff_id: int):
    return redirect(url_for("handoffs.conversation", handoff_id=handoff_id))


@bp.route("/<int:handoff_id>/take", methods=["POST"])
def take(handoff_id: int):
    h = _visible(handoff_id)
    L = _svc().labels
    force = request.form.get("force") == "1" and (policy.is_admin(current_user) or policy.is_head(current_user))
    try:
        _store().take(h.id, actor=current_user.username, force=force)
    except ReportError as exc:
        flash(f"{L.action_failed} {exc}", "error")
    else:
        flash(L.handoff_taken_ok, "ok")
    return _back(h.id)


@bp.route("/<int:handoff_id>/reply", methods=["POST"])
def reply(handoff_id: int):
    h = _visible(handoff_id, answer=True)
    L = _svc().labels
    text = form_text(request.form, "text", 2000)
    if not text:
        flash(L.reply_empty, "error")
        return _back(h.id)
    from anninh.reports.handoff_reply import reply_to_handoff
    try:
        if h.taken_by is None:
            _store().take(h.id, actor=current_user.username)
        sent = reply_to_handoff(_store(), h.id, text, actor=current_user.username)
    except ReportError as exc:
        flash(f"{L.action_failed} {exc}", "error")
        return _back(h.id)
    if sent.outcome == "ok":
        flash(L.handoff_reply_sent, "ok")
    elif sent.outcome == "not_sent":
        flash(f"{L.handoff_reply_not_sent} {sent.error or ''}", "error")
    else:
        flash(f"{L.handoff_reply_failed} {sent.error or ''}", "error")
    return _back(h.id)


@bp.route("/<int:handoff_id>/handback", methods=["POST"])
def handback(handoff_id: int):
    h = _visible(handoff_id, answer=True)
    L = _svc().labels
    try:
        _store().close(h.id, actor=current_user.actor, note=form_text(request.form, "note", 2000) or None)
    except ReportError as exc:
        flash(f"{L.action_failed} {exc}", "error")
        return _back(h.id)
    flash(L.handoff_handed_back, "ok")
    return redirect(url_for("handoffs.waiting"))
