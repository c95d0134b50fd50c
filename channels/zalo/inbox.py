"""The durable inbox of accepted webhook events: the work queue of the bot turns.

Each accepted event is written here, in the same statement that detects a redelivery, before the
200 answer. Then any process that runs turns (on this node or another) claims work from it:
- a redelivered event (same key, e.g. the same ``msg_id``) is found and handled once, also after a
  restart; handled rows are kept for ``retention`` seconds (Zalo retries for about two hours);
- a row is claimed only when it is the sender's earliest row not done, so one user's messages are
  answered one at a time and in arrival order, whichever process or node runs them;
- a claimed row carries a lease (``lease`` seconds, renewed while the turn runs). When the process
  that claimed it dies, the lease runs out and another process takes the row over;
- ``sent`` counts the answer messages already delivered for the row: a turn taken over after a
  crash skips them, so the citizen does not get them twice.

Two implementations with the same methods: ``Inbox`` (SQLite, one machine; this module) and
``PgInbox`` (PostgreSQL, several machines; channels/zalo/inbox_pg.py). ``open_inbox`` picks one.

SQLite details: one connection per process, shared by its threads under a lock held for
microseconds. SQLite's own busy handler is off: it sleeps 1, 2, 5, 10 ... ms when another connection
holds the write lock (measured p99 92 ms for the acknowledgement's INSERT), so a locked database is
retried every 0.2 ms instead, for up to ``busy_timeout`` seconds.
"""
from __future__ import annotations

import json
import logging
import os
import socket
import sqlite3
import threading
import time
from dataclasses import asdict, dataclass
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
    # The claim walks the rows not done in id order: without this it scans every row kept
    # (done ones included, for dedup_retention).
    "CREATE INDEX IF NOT EXISTS zalo_inbox_open ON zalo_inbox (id) WHERE done_at IS NULL",
    "CREATE INDEX IF NOT EXISTS zalo_inbox_done ON zalo_inbox (done_at) WHERE done_at IS NOT NULL",
]
# Columns added after the first release: added to older files at start.
_COLUMNS = {"lease_until": "REAL", "sent": "INTEGER NOT NULL DEFAULT 0"}
_PRUNE_EVERY = 1000

# The sender's earliest row not done, free (never claimed, or its lease ran out).
CLAIMABLE = ("done_at IS NULL AND (lease_until IS NULL OR lease_until < {now}) AND NOT EXISTS ("
             "SELECT 1 FROM zalo_inbox e WHERE e.sender = zalo_inbox.sender AND e.done_at IS NULL "
             "AND e.id < zalo_inbox.id)")


@dataclass(frozen=True)
class Claimed:
    row_id: int
    event: InboundEvent
    sent: int  # answer messages delivered already (by a process that died mid-turn)


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
    """``pid:start@host``: names one process on one machine (the owner of the rows it claims)."""
    pid = os.getpid() if pid is None else pid
    return f"{pid}:{_start_time(pid) or '?'}@{socket.gethostname()}"


def event_to_json(event: InboundEvent) -> str:
    return json.dumps(asdict(event), ensure_ascii=False, separators=(",", ":"))


def event_from_json(text: str) -> InboundEvent:
    return InboundEvent(**json.loads(text))


class InboxBase:
    """What both implementations share: turning a claimed row into work (expired and unreadable
    rows are closed on the way)."""

    owner: str

    def _claim_row(self, lease: float) -> Optional[Tuple[int, str, float, int]]:
        raise NotImplementedError

    def done(self, row_id: int, outcome: str = "ok", now: Optional[float] = None) -> None:
        raise NotImplementedError

    def claim_next(self, lease: float, max_age: float, now: Optional[float] = None) -> Optional[Claimed]:
        """Claim the oldest free row that is its sender's earliest not done; None when there is none."""
        while True:
            row = self._claim_row(lease)
            if row is None:
                return None
            row_id, text, received_at, sent = row
            if received_at < (time.time() if now is None else now) - max_age:
                self.done(row_id, "expired")
                continue
            try:
                return Claimed(row_id, event_from_json(text), sent)
            except (ValueError, TypeError):
                self.done(row_id, "unreadable")


