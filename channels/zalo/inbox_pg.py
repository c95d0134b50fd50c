"""The inbox in PostgreSQL, shared by several nodes (``db_url`` / ``ZALO_DB_URL``); see
channels/zalo/inbox.py for what it does.

- A redelivery is found by ``INSERT … ON CONFLICT (key) DO NOTHING``, whichever node it reaches.
- Work is claimed with ``FOR UPDATE SKIP LOCKED``: two nodes never claim the same row, and neither
  waits for the other. Leases are counted on the database's clock, so the nodes' clocks do not matter.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List, Optional, Tuple

from channels.zalo.events import InboundEvent
from channels.zalo.inbox import CLAIMABLE, InboxBase, event_to_json, process_identity
from channels.zalo.storage import PgConnection

_NOW = "EXTRACT(EPOCH FROM clock_timestamp())"
_SCHEMA = [
    """CREATE TABLE IF NOT EXISTS zalo_inbox (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        sender TEXT NOT NULL,
        event TEXT NOT NULL,
        received_at DOUBLE PRECISION NOT NULL,
        owner TEXT NOT NULL,
        lease_until DOUBLE PRECISION,
        sent INTEGER NOT NULL DEFAULT 0,
        done_at DOUBLE PRECISION,
        outcome TEXT
    )""",
    "CREATE INDEX IF NOT EXISTS zalo_inbox_pending ON zalo_inbox (sender, id) WHERE done_at IS NULL",
    "CREATE INDEX IF NOT EXISTS zalo_inbox_open ON zalo_inbox (id) WHERE done_at IS NULL",
    "CREATE INDEX IF NOT EXISTS zalo_inbox_done ON zalo_inbox (done_at) WHERE done_at IS NOT NULL",
]
_PRUNE_EVERY = 1000


def create_schema(db: PgConnection, statements: List[str]) -> None:
    """``CREATE … IF NOT EXISTS`` from several nodes at once can still collide in PostgreSQL's
    catalogue: serialise them with a transaction-scoped advisory lock."""
    db.execute("BEGIN; SELECT pg_advisory_xact_lock(72201306); " + "; ".join(statements) + "; COMMIT")


class PgInbox(InboxBase):
    def __init__(self, url: str, retention: float = 7 * 24 * 3600.0, owner: Optional[str] = None) -> None:
        self.url = url
        self.owner = owner or process_identity()
        self._retention = retention
        self._db = PgConnection(url, durable=False)
        create_schema(self._db, _SCHEMA)
        self._done_count = 0
        self.prune()

    def accept(self, event: InboundEvent, now: Optional[float] = None) -> Optional[int]:
        rows = self._db.execute(
            "INSERT INTO zalo_inbox (key, sender, event, received_at, owner) VALUES (%s, %s, %s, %s, %s) "
            "ON CONFLICT (key) DO NOTHING RETURNING id",
            (event.dedup_key, event.sender_id, event_to_json(event), time.time() if now is None else now,
             self.owner))
        return rows[0][0] if rows else None

    def _claim_row(self, lease: float) -> Optional[Tuple[int, str, float, int]]:
        rows = self._db.execute(
            f"WITH next AS (SELECT id FROM zalo_inbox WHERE {CLAIMABLE.format(now=_NOW)} "
            "ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED) "
            f"UPDATE zalo_inbox z SET owner = %s, lease_until = {_NOW} + %s FROM next WHERE z.id = next.id "
            "RETURNING z.id, z.event, z.received_at, z.sent", (self.owner, lease))
        return tuple(rows[0]) if rows else None  # type: ignore[return-value]

    def renew(self, lease: float) -> int:
        return self._db.execute(
            f"UPDATE zalo_inbox SET lease_until = {_NOW} + %s WHERE owner = %s AND done_at IS NULL "
            "AND lease_until IS NOT NULL", (lease, self.owner))

    def release(self, owners: List[str]) -> int:
        if not owners:
            return 0
        return self._db.execute("UPDATE zalo_inbox SET lease_until = NULL WHERE done_at IS NULL "
                                "AND lease_until IS NOT NULL AND owner = ANY(%s)", (list(owners),))

    def mark_sent(self, row_id: int, count: int) -> None:
        self._db.execute("UPDATE zalo_inbox SET sent = %s WHERE id = %s", (count, row_id))

    def done(self, row_id: int, outcome: str = "ok", now: Optional[float] = None) -> None:
        self._db.execute("UPDATE zalo_inbox SET done_at = %s, outcome = %s WHERE id = %s",
                         (time.time() if now is None else now, outcome, row_id))
        self._done_count += 1
        if self._done_count % _PRUNE_EVERY == 0:
            self.prune()

    def pending(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM zalo_inbox WHERE done_at IS NULL")[0][0]

    def in_progress(self, now: Optional[float] = None) -> int:
        """Messages a turn is running for now (claimed under a live lease, not done)."""
        return self._db.execute("SELECT COUNT(*) FROM zalo_inbox WHERE done_at IS NULL AND lease_until > %s",
                                (time.time() if now is None else now,))[0][0]

    def prune(self, now: Optional[float] = None) -> int:
        return self._db.execute("DELETE FROM zalo_inbox WHERE done_at IS NOT NULL AND done_at < %s",
                                ((time.time() if now is None else now) - self._retention,))

    def row(self, row_id: int) -> Optional[Dict[str, Any]]:
        with self._db.lock:
            rows = self._db.execute("SELECT id, key, sender, event, received_at, owner, lease_until, sent, "
                                    "done_at, outcome FROM zalo_inbox WHERE id = %s", (row_id,))
        names = ["id", "key", "sender", "event", "received_at", "owner", "lease_until", "sent", "done_at",
                 "outcome"]
        return dict(zip(names, rows[0])) if rows else None

    def close(self) -> None:
        self._db.close()
