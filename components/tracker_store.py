"""Rasa's SQL tracker store on a SQLite file, tuned for a live server (endpoints.yml names it).

Rasa opens a SQLite file in rollback-journal mode with ``synchronous=FULL``: every saved turn costs
two fsyncs and a journal file created and deleted, on the event loop that runs the bot turns (a
third of a turn's time under load on these machines). This store puts the file in WAL mode (the
writer and readers no longer block each other) with ``synchronous=NORMAL``: a commit survives a crash
of the process; a power cut may lose the last turns of conversations, never corrupt the file.
Everything else is Rasa's ``SQLTrackerStore``. For PostgreSQL use Rasa's own ``type: SQL``
(endpoints.production.yml).
"""
from __future__ import annotations

import logging
from typing import Any, Optional, Text

from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain

logger = logging.getLogger(__name__)


class SQLiteTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Optional[Domain] = None, db: Text = "var/tracker.db",
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        kwargs.pop("host", None)
        super().__init__(domain=domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        from sqlalchemy import event

        def on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute("PRAGMA synchronous=NORMAL")

        event.listen(self.engine, "connect", on_connect)
        with self.engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
        logger.debug("SQLite tracker store %s: journal mode %s, synchronous NORMAL", db, mode)
