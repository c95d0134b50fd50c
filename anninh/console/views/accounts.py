"""Account management, for province administrators only."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from anninh.console import policy
from anninh.console.views import form_text
from anninh.reports.errors import ReportError

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def _svc():
    from anninh.console.app import services
    return services()


@bp.before_request
def admins_only():
    policy.require_admin(current_user)


def _units():
    from anninh.reports.units import all_units
    return all_units()


@bp.route("/")
def index():
    from anninh.reports.accounts import ROLES
    return render_template("accounts.html", accounts=_svc().accounts.list(), units=_units(), roles=ROLES)


def _unit_id(raw: str):
    from anninh.reports.units import unit_by_id
    unit = unit_by_id(raw) if raw else None
    return unit.id if unit else None


@bp.route("/new", methods=["POST"])
def create():
    svc = _svc()
    f = request.form
    from anninh.reports.accounts import ROLES
    role = f.get("role") if f.get("role") in ROLES else None
    unit_id = _unit_id(form_text(f, "unit_id", 100))
    username = form_text(f, "username", 64).lower()
    password = f.get("password") or ""
    if not (role and unit_id and username and len(password) >= 10):
        flash(svc.labels.account_form_invalid, "error")
        return redirect(url_for("accounts.index"))
    try:
        svc.accounts.create(username, password, display_name=form_text(f, "display_name", 200) or username,
                            unit_id=unit_id, role=role, actor=current_user.actor)
    except (ReportError, ValueError) as exc:
        flash(f"{svc.labels.action_failed} {exc}", "error")
    else:
        flash(svc.labels.account_created, "ok")
    return redirect(url_for("accounts.index"))


@bp.route("/<int:account_id>", methods=["POST"])
def update(account_id: int):
    svc = _svc()
    f = request.form
    from anninh.reports.accounts import ROLES
    if svc.accounts.get(account_id) is None:
        return redirect(url_for("accounts.index"))
    kwargs = {"display_name": form_text(f, "display_name", 200) or None,
              "unit_id": _unit_id(form_text(f, "unit_id", 100)),
              "role": f.get("role") if f.get("role") in ROLES else None,
              "active": f.get("active") == "1"}
    try:
        svc.accounts.update(account_id, actor=current_user.actor, **kwargs)
        password = f.get("password") or ""
        if password:
            if len(password) < 10:
                raise ValueError(svc.labels.password_too_short)
            svc.accounts.set_password(account_id, password, actor=current_user.actor)
    except (ReportError, ValueError) as exc:
        flash(f"{svc.labels.action_failed} {exc}", "error")
    else:
        flash(svc.labels.account_saved, "ok")
    return redirect(url_for("accounts.index"))
