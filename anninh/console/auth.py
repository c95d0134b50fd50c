"""Logging in and out. Every route needs a logged-in, active account except the ones listed in
``PUBLIC_ENDPOINTS`` (default deny, checked before any view runs).

Failed logins are counted per account name and per address (``AccountStore``); past the limits
login is refused with 429 for the rest of the window, whatever the password. Passwords are only
handed to ``AccountStore.authenticate`` (Argon2) and never logged.
"""
from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlsplit

from flask import (Blueprint, abort, flash, redirect, render_template, request, session,
                   url_for)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from anninh.reports.privacy import get_logger

log = get_logger(__name__)
bp = Blueprint("auth", __name__)
PUBLIC_ENDPOINTS = {"auth.login", "static", "healthz"}


class ConsoleUser(UserMixin):
    """The logged-in account, as Flask-Login wants it; reads through to ``Account``."""

    def __init__(self, account: Any):
        self.account = account

    def get_id(self) -> str:
        return str(self.account.id)

    @property
    def is_active(self) -> bool:
        return bool(self.account.active)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.account, name)

    @property
    def actor(self) -> str:
        """How the audit trail names this account."""
        return f"account:{self.account.username}"


class LoginForm(FlaskForm):
    username = StringField(validators=[DataRequired(), Length(max=64)])
    password = PasswordField(validators=[DataRequired(), Length(max=256)])


def _services():
    from anninh.console.app import services
    return services()


def init(app) -> None:
    manager = LoginManager(app)
    manager.login_view = "auth.login"
    manager.login_message = None
    manager.session_protection = "strong"

    @manager.user_loader
    def load_user(user_id: str) -> Optional[ConsoleUser]:
        try:
            account = _services().accounts.get(int(user_id))
        except (TypeError, ValueError):
            return None
        if account is None or not account.active:
            return None
        return ConsoleUser(account)

    @app.before_request
    def require_login():
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        if not current_user.is_authenticated:
            return manager.unauthorized()
        return None


def _safe_next(target: Optional[str]) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("reports.inbox")


@bp.route("/login", methods=["GET", "POST"])
def login():
    svc = _services()
    L = svc.labels
    if current_user.is_authenticated:
        return redirect(url_for("reports.inbox"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        address = request.remote_addr or "?"
        st = svc.settings
        accounts = svc.accounts
        if (accounts.recent_failures(username=username, within_s=st.failure_window_s) >= st.max_failures
                or accounts.recent_failures(address=address, within_s=st.failure_window_s)
                >= st.max_failures_per_address):
            log.warning("login refused: too many failures (account or address)")
            return render_template("login.html", form=form, error=L.login_throttled), 429
        account = accounts.authenticate(username, form.password.data)
        accounts.record_login_attempt(username, address, account is not None)
        if account is None or not account.active:
            log.info("login failed")
            return render_template("login.html", form=form, error=L.login_failed), 401
        session.clear()  # a fresh session: no fixation
        login_user(ConsoleUser(account))
        session.permanent = True
        log.info("login ok: account %s", account.id)
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "POST":
        return render_template("login.html", form=form, error=L.login_missing), 400
    return render_template("login.html", form=form, error=None)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    session.clear()
    flash(_services().labels.logged_out, "ok")
    return redirect(url_for("auth.login"))


def actor() -> str:
    if not current_user.is_authenticated:
        abort(401)
    return current_user.actor
