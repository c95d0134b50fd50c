"""The SQLite tracker store that endpoints.yml names: Rasa loads it (no silent in-memory fallback),
the file is in WAL mode, and conversations survive a reopen."""
from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from rasa.core.tracker_store import TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import read_endpoint_config

from components.tracker_store import SQLiteTrackerStore

ROOT = Path(__file__).resolve().parents[1]


def _store_from_project_endpoints(db: Path) -> TrackerStore:
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")
    config.kwargs["db"] = str(db)
    return TrackerStore.create(config, Domain.empty())


def test_endpoints_yml_gives_this_store(tmp_path):
    store = _store_from_project_endpoints(tmp_path / "tracker.db")
    inner = getattr(store, "_tracker_store", store)  # Rasa may wrap it
    assert isinstance(inner, SQLiteTrackerStore)


def test_wal_mode_and_conversations_survive_a_reopen(tmp_path):
    path = tmp_path / "tracker.db"
    store = _store_from_project_endpoints(path)
    tracker = DialogueStateTracker.from_events(
        "4300000000000001:u1", [ActionExecuted("action_listen"), UserUttered("đăng ký tạm trú")])
    asyncio.run(store.save(tracker))
    assert sqlite3.connect(str(path)).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    again = _store_from_project_endpoints(path)
    restored = asyncio.run(again.retrieve("4300000000000001:u1"))
    assert [e.text for e in restored.events if isinstance(e, UserUttered)] == ["đăng ký tạm trú"]
    inner = getattr(again, "_tracker_store", again)
    with inner.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
