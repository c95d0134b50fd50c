"""Settings of the officers' console, read from the environment through `anninh.settings.ConsoleSettings`
(the README's configuration table is generated from it).

| variable | default | meaning |
|---|---|---|
| ``CONSOLE_HOST`` / ``CONSOLE_PORT`` | 127.0.0.1 / 8080 | where the server listens |
| ``CONSOLE_SECRET_KEY`` | generated once into ``var/console-secret.key`` (0600) | signs session cookies |
| ``CONSOLE_SECURE_COOKIES`` | off | ``1`` behind HTTPS: cookies only travel over HTTPS |
| ``CONSOLE_SESSION_MINUTES`` | 480 | a login lasts this long, then the officer logs in again |
| ``CONSOLE_MAX_FAILURES`` / ``CONSOLE_MAX_FAILURES_PER_ADDRESS`` | 5 / 20 | failed logins within 15 minutes before login is refused |
| ``CONSOLE_PAGE_SIZE`` | 25 | reports per inbox page |
| ``CONSOLE_WORKERS`` | 3 | worker processes of the production server (gunicorn) |
| ``REPORTS_DB_URL`` (+ ``REPORTS_DB_SCHEMA``) | ``var/reports.db`` | the reports database (shared with the assistant) |
| ``REPORTS_ATTACHMENTS_DIR`` | ``var/attachments`` | stored photos and videos |
| ``HANDOFF_OVERDUE_MINUTES`` | 30 | a conversation nobody took within this time is flagged overdue |
| ``TRACKER_DB_URL`` | the SQLite file of ``$REPORTS_TRACKER_ENDPOINTS`` (``endpoints.yml``) | the assistant's conversations, read only |
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from anninh import PROJECT_ROOT

SECRET_FILE = PROJECT_ROOT / "var" / "console-secret.key"


def load_secret_key(path: Path = SECRET_FILE, configured: str = "") -> str:
    """``configured`` (``$CONSOLE_SECRET_KEY``), else the key kept in ``path`` (created once, mode 0600)."""
    env = configured.strip()
    if env:
        return env
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="ascii").strip()
        if len(key) < 32:
            raise ValueError(f"{path} holds no usable secret key; delete it to make a new one")
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


@dataclass
class Settings:
    host: str = "127.0.0.1"
    port: int = 8080
    secret_key: str = ""
    secure_cookies: bool = False
    session_minutes: int = 480
    max_failures: int = 5
    max_failures_per_address: int = 20
    failure_window_s: int = 900
    db_url: Optional[str] = None
    db_schema: Optional[str] = None
    attachments_dir: Optional[Path] = None
    tracker_db_url: Optional[str] = None
    page_size: int = 25
    handoff_overdue_minutes: float = 30.0
    workers: int = 3
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Settings":
        """From the environment, read through the typed ``anninh.settings.ConsoleSettings``."""
        import pydantic

        from anninh.console.transcript import tracker_db_url
        from anninh.reports.handoff import overdue_minutes
        from anninh.reports.attachments import default_attachments_dir
        from anninh.settings import ConsoleSettings
        try:
            env = ConsoleSettings()
        except pydantic.ValidationError as exc:
            raise ValueError(f"console settings: {exc}") from None
        return cls(
            host=env.console_host.strip() or "127.0.0.1",
            port=env.console_port,
            secret_key=load_secret_key(configured=env.console_secret_key.get_secret_value()),
            secure_cookies=env.console_secure_cookies,
            session_minutes=env.console_session_minutes,
            max_failures=env.console_max_failures,
            max_failures_per_address=env.console_max_failures_per_address,
            page_size=max(1, min(env.console_page_size, 200)),
            workers=max(1, env.console_workers),
            db_url=env.reports_db_url or None,
            db_schema=env.reports_db_schema or None,
            attachments_dir=default_attachments_dir(),
            tracker_db_url=tracker_db_url(),
            handoff_overdue_minutes=overdue_minutes(),
        )
