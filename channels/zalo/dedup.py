"""Durable record of the webhook events already accepted, so a redelivery (same msg_id) is handled
once, also after a restart. Zalo retries for about two hours; entries are kept for a week."""
from __future__ import annotations

import threading
import time
from typing import Optional

from channels.zalo.storage import connect

_SCHEMA = """
CREATE TABLE IF NOT EXISTS zalo_seen_events (
    key TEXT PRIMARY KEY,
    seen_at REAL NOT NULL
)
"""
_PRUNE_EVERY = 1000


class DedupStore:
    def __init__(self, path: str, retention: float = 7 * 24 * 3600.0) -> None:
        # NORMAL: in WAL mode a commit survives a process crash; only a power cut may lose the
        # last few entries, which costs at most a duplicate answer. Keeps the ack path fast.
        self._conn = connect(path, synchronous="NORMAL")
        self._conn.execute(_SCHEMA)
        self._retention = retention
        self._lock = threading.Lock()
        self._claims = 0
        self.prune()

    def claim(self, key: str, now: Optional[float] = None) -> bool:
        """Record ``key``; True when it was new (process the event), False for a redelivery."""
        now = time.time() if now is None else now
        with self._lock:
            cursor = self._conn.execute(
                "INSERT OR IGNORE INTO zalo_seen_events (key, seen_at) VALUES (?, ?)", (key, now)
            )
            self._claims += 1
            if self._claims % _PRUNE_EVERY == 0:
                self._prune_locked(now)
            return cursor.rowcount == 1

    def prune(self, now: Optional[float] = None) -> int:
        with self._lock:
            return self._prune_locked(time.time() if now is None else now)

    def _prune_locked(self, now: float) -> int:
        cursor = self._conn.execute(
            "DELETE FROM zalo_seen_events WHERE seen_at < ?", (now - self._retention,)
        )
        return cursor.rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()