class Inbox(InboxBase):
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
            self._add_columns()
        self._done_count = 0
        self.prune()

    def _add_columns(self) -> None:
        have = {r[1] for r in self._execute("PRAGMA table_info(zalo_inbox)").fetchall()}
        for name, kind in _COLUMNS.items():
            if name not in have:
                try:
                    self._execute(f"ALTER TABLE zalo_inbox ADD COLUMN {name} {kind}")
                except sqlite3.OperationalError as exc:
                    if "duplicate column" not in str(exc):  # another process added it meanwhile
                        raise

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
    def _claim_row(self, lease: float) -> Optional[Tuple[int, str, float, int]]:
        query = (f"SELECT id, event, received_at, sent FROM zalo_inbox WHERE {CLAIMABLE.format(now='?')} "
                 "ORDER BY id LIMIT 1")
        with self._lock:
            now = time.time()
            if self._execute(query, (now,)).fetchone() is None:
                return None  # the usual answer when idle, without taking the write lock
            with self._conn:
                self._execute("BEGIN IMMEDIATE")
                now = time.time()
                row = self._execute(query, (now,)).fetchone()
                if row is not None:
                    self._execute("UPDATE zalo_inbox SET owner = ?, lease_until = ? WHERE id = ?",
                                  (self.owner, now + lease, row[0]))
        return row

    def renew(self, lease: float) -> int:
        """Extend the leases of the rows this process is running."""
        with self._lock:
            return self._execute(
                "UPDATE zalo_inbox SET lease_until = ? WHERE owner = ? AND done_at IS NULL "
                "AND lease_until IS NOT NULL", (time.time() + lease, self.owner)).rowcount

    def release(self, owners: List[str]) -> int:
        """Free the rows these (dead) processes had claimed, for others to take at once."""
        if not owners:
            return 0
        marks = ",".join("?" * len(owners))
        with self._lock:
            return self._execute(f"UPDATE zalo_inbox SET lease_until = NULL WHERE done_at IS NULL "
                                 f"AND lease_until IS NOT NULL AND owner IN ({marks})", tuple(owners)).rowcount

    def mark_sent(self, row_id: int, count: int) -> None:
        with self._lock:
            self._execute("UPDATE zalo_inbox SET sent = ? WHERE id = ?", (count, row_id))

    def done(self, row_id: int, outcome: str = "ok", now: Optional[float] = None) -> None:
        now = time.time() if now is None else now
        with self._lock:
            self._execute("UPDATE zalo_inbox SET done_at = ?, outcome = ? WHERE id = ?", (now, outcome, row_id))
            self._done_count += 1
            if self._done_count % _PRUNE_EVERY == 0:
                self._prune_locked(now)
                self._execute("PRAGMA wal_checkpoint(PASSIVE)")

    def pending(self) -> int:
        with self._lock:
            return self._execute("SELECT COUNT(*) FROM zalo_inbox WHERE done_at IS NULL").fetchone()[0]

    def in_progress(self, now: Optional[float] = None) -> int:
        """Messages a turn is running for now (claimed under a live lease, not done)."""
        with self._lock:
            return self._execute("SELECT COUNT(*) FROM zalo_inbox WHERE done_at IS NULL AND lease_until > ?",
                                 (time.time() if now is None else now,)).fetchone()[0]

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


def open_inbox(settings: Any, owner: Optional[str] = None) -> "InboxBase":
    """The inbox the settings name: PostgreSQL when ``db_url`` is set, else the SQLite file."""
    if getattr(settings, "db_url", ""):
        from channels.zalo.inbox_pg import PgInbox

        return PgInbox(settings.db_url, settings.dedup_retention, owner=owner)
    return Inbox(settings.db_path, settings.dedup_retention, owner=owner)
