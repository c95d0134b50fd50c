"""Conversation (tracker) stores for a live server: Rasa's SQL table, written append-only and read
through a small per-process cache. ``endpoints.yml`` names ``SQLiteTrackerStore`` (a file on disk);
``endpoints.production.yml`` names ``CachingSQLTrackerStore`` on PostgreSQL.

Why: on every bot turn Rasa's ``SQLTrackerStore`` runs an ORM query that loads every event of the
conversation's session, an ORM ``COUNT`` of the same events before saving, ORM inserts, and on
SQLite opens a new connection for each of these (SQLAlchemy 1.4 gives a SQLite file no connection
pool). ``bench/turn_cost.py`` measures what that costs a turn.

What this store does instead, on the same table and rows (Rasa's own store, ``rasa export`` and
the conversation API read what it writes, and it reads what they wrote):

- ``save`` inserts only the events the tracker gained since it was read (one ``executemany``), and
  remembers the session's events as the JSON texts it stored, for ``cache_size`` conversations;
- ``retrieve`` asks the database one indexed question, the conversation's highest event id. When
  that is the id the cache saw last, the tracker is rebuilt from the remembered texts exactly as
  Rasa rebuilds it from the rows (``DialogueStateTracker.from_dict``), without reading the rows;
  otherwise (another worker process or a tool wrote to the conversation, or the cache does not
  have it) the rows are read with Rasa's own query.

Rules that keep the cache equal to the database:
- the cache holds only what was stored (strings, never the event objects handed to callers), so a
  turn that changes its tracker and fails before saving leaves no trace;
- a save checks in its transaction that nobody wrote to the conversation since it was read; when
  somebody did, it counts the stored events as Rasa does and stores the rest, and caches nothing;
- strings are also invisible to Python's garbage collector, which matters for pauses (the Zalo
  channel acknowledges webhooks in the same process);
- ``retrieve_full_tracker`` (all sessions, for the HTTP API) is Rasa's, uncached.
"""
from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

logger = logging.getLogger(__name__)

DEFAULT_CACHE_SIZE = 1000

# A conversation as last stored: its latest session's events as stored JSON texts, and the highest
# event id of the conversation in the database at that moment.
_Stored = Tuple[List[str], Optional[int]]


def latest_session(events: Sequence[Event]) -> List[int]:
    """The positions of the events that Rasa's ``SQLTrackerStore.retrieve`` returns for a
    conversation stored in this order: those whose timestamp is at or after the newest
    ``SessionStarted``'s, or all of them when there is none (its SQL query, applied in memory)."""
    starts = [e.timestamp for e in events if isinstance(e, SessionStarted)]
    if not starts:
        return list(range(len(events)))
    start = max(starts)
    return [i for i, e in enumerate(events) if e.timestamp is not None and e.timestamp >= start]


