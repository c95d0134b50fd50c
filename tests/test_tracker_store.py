"""The conversation stores in components/tracker_store.py, on a SQLite file and on PostgreSQL.

The reference is Rasa's own ``SQLTrackerStore`` reading the same table: whatever our store hands
out, cached or not, must equal what Rasa's store reads from the rows, through new conversations,
new sessions, a turn that fails before saving, and another process writing to the conversation.
PostgreSQL cases skip when the server is not reachable, except with CI=true, where they fail.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
import uuid
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, BotUttered, Event, SessionStarted, SlotSet,
                                     UserUttered)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from components.tracker_store import CachingSQLTrackerStore, SQLiteTrackerStore, latest_session
from devtools.testing import service_missing

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get("TRACKER_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
SENDER = "4300000000000001:u1"


def run(coro):
    return asyncio.run(coro)


def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


def user(text: str, intent: str, ts: float) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.97},
                       parse_data={"intent": {"name": intent, "confidence": 0.97}, "entities": [],
                                   "text": text}, timestamp=ts)


def turn(ts: float, text: str = "đăng ký tạm trú cần gì", intent: str = "ask_procedure") -> List[Event]:
    return [user(text, intent, ts), ActionExecuted("action_answer_procedure", timestamp=ts + 0.1),
            BotUttered("Dạ, giấy tờ cần có…", {"buttons": [{"title": "Lệ phí", "payload": "/x"}]},
                       timestamp=ts + 0.2),
            SlotSet("procedure", "cu_tru.tam_tru", timestamp=ts + 0.3),
            ActionExecuted("action_listen", timestamp=ts + 0.4)]


def session_start(ts: float) -> List[Event]:
    return [ActionExecuted("action_session_start", timestamp=ts), SessionStarted(timestamp=ts + 0.01),
            ActionExecuted("action_listen", timestamp=ts + 0.02)]


def dump(tracker: DialogueStateTracker) -> Tuple[list, dict]:
    return [e.as_dict() for e in tracker.events], tracker.current_slot_values()


# ----------------------------------------------------------------------------- backends
def _pg_error() -> str:
    try:
        import sqlalchemy as sa

        engine = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        engine.dispose()
        return ""
    except Exception as exc:  # noqa: BLE001 - any reason counts
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


class Backend:
    """Makes stores on one database: ours, and Rasa's own as the reference reader."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.domain = domain()

    def ours(self, **kwargs) -> CachingSQLTrackerStore:
        if self.kind == "sqlite":
            return SQLiteTrackerStore(self.domain, db=str(self.tmp_path / "tracker.db"), **kwargs)
        return CachingSQLTrackerStore(self.domain, host=PG_URL, **kwargs)

    def rasa(self) -> SQLTrackerStore:
        if self.kind == "sqlite":
            return SQLTrackerStore(self.domain, dialect="sqlite", db=str(self.tmp_path / "tracker.db"))
        return SQLTrackerStore(self.domain, host=PG_URL)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request, tmp_path, monkeypatch) -> Iterator[Backend]:
    if request.param == "sqlite":
        yield Backend("sqlite", tmp_path)
        return
    error = _pg_error()
    if error:
        service_missing(f"PostgreSQL is not reachable at {PG_URL} ({error})")
    import sqlalchemy as sa

    schema = f"ttest_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    monkeypatch.setenv("POSTGRESQL_SCHEMA", schema)  # Rasa's engine uses it as search_path
    try:
        yield Backend("postgresql", tmp_path)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def assert_same_as_rasa(backend: Backend, store: CachingSQLTrackerStore, sender: str = SENDER) -> DialogueStateTracker:
    ours = run(store.retrieve(sender))
    reference = run(backend.rasa().retrieve(sender))
    assert ours is not None and reference is not None
    assert dump(ours) == dump(reference)
    return ours


def add(store: TrackerStore, events: List[Event], sender: str = SENDER) -> DialogueStateTracker:
    """One bot turn: read the conversation (or start it), add events, save."""
    tracker = run(store.retrieve(sender)) or DialogueStateTracker(sender, store.domain.slots)
    for event in events:
        tracker.update(event)
    run(store.save(tracker))
    return tracker


# -------------------------------------------------------------------------------- tests
def test_endpoints_yml_gives_the_sqlite_store(tmp_path):
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    config.kwargs["db"] = str(tmp_path / "tracker.db")
    store = TrackerStore.create(config, Domain.empty())
    assert isinstance(getattr(store, "_tracker_store", store), SQLiteTrackerStore)  # Rasa may wrap it


def test_production_endpoints_name_the_caching_store():
    import yaml

    config = yaml.safe_load((ROOT / "endpoints.production.yml").read_text(encoding="utf-8"))["tracker_store"]
    assert config["type"] == "components.tracker_store.CachingSQLTrackerStore"
    assert config["dialect"] == "postgresql"


