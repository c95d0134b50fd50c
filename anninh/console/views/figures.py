"""The month's figures as charts, tables and CSV files (``anninh.reports.figures`` computes,
``anninh.console.charts`` draws). Unit heads see their unit; administrators every unit, the
province and a comparison of units. Also the printable monthly summary."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Dict, List, Optional, Sequence, Tuple

from flask import Blueprint, Response, abort, render_template, request
from flask_login import current_user

from anninh.console import policy
from anninh.console.figures import _cached
from anninh.reports import figures as F
from anninh.reports.model import STATUSES

bp = Blueprint("figures", __name__, url_prefix="/figures")
NAMES = ("conversations", "procedures", "reports_kind", "reports_status", "handling", "handoffs")


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: Tuple[str, ...]  # first: the row label; then numbers (the chart's series)
    rows: List[Tuple[Any, ...]]


def _svc():
    from anninh.console.app import services
    return services()


def _month() -> F.Month:
    try:
        return F.Month.parse(request.args.get("month"))
    except ValueError:
        abort(400)


def _unit() -> Optional[str]:
    """The unit asked for (None: the province), after the policy's check."""
    return policy.figure_unit(current_user, (request.args.get("unit") or "").strip() or None)


CONVERSATIONS_TTL_S = {"current": 300.0, "past": 3600.0}


def _figures(month: F.Month, unit: Optional[str]) -> F.Figures:
    """Reports and handoffs: kept 10 s (they change all the time). The conversations, read from the
    tracker store's unindexed events table: kept 5 minutes for the current month, an hour for a
    past one (its conversations are over)."""
    svc = _svc()
    ttl = CONVERSATIONS_TTL_S["past" if month < F.Month.parse(None) else "current"]
    conversations = _cached((id(svc.store), "conversations", unit, month.key),
                            lambda: F.conversations_of(svc.transcripts.engine(), month, unit), ttl)
    return _cached((id(svc.store), "figures", unit, month.key), lambda: F.compute(
        svc.store.engine, month, unit, overdue_minutes=svc.settings.handoff_overdue_minutes,
        conversations=conversations))


def _compare(month: F.Month) -> List[F.Figures]:
    svc = _svc()
    return _cached((id(svc.store), "compare", month.key), lambda: F.compare_units(
        svc.store.engine, month, overdue_minutes=svc.settings.handoff_overdue_minutes))


@lru_cache(maxsize=1)
def _family_titles() -> Dict[str, str]:
    from anninh.catalogue import load_catalogue
    try:
        return {k: v.title for k, v in load_catalogue().families.items()}
    except Exception:  # noqa: BLE001 -- a content mistake must not hide the figures
        return {}


def _r(v: Optional[float]) -> Optional[float]:
    return None if v is None else round(v, 1)


def tables(f: F.Figures) -> List[Table]:
    L, content = _svc().labels, _svc().content
    families = _family_titles()
    kinds = sorted(f.reports_by_kind, key=lambda k: -f.reports_by_kind[k])
    return [
        Table("conversations", L.fig_conversations, (L.fig_item, L.fig_count), [
            (L.fig_conv_count, f.conversations), (L.fig_citizen_messages, f.citizen_messages),
            (L.fig_assistant_messages, f.assistant_messages)]),
        Table("procedures", L.fig_procedures, (L.fig_family, L.fig_count),
              [(families.get(k, k), n) for k, n in sorted(f.procedures_by_family.items(), key=lambda x: -x[1])]),
        Table("reports_kind", L.fig_reports_kind, (L.fig_kind, L.fig_count),
              [(content.kind_title(k), f.reports_by_kind[k]) for k in kinds]),
        Table("reports_status", L.fig_reports_status, (L.fig_status, L.fig_count),
              [(content.status_label(s), f.reports_by_status.get(s, 0)) for s in STATUSES
               if f.reports_by_status.get(s)]),
        Table("handling", L.fig_handling, (L.fig_item, L.fig_value), [
            (L.fig_received, f.received), (L.fig_handled, f.handled),
            (L.fig_median_days, _r(f.handling_median_days)), (L.fig_p90_days, _r(f.handling_p90_days)),
            (L.fig_overdue_reports, f.overdue_reports)]),
        Table("handoffs", L.fig_handoffs, (L.fig_item, L.fig_value), [
            (L.fig_handoff_requests, f.handoffs), (L.fig_handoff_taken, f.handoffs_taken),
            (L.fig_handoff_overdue, f.handoffs_overdue), (L.fig_wait_median, _r(f.handoff_wait_median_min)),
            (L.fig_wait_p90, _r(f.handoff_wait_p90_min))]),
    ]


def compare_table(rows: Sequence[F.Figures]) -> Table:
    L = _svc().labels
    return Table("compare", L.fig_compare, (L.fig_unit, L.fig_received, L.fig_handled, L.fig_median_days,
                                            L.fig_p90_days, L.fig_overdue_reports, L.fig_handoff_requests),
                 [(f.unit or L.fig_no_unit, f.received, f.handled, _r(f.handling_median_days),
                   _r(f.handling_p90_days), f.overdue_reports, f.handoffs) for f in rows])


def _table(name: str, month: F.Month) -> Tuple[Table, Optional[str]]:
    if name == "compare":
        if not policy.is_admin(current_user):
            abort(403)
        return compare_table(_compare(month)), None
    unit = _unit()
    if name not in NAMES:
        abort(404)
    return next(t for t in tables(_figures(month, unit)) if t.name == name), unit


def _units_choice() -> Optional[List[str]]:
    if not policy.is_admin(current_user):
        return None
    from anninh.reports.units import all_units
    return [u.name for u in all_units()]


@bp.route("/")
def index():
    month = _month()
    unit = _unit()
    f = _figures(month, unit)
    return render_template("figures.html", f=f, month=month, unit=unit, tables=tables(f),
                           units=_units_choice(), args={"month": month.key, "unit": unit or ""})


@bp.route("/compare")
def compare():
    if not policy.is_admin(current_user):
        abort(403)
    month = _month()
    return render_template("figures_compare.html", month=month, table=compare_table(_compare(month)),
                           args={"month": month.key})


@bp.route("/chart/<name>.svg")
def chart(name: str):
    from anninh.console.charts import bar_chart
    month = _month()
    table, unit = _table(name, month)
    title = f"{table.title} · {unit or _svc().labels.fig_province} · {month.key}"
    series = [(table.columns[i], [row[i] for row in table.rows]) for i in range(1, len(table.columns))]
    if name == "compare":
        series = series[:2]  # received and handled per unit
    svg = bar_chart(title, [str(row[0]) for row in table.rows] or ["—"],
                    series if table.rows else [(table.columns[1], [0])])
    return Response(svg, mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=60"})


@bp.route("/csv/<name>")
def csv_file(name: str):
    month = _month()
    table, unit = _table(name, month)
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["month", "unit", *table.columns])
    for row in table.rows:
        w.writerow([month.key, unit or "", *["" if v is None else v for v in row]])
    return Response("\ufeff" + buf.getvalue(), mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="so-lieu-{name}-{month.key}.csv"',
        "Cache-Control": "private, no-store"})


@bp.route("/summary")
def summary():
    month = _month()
    unit = _unit()
    f = _figures(month, unit)
    return render_template("summary.html", f=f, month=month, unit=unit, tables=tables(f),
                           published=F.published_results(_svc().store.engine, month,
                                                         [unit] if unit else None))
