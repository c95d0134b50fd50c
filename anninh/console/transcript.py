"""The chat transcript of a report: the assistant's tracker store events of the report's sender,
read only, with phone and ID numbers masked. Rasa's SQL table ``events`` (SQLite or PostgreSQL)."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import List, Optional

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from anninh.reports.privacy import get_logger, mask_text

log = get_logger(__name__)

MAX_LINES = 300


@dataclass(frozen=True)
class Line:
    who: str  # user | bot
    text: str
    at: Optional[datetime]


def tracker_db_url(environ=None) -> Optional[str]:
    """``$TRACKER_DB_URL``; else the SQLite file of the tracker store named in the endpoints file
    the reply notifier reads too (``$REPORTS_TRACKER_ENDPOINTS``, default ``endpoints.yml``)."""
    import os
    from pathlib import Path

    import yaml

    from anninh import PROJECT_ROOT
    env = os.environ if environ is None else environ
    if env.get("TRACKER_DB_URL", "").strip():
        return env["TRACKER_DB_URL"].strip()
    file = Path(env.get("REPORTS_TRACKER_ENDPOINTS") or "endpoints.yml")
    file = file if file.is_absolute() else PROJECT_ROOT / file
    try:
        config = (yaml.safe_load(file.read_text(encoding="utf-8")) or {}).get("tracker_store") or {}
    except (OSError, yaml.YAMLError, AttributeError):
        return None
    db = str(config.get("db") or "")
    kind = f"{config.get('type', '')} {config.get('dialect', '')}".lower()
    if not db or "sqlite" not in kind:
        return None  # PostgreSQL trackers: set TRACKER_DB_URL
    path = Path(db) if Path(db).is_absolute() else PROJECT_ROOT / db
    return f"sqlite:///{path}"


class TranscriptReader:
    def __init__(self, url: Optional[str]):
        self.url = url
        self._engine: Optional[Engine] = None

    def _get_engine(self) -> Optional[Engine]:
        if self._engine is None and self.url:
            parsed = make_url(self.url)
            if parsed.get_backend_name() == "sqlite":
                path = parsed.database or ""
                # Read only: the console never writes to the assistant's conversations.
                self._engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true", future=True)
            else:
                self._engine = create_engine(parsed, future=True, pool_pre_ping=True)
        return self._engine

    def engine(self) -> Optional[Engine]:
        """The read-only engine of the tracker store (None when not configured)."""
        return self._get_engine()

    def lines(self, sender_id: Optional[str]) -> List[Line]:
        """The messages of that conversation, oldest first; [] when none or unreadable."""
        if not sender_id:
            return []
        engine = self._get_engine()
        if engine is None:
            return []
        try:
            with engine.connect() as conn:
                rows = conn.execute(text(
                    "SELECT type_name, timestamp, data FROM events WHERE sender_id = :s "
                    "AND type_name IN ('user', 'bot') ORDER BY id DESC LIMIT :n"),
                    {"s": sender_id, "n": MAX_LINES}).all()
        except SQLAlchemyError as exc:
            log.warning("conversation store not readable: %s", type(exc).__name__)
            return []
        out = []
        for type_name, ts, data in reversed(rows):
            try:
                event = json.loads(data) if data else {}
            except ValueError:
                event = {}
            body = event.get("text") or ""
            if not body and type_name == "user":
                body = (event.get("parse_data") or {}).get("text") or ""
            at = datetime.fromtimestamp(float(ts), timezone.utc).replace(tzinfo=None) if ts else None
            out.append(Line(type_name, mask_text(body), at))
        return out

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