class CachingSQLTrackerStore(SQLTrackerStore):
    """Rasa's SQL tracker store, append-only on write and cached on read (see the module's doc)."""

    def __init__(self, domain: Optional[Domain] = None, event_broker: Optional[EventBroker] = None,
                 cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(domain=domain, event_broker=event_broker, **kwargs)
        if self.engine.dialect.name == "sqlite":
            self._pool_sqlite_connections()
        with self.session_scope():
            pass  # Rasa's check that a configured PostgreSQL schema exists: once, not every turn
        self._table = self.SQLEvent.__table__
        marker = "?" if self.engine.dialect.paramstyle == "qmark" else "%s"
        self._last_id_sql = f"SELECT MAX(id) FROM {self._table.name} WHERE sender_id = {marker}"
        self._cache: "OrderedDict[str, _Stored]" = OrderedDict()
        self._cache_size = max(0, int(cache_size))
        self._lock = threading.Lock()  # turns run on the Sanic loop and on the Zalo bot thread
        self.stats = {"hits": 0, "misses": 0, "changed_elsewhere": 0, "recounted": 0}

    # --------------------------------------------------------------------- setup
    def _pool_sqlite_connections(self) -> None:
        """Keep a few connections to the SQLite file open, shared by the threads that run turns,
        instead of SQLAlchemy 1.4's new connection per session."""
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, poolclass=sa.pool.QueuePool, pool_size=2, max_overflow=4,
                                       connect_args={"check_same_thread": False, "timeout": 30})
        sa.event.listen(self.engine, "connect", self.on_sqlite_connect)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    def on_sqlite_connect(self, dbapi_connection: Any, _record: Any) -> None:
        """Set up each new SQLite connection (subclasses add pragmas)."""

    # --------------------------------------------------------------------- cache
    def _cached(self, sender_id: Text) -> Optional[_Stored]:
        with self._lock:
            return self._cache.get(sender_id)

    def _keep(self, sender_id: Text, stored: Optional[_Stored]) -> None:
        with self._lock:
            if stored is None or not self._cache_size:
                self._cache.pop(sender_id, None)
                return
            self._cache[sender_id] = stored
            self._cache.move_to_end(sender_id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def _last_id(self, conn: Any, sender_id: Text) -> Optional[int]:
        """The conversation's highest event id (the index on ``sender_id`` answers it). Sent as
        plain SQL: building and compiling the same SQLAlchemy expression cost more than the query."""
        if isinstance(conn, sa.orm.Session):
            conn = conn.connection()
        return conn.exec_driver_sql(self._last_id_sql, (sender_id,)).scalar()

    # ------------------------------------------------------------------- reading
    def _tracker(self, sender_id: Text, texts: List[str]) -> DialogueStateTracker:
        dicts = json.loads("[" + ",".join(texts) + "]")
        return DialogueStateTracker.from_dict(sender_id, dicts, self.domain.slots, self.max_event_history)

    async def retrieve(self, sender_id: Text) -> Optional[DialogueStateTracker]:
        cached = self._cached(sender_id)
        if cached is not None:
            with self.engine.connect() as conn:
                last_id = self._last_id(conn, sender_id)
            if last_id is not None and last_id == cached[1]:
                self.stats["hits"] += 1
                return self._tracker(sender_id, cached[0])
            self.stats["changed_elsewhere"] += 1
        self.stats["misses"] += 1
        with self.session_scope() as session:  # Rasa's own query, and the highest id with it
            last_id = self._last_id(session, sender_id)
            texts = [row.data for row in self._event_query(
                session, sender_id, fetch_events_from_all_sessions=False).all()]
        if not texts or not self.domain:
            self._keep(sender_id, None)
            return None
        tracker = self._tracker(sender_id, texts)
        # A row that is not an event (Rasa skips it) would shift the positions save relies on.
        self._keep(sender_id, (texts, last_id) if len(tracker.events) == len(texts) else None)
        return tracker

    # ------------------------------------------------------------------- writing
    @staticmethod
    def _row(sender_id: Text, event: Event) -> Dict[str, Any]:
        data = event.as_dict()
        parse = data.get("parse_data")
        intent = parse.get("intent", {}).get(INTENT_NAME_KEY) if isinstance(parse, dict) else None
        return {"sender_id": sender_id, "type_name": event.type_name, "timestamp": data.get("timestamp"),
                "intent_name": intent, "action_name": data.get("name"), "data": json.dumps(data)}

    async def save(self, tracker: DialogueStateTracker) -> None:
        if self.event_broker is not None:
            await self.stream_events(tracker)
        sender_id = tracker.sender_id
        events = list(tracker.events)
        cached = self._cached(sender_id)
        texts: Optional[List[str]] = None
        with self.engine.begin() as conn:
            last_id = self._last_id(conn, sender_id)
            if last_id is None:
                stored, texts = 0, []  # a new conversation
            elif cached is not None and cached[1] == last_id and len(cached[0]) <= len(events):
                stored, texts = len(cached[0]), list(cached[0])
            else:  # not known here, or written elsewhere since: Rasa's rule, and nothing cached
                self.stats["recounted"] += 1
                with sa.orm.Session(bind=conn) as session:
                    stored = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).count()
            rows = [self._row(sender_id, e) for e in events[stored:]]
            if rows:
                conn.execute(self._table.insert(), rows)
                last_id = self._last_id(conn, sender_id)
        if texts is None or self.max_event_history is not None:
            self._keep(sender_id, None)
        else:
            texts.extend(row["data"] for row in rows)
            self._keep(sender_id, ([texts[i] for i in latest_session(events)], last_id))
        logger.debug("tracker %s: %d new event(s) stored", sender_id, len(rows))


class SQLiteTrackerStore(CachingSQLTrackerStore):
    """The store above on a SQLite file (``db``), in WAL mode with ``synchronous=NORMAL``.

    Rasa opens SQLite in rollback-journal mode with ``synchronous=FULL``: two fsyncs and a journal
    file created and deleted per saved turn. In WAL mode writer and readers do not block each
    other; with NORMAL a commit survives a crash of the process, and a power cut may lose the last
    turns of conversations but never corrupts the file.
    """

    def __init__(self, domain: Optional[Domain] = None, db: Text = "var/tracker.db",
                 event_broker: Optional[EventBroker] = None, **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        kwargs.pop("host", None)
        super().__init__(domain=domain, dialect="sqlite", db=db, event_broker=event_broker, **kwargs)
        with self.engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode=WAL").scalar()
        logger.debug("SQLite tracker store %s: journal mode %s, synchronous NORMAL", db, mode)

    def on_sqlite_connect(self, dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA synchronous=NORMAL")
