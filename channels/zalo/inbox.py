"""The durable inbox of accepted webhook events (SQLite, shared by all Rasa worker processes).

Each accepted event is written here, in the same statement that detects a redelivery, before the
200 answer:
- a redelivered event (same key, e.g. the same ``msg_id``) is found and handled once, also after a
  restart; handled rows are kept for ``retention`` seconds (Zalo retries for about two hours);
- the row id is the arrival order across processes: with several workers, a turn waits until the
  same sender's earlier events are done, so one user's messages are still answered in order;
- a row is marked done after its turn. Rows left undone by a process that died are taken over by
  the next process that starts and their turns are run then (a crash in the middle of a turn may
  therefore answer that message twice; it never loses it).

One connection per process, shared by the webhook thread and the bot thread under a lock held for
microseconds. SQLite's own busy handler is off: it sleeps 1, 2, 5, 10 ... ms when another connection
holds the write lock (two connections of one process measured p99 92 ms, max 376 ms for the
acknowledgement's INSERT), so a locked database (another worker process writing) is retried every
0.2 ms instead, for up to ``busy_timeout`` seconds.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import asdict
from typing import Any, Dict, List, Optional, Tuple

from channels.zalo.events import InboundEvent
from channels.zalo.storage import connect

logger = logging.getLogger(__name__)

_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS zalo_inbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL UNIQUE,
        sender TEXT NOT NULL,
        event TEXT NOT NULL,
        received_at REAL NOT NULL,
        owner TEXT NOT NULL,
        done_at REAL,
        outcome TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS zalo_inbox_pending ON zalo_inbox (sender, id) WHERE done_at IS NULL",
    "CREATE INDEX IF NOT EXISTS zalo_inbox_done ON zalo_inbox (done_at) WHERE done_at IS NOT NULL",
]
_PRUNE_EVERY = 1000


def _start_time(pid: int) -> Optional[str]:
    """The kernel's start time of ``pid`` (Linux), to tell a live process from a reused pid."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read().decode(errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def process_identity(pid: Optional[int] = None) -> str:
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_start_time(pid) or '?'}"


def owner_alive(owner: str) -> bool:
    pid_text, _, start = owner.partition(":")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # exists, owned by another user
    if start and start != "?":
        current = _start_time(pid)
        return current is None or current == start
    return True


def event_to_json(event: InboundEvent) -> str:
    return json.dumps(asdict(event), ensure_ascii=False, separators=(",", ":"))


def event_from_json(text: str) -> InboundEvent:
    return InboundEvent(**json.loads(text))