def test_sqlite_file_in_wal_mode_with_pooled_connections(tmp_path):
    store = SQLiteTrackerStore(Domain.empty(), db=str(tmp_path / "tracker.db"))
    add(store, turn(1000.0))
    assert sqlite3.connect(str(tmp_path / "tracker.db")).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    assert type(store.engine.pool).__name__ == "QueuePool"


def test_conversation_equals_rasa_store_turn_after_turn(backend):
    store = backend.ours()
    add(store, session_start(1000.0))
    for i in range(5):
        add(store, turn(1001.0 + i))
        assert_same_as_rasa(backend, store)
    assert store.stats["hits"] >= 4  # the later turns were served from the cache
    again = backend.ours()  # a new process: nothing cached, read from the rows
    assert dump(run(again.retrieve(SENDER))) == dump(run(store.retrieve(SENDER)))


def test_rows_match_what_rasa_writes(backend):
    ours, rasa = backend.ours(), backend.rasa()
    add(ours, session_start(1000.0) + turn(1001.0), sender="a")
    add(rasa, session_start(1000.0) + turn(1001.0), sender="b")
    with ours.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT sender_id, type_name, timestamp, intent_name, action_name, data FROM events "
            "ORDER BY sender_id, id").fetchall()
    a = [tuple(r[1:]) for r in rows if r[0] == "a"]
    b = [tuple(r[1:]) for r in rows if r[0] == "b"]
    assert a == b and len(a) == 8


def test_new_session_keeps_only_its_events(backend):
    store = backend.ours()
    add(store, session_start(1000.0) + turn(1001.0))
    add(store, turn(1002.0))
    add(store, session_start(5000.0))  # the session expired: Rasa starts a new one
    tracker = assert_same_as_rasa(backend, store)
    assert [e.type_name for e in tracker.events][:2] == ["session_started", "action"]
    add(store, turn(5001.0))
    tracker = assert_same_as_rasa(backend, store)
    assert len(tracker.events) == 2 + 5  # session_started, action_listen, and the new turn
    full = run(store.retrieve_full_tracker(SENDER))
    assert len(full.events) == 3 + 5 + 5 + 3 + 5


def test_failed_turn_leaves_no_trace(backend):
    store = backend.ours()
    add(store, session_start(1000.0) + turn(1001.0))
    tracker = run(store.retrieve(SENDER))
    tracker.update(user("câu hỏi dở dang", "ask_procedure", 1002.0))
    tracker.update(SlotSet("procedure", "giay_to.can_cuoc", timestamp=1002.1))
    # ... the turn raises here and never saves
    again = assert_same_as_rasa(backend, store)
    assert again.get_slot("procedure") == "cu_tru.tam_tru"
    assert all(getattr(e, "text", None) != "câu hỏi dở dang" for e in again.events)


def test_another_process_writing_is_seen(backend):
    first, second = backend.ours(), backend.ours()  # two worker processes on one database
    add(first, session_start(1000.0) + turn(1001.0))
    run(first.retrieve(SENDER))  # cached in the first
    add(second, turn(1002.0, "lệ phí bao nhiêu", "ask_fee"))
    tracker = assert_same_as_rasa(backend, first)
    assert tracker.latest_message.text == "lệ phí bao nhiêu"
    assert first.stats["changed_elsewhere"] == 1
    add(first, turn(1003.0))
    assert_same_as_rasa(backend, second)


def test_save_of_a_stale_tracker_stores_only_what_is_missing(backend):
    first, second = backend.ours(), backend.ours()
    add(first, session_start(1000.0) + turn(1001.0))
    tracker = run(first.retrieve(SENDER))  # read here...
    add(second, turn(1002.0))  # ...written there meanwhile
    tracker.update(ActionExecuted("action_listen", timestamp=1003.0))
    run(first.save(tracker))  # Rasa's rule applies: count what is stored, store the rest
    assert first.stats["recounted"] >= 1
    assert_same_as_rasa(backend, first)


def test_cache_is_bounded(backend):
    store = backend.ours(cache_size=3)
    for i in range(6):
        add(store, turn(1000.0 + i), sender=f"s{i}")
    assert len(store._cache) == 3
    for i in range(6):  # evicted ones are read from the rows
        assert_same_as_rasa(backend, store, sender=f"s{i}")


def test_latest_session_is_rasas_rule():
    events = session_start(1.0) + turn(2.0) + session_start(10.0) + turn(11.0)
    kept = [events[i] for i in latest_session(events)]
    assert kept == events[9:]  # from the newest SessionStarted (its action_session_start is older)
    assert latest_session(turn(1.0)) == list(range(5))
