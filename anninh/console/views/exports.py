"""CSV and JSON exports (``anninh.reports.export``) for admins and unit heads, limited to the
units they may see. An export with contact details writes an ``exported`` entry into the audit
trail of every report it contains."""
from __future__ import annotations

import json
from datetime import date
from typing import Any, Dict, List, Optional

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import insert

from anninh.console import policy
from anninh.reports.codes import KINDS
from anninh.reports.db import writer
from anninh.reports.export import export_reports
from anninh.reports.model import STATUSES
from anninh.reports.privacy import get_logger
from anninh.reports.schema import audit as audit_t
from anninh.reports.timeutil import parse_day, utcnow

log = get_logger(__name__)
bp = Blueprint("exports", __name__, url_prefix="/exports")
MAX_EXPORT = 20_000


def _svc():
    from anninh.console.app import services
    return services()


@bp.route("/")
def form():
    units = policy.export_units(current_user)
    if units is None:
        from anninh.reports.units import all_units
        choices = [u.name for u in all_units()]
    else:
        choices = units
    return render_template("exports.html", kinds=KINDS, statuses=STATUSES, units=choices)


def _day(raw: Optional[str]) -> Optional[date]:
    try:
        return parse_day(raw) if raw and raw.strip() else None
    except ValueError:
        abort(400)


def audit_contact_export(engine: Any, reports: List[Any], *, actor: str, fmt: str) -> None:
    now = utcnow()
    details = json.dumps({"format": fmt, "contact": True, "count": len(reports)})
    with writer(engine).begin() as conn:
        for i in range(0, len(reports), 500):
            conn.execute(insert(audit_t), [
                {"report_id": r.id, "at": now, "actor": actor, "action": "exported", "old_value": None,
                 "new_value": fmt, "note": None, "details": details} for r in reports[i:i + 500]])


@bp.route("/download", methods=["POST"])
def download():
    svc = _svc()
    units = policy.export_units(current_user)
    f = request.form
    fmt = f.get("format") if f.get("format") in ("csv", "json") else abort(400)
    unit = (f.get("unit") or "").strip()
    if unit:
        if units is not None and unit not in units:
            abort(403)
        units = [unit]
    filters: Dict[str, Any] = {"units": units, "since": _day(f.get("since")), "until": _day(f.get("until"))}
    if f.get("status") in STATUSES:
        filters["status"] = f["status"]
    if f.get("kind") in KINDS:
        filters["kind"] = f["kind"]
    include_contact = f.get("contact") == "1"
    reports = svc.store.list_reports(**filters, order="oldest", limit=MAX_EXPORT)
    if include_contact and reports:
        audit_contact_export(svc.store.engine, reports, actor=current_user.actor, fmt=fmt)
        log.info("contact export by account %s: %d report(s)", current_user.id, len(reports))
    body = export_reports(reports, fmt, include_contact=include_contact, content=svc.content)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    mime = "text/csv; charset=utf-8" if fmt == "csv" else "application/json; charset=utf-8"
    return Response(body, mimetype=mime, headers={
        "Content-Disposition": f'attachment; filename="bao-cao-{stamp}.{fmt}"',
        "Cache-Control": "private, no-store"})