class Inbox:
    def __init__(self, path: str, retention: float = 7 * 24 * 3600.0, owner: Optional[str] = None,
                 busy_timeout: float = 10.0) -> None:
        self.path = path
        self.owner = owner or process_identity()
        self._retention = retention
        # NORMAL: in WAL mode a commit survives a crash of the process; only a power cut may lose the
        # last few rows. Keeps the acknowledgement at one small write, without an fsync.
        self._conn = connect(path, synchronous="NORMAL")
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        with self._lock:
            for statement in _SCHEMA:
                self._retry(self._conn.execute, statement)
            self._conn.execute("PRAGMA busy_timeout=0")  # see the module's docstring
            self._migrate_seen_events()
        self._done_count = 0
        self.prune()

    def _migrate_seen_events(self) -> None:
        """Keep the redelivery record of the earlier ``zalo_seen_events`` table (before the inbox)."""
        query = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'zalo_seen_events'"
        if not self._execute(query).fetchone():
            return
        with self._conn:
            self._execute("BEGIN IMMEDIATE")
            if not self._execute(query).fetchone():
                return  # another process migrated it meanwhile
            self._execute(
                "INSERT OR IGNORE INTO zalo_inbox (key, sender, event, received_at, owner, done_at, outcome) "
                "SELECT key, '', '{}', seen_at, 'migrated', seen_at, 'migrated' FROM zalo_seen_events")
            self._execute("DROP TABLE zalo_seen_events")

    def _retry(self, call: Any, *args: Any) -> Any:
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                return call(*args)
            except sqlite3.OperationalError as exc:
                text = str(exc)
                if ("locked" not in text and "busy" not in text) or time.monotonic() > deadline:
                    raise
            time.sleep(0.0002)

    def _execute(self, sql: str, params: Tuple[Any, ...] = ()) -> sqlite3.Cursor:
        return self._retry(self._conn.execute, sql, params)

    # --------------------------------------------------------------- webhook side
    def accept(self, event: InboundEvent, now: Optional[float] = None) -> Optional[int]:
        """Record ``event``; its row id when new, None for a redelivery."""
        now = time.time() if now is None else now
        with self._lock:
            cursor = self._execute(
                "INSERT OR IGNORE INTO zalo_inbox (key, sender, event, received_at, owner) VALUES (?, ?, ?, ?, ?)",
                (event.dedup_key, event.sender_id, event_to_json(event), now, self.owner))
            return cursor.lastrowid if cursor.rowcount == 1 else None

    # ------------------------------------------------------------------- bot side
    def earliest_pending(self, sender: str) -> Optional[int]:
        with self._lock:
            row = self._execute(
                "SELECT MIN(id) FROM zalo_inbox WHERE sender = ? AND done_at IS NULL", (sender,)).fetchone()
        return row[0] if row else None

    async def wait_turn(self, sender: str, row_id: int, timeout: float, poll: float = 0.005) -> bool:
        """Wait until ``sender``'s events before ``row_id`` are done (another worker may run them).
        False when ``timeout`` passed first."""
        deadline = time.monotonic() + timeout
        while True:
            first = self.earliest_pending(sender)
            if first is None or first >= row_id:
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(poll)

    def done(self, row_id: int, outcome: str = "ok", now: Optional[float] = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            self._execute("UPDATE zalo_inbox SET done_at = ?, outcome = ? WHERE id = ?", (now, outcome, row_id))
            self._done_count += 1
            if self._done_count % _PRUNE_EVERY == 0:
                self._prune_locked(now)
                self._execute("PRAGMA wal_checkpoint(PASSIVE)")

    def claim(self, row_id: int) -> Optional[InboundEvent]:
        """Take an accepted event for this process to run (a turn process, handed the row id by
        the process that acknowledged it). None when it is done already or unreadable."""
        with self._lock, self._conn:
            self._execute("BEGIN IMMEDIATE")
            row = self._execute("SELECT event, owner FROM zalo_inbox WHERE id = ? AND done_at IS NULL",
                                (row_id,)).fetchone()
            if row is None or row[1] == self.owner:
                return None  # done, or taken by this process already (the same id handed twice)
            try:
                event = event_from_json(row[0])
            except (ValueError, TypeError):
                self._execute("UPDATE zalo_inbox SET done_at = ?, outcome = 'unreadable' WHERE id = ?",
                              (time.time(), row_id))
                return None
            self._execute("UPDATE zalo_inbox SET owner = ? WHERE id = ?", (self.owner, row_id))
            return event

    def undone(self, owners: List[str]) -> List[Tuple[int, str]]:
        """(row id, sender) of the events not done yet that these processes own, oldest first."""
        if not owners:
            return []
        marks = ",".join("?" * len(owners))
        with self._lock:
            return [(r[0], r[1]) for r in self._execute(
                f"SELECT id, sender FROM zalo_inbox WHERE done_at IS NULL AND owner IN ({marks}) ORDER BY id",
                tuple(owners)).fetchall()]

    def pending(self) -> int:
        with self._lock:
            return self._execute("SELECT COUNT(*) FROM zalo_inbox WHERE done_at IS NULL").fetchone()[0]

    def adopt_orphans(self, max_age: float, now: Optional[float] = None) -> List[Tuple[int, InboundEvent]]:
        """Take over the undone rows of processes that are gone. Returns those to run (oldest first);
        rows older than ``max_age`` are closed as ``expired`` instead."""
        now = time.time() if now is None else now
        adopted: List[Tuple[int, InboundEvent]] = []
        with self._lock, self._conn:
            self._execute("BEGIN IMMEDIATE")
            rows = self._execute(
                "SELECT id, owner, event, received_at FROM zalo_inbox WHERE done_at IS NULL AND owner != ? "
                "ORDER BY id", (self.owner,)).fetchall()
            alive: Dict[str, bool] = {}
            for row_id, owner, text, received_at in rows:
                if alive.setdefault(owner, owner_alive(owner)):
                    continue
                event = None
                if received_at >= now - max_age:
                    try:
                        event = event_from_json(text)
                    except (ValueError, TypeError):
                        pass
                if event is None:
                    outcome = "expired" if received_at < now - max_age else "unreadable"
                    self._execute("UPDATE zalo_inbox SET done_at = ?, outcome = ? WHERE id = ?",
                                  (now, outcome, row_id))
                    continue
                self._execute("UPDATE zalo_inbox SET owner = ? WHERE id = ?", (self.owner, row_id))
                adopted.append((row_id, event))
        return adopted

    def prune(self, now: Optional[float] = None) -> int:
        with self._lock:
            return self._prune_locked(time.time() if now is None else now)

    def _prune_locked(self, now: float) -> int:
        cursor = self._execute(
            "DELETE FROM zalo_inbox WHERE done_at IS NOT NULL AND done_at < ?", (now - self._retention,))
        return cursor.rowcount

    def row(self, row_id: int) -> Optional[Dict[str, Any]]:
        """One row as a dict (for tests and inspection)."""
        with self._lock:
            cursor = self._execute("SELECT * FROM zalo_inbox WHERE id = ?", (row_id,))
            names = [d[0] for d in cursor.description]
            found = cursor.fetchone()
        return dict(zip(names, found)) if found else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()
