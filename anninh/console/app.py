"""The application factory of the officers' console (Flask + Flask-Login + Flask-WTF)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Optional

from flask import Flask, current_app, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect

from anninh.console.labels import load_labels
from anninh.console.settings import Settings
from anninh.console.transcript import TranscriptReader


@dataclass
class Services:
    store: Any
    accounts: Any
    content: Any
    labels: Any
    transcripts: TranscriptReader
    settings: Settings


def services() -> Services:
    return current_app.extensions["anninh"]


def open_services(settings: Settings, *, store: Any = None) -> Services:
    from anninh.reports.accounts import AccountStore
    from anninh.reports.store import ReportStore
    from anninh.reports.texts import load_reports_content
    if store is None:
        store = ReportStore.open(settings.db_url, schema=settings.db_schema, migrate=True)
        sqlite_statistics(store.engine)
    return Services(store=store, accounts=AccountStore(store.engine), content=load_reports_content(),
                    labels=load_labels(), transcripts=TranscriptReader(settings.tracker_db_url),
                    settings=settings)


def sqlite_statistics(engine: Any) -> None:
    """SQLite plans the inbox queries well only with table statistics (PostgreSQL's autovacuum
    keeps its own): gather them once when the database has none."""
    if engine.dialect.name != "sqlite":
        return
    from sqlalchemy import text
    with engine.connect() as conn:
        has = conn.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")).first()
        conn.rollback()
    if not has:
        from anninh.reports.db import writer
        with writer(engine).begin() as conn:
            conn.exec_driver_sql("ANALYZE")


def create_app(settings: Optional[Settings] = None, *, store: Any = None) -> Flask:
    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="anninh_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookies,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        SESSION_REFRESH_EACH_REQUEST=False,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=settings.secure_cookies,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["anninh"] = open_services(settings, store=store)
    from anninh.console import auth, filters
    from anninh.console.views import accounts, attachments, exports, figures, handling, handoffs, reports
    auth.init(app)  # first: anonymous requests go to the login page before any other check
    CSRFProtect(app)
    filters.init(app)
    for bp in (auth.bp, reports.bp, handling.bp, attachments.bp, exports.bp, accounts.bp, handoffs.bp,
               figures.bp):
        app.register_blueprint(bp)

    @app.route("/healthz")
    def healthz():
        return {"ok": True}

    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return render_template("error.html", code=400, message=services().labels.error_csrf), 400

    for code in (403, 404, 429):
        app.register_error_handler(code, _error_page(code))

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "no-referrer")
        resp.headers.setdefault("Content-Security-Policy",
                                "default-src 'self'; img-src 'self'; media-src 'self'; "
                                "style-src 'self'; script-src 'self'; frame-ancestors 'none'; "
                                "form-action 'self'")
        if resp.mimetype == "text/html":
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    _add_ops_endpoints(app)
    return app


def _add_ops_endpoints(app: Flask) -> None:
    """GET /metrics, /health/live and /health/ready in front of the app (no login: they hold no
    personal data; the reverse proxy keeps them internal), ready while the database answers."""
    from sqlalchemy import text

    from anninh.ops.health import register_check
    from anninh.ops.wsgi import with_ops_routes

    engine = app.extensions["anninh"].store.engine

    def database(_app: Any):
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return True, "ok"
        except Exception as exc:  # noqa: BLE001 - reported, never raised
            return False, type(exc).__name__

    register_check("reports_db", database)
    app.wsgi_app = with_ops_routes(app.wsgi_app)  # type: ignore[method-assign]


def _error_page(code: int):
    def handler(_exc):
        message = getattr(services().labels, f"error_{code}")
        return render_template("error.html", code=code, message=message), code
    return handler
