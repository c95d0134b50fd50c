"""The inbox of a unit and the page of one report."""
from __future__ import annotations

from datetime import date
from typing import Any, Dict, Optional

from flask import Blueprint, render_template, request
from flask_login import current_user

from anninh.console import policy
from anninh.console.figures import inbox_figures
from anninh.console.views import visible_report
from anninh.reports.codes import KINDS
from anninh.reports.errors import ValidationError
from anninh.reports.model import STATUSES, TRANSITIONS
from anninh.reports.timeutil import parse_day

bp = Blueprint("reports", __name__)
TABS = ("new", "in_progress", "overdue", "mine", "all")
TRANSCRIPT_PREVIEW = 30
COUNT_CAP = 1000  # the inbox counts a list exactly up to this many reports


def _svc():
    from anninh.console.app import services
    return services()


def _day(name: str) -> Optional[date]:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_day(raw)
    except ValueError:
        return None


def inbox_filters(account: Any) -> Dict[str, Any]:
    """The store filters of the inbox for this request and account (never wider than allowed)."""
    args = request.args
    tab = args.get("tab") if args.get("tab") in TABS else "new"
    units = policy.visible_units(account)
    unit = (args.get("unit") or "").strip()
    if unit and (units is None or unit in units):
        units = [unit]
    f: Dict[str, Any] = {"units": units}
    if tab == "new":
        f["status"] = "received"
    elif tab == "in_progress":
        f["status"] = "in_progress"
    elif tab == "overdue":
        f["overdue"] = True
        f["order"] = "due"  # longest overdue first (and the index on the deadline serves it)
    elif tab == "mine":
        f["assigned_to"] = account.username
        if not policy.is_admin(account):
            f["units"] = None  # assigned reports are visible wherever they are now
    if args.get("status") in STATUSES:
        f["status"] = args["status"]
    if args.get("kind") in KINDS:
        f["kind"] = args["kind"]
    text = (args.get("q") or "").strip()[:200]
    if text:
        f["text"] = text
    commune = (args.get("commune") or "").strip()[:100]
    if commune and units is None:  # only a view over several units has communes to choose from
        f["commune"] = commune
    since, until = _day("since"), _day("until")
    if since and until and since > until:
        since, until = until, since
    if since:
        f["since"] = since
    if until:
        f["until"] = until
    f["_tab"] = tab
    return f


@bp.route("/")
def inbox():
    svc = _svc()
    f = inbox_filters(current_user)
    tab = f.pop("_tab")
    try:
        page = max(1, min(int(request.args.get("page", "1")), 100_000))
    except ValueError:
        page = 1
    size = svc.settings.page_size
    store = svc.store
    order = f.pop("order", "newest")
    try:
        # A text search scans the rows and the overdue tab's figure is in its tab: neither is
        # counted again, the pager just offers the next page. Other lists are counted up to
        # COUNT_CAP ("more than 1.000"): an exact count of a province-wide list costs more than
        # the page itself.
        total = None if "text" in f or f.get("overdue") else store.count_reports(**f, cap=COUNT_CAP)
        items = store.list_reports(**f, order=order, offset=(page - 1) * size, limit=size + 1)
    except ValidationError:  # a filter value that matches nothing known (edited URL)
        total, items = 0, []
    has_next, items = len(items) > size, items[:size]
    pages = None if total is None or total > COUNT_CAP else max(1, -(-total // size))
    figures = inbox_figures(store, policy.visible_units(current_user), current_user.username)
    units = communes = None
    if policy.is_admin(current_user):
        from anninh.reports.units import all_units
        units = [u.name for u in all_units()]
        communes = [u for u in all_units() if u.kind == "commune"]
    return render_template("inbox.html", items=items, total=total, page=page, pages=pages,
                           has_next=has_next, tab=tab, tabs=TABS, kinds=KINDS, statuses=STATUSES,
                           units=units, communes=communes, args=request.args, count_cap=COUNT_CAP,
                           **figures)


@bp.route("/r/<code>")
def report(code: str):
    svc = _svc()
    r = visible_report(code)
    user = current_user
    store = svc.store
    transcript = svc.transcripts.lines(r.sender_id)
    assignees = []
    transfer_units = []
    if policy.can(user, policy.ASSIGN, r):
        from anninh.reports.units import unit_by_name
        unit = unit_by_name(r.unit) if r.unit else None
        assignees = [a for a in svc.accounts.list(unit_id=unit.id if unit else None)
                     if a.active] if unit else []
    if policy.can(user, policy.TRANSFER, r):
        from anninh.reports.units import all_units
        transfer_units = [u for u in all_units() if u.name != r.unit]
    return render_template(
        "report.html", r=r, notes=store.notes(r.code), transfers=store.transfers(r.code),
        audit=store.audit_trail(r.code), transcript=transcript[-TRANSCRIPT_PREVIEW:],
        transcript_more=len(transcript) > TRANSCRIPT_PREVIEW, assignees=assignees,
        transfer_units=transfer_units, next_statuses=sorted(TRANSITIONS.get(r.status, ())),
        can_manage=policy.can(user, policy.ASSIGN, r))


@bp.route("/r/<code>/conversation")
def conversation(code: str):
    svc = _svc()
    r = visible_report(code)
    return render_template("conversation.html", r=r, transcript=svc.transcripts.lines(r.sender_id))
