"""The token store in PostgreSQL, shared by several nodes (``db_url`` / ``ZALO_DB_URL``); same methods
as ``channels.zalo.tokens.TokenStore``.

A refresh is single-flight across nodes under the OA's row lock: the refreshing process holds
``SELECT … FOR UPDATE NOWAIT`` on the row in its own transaction while it asks Zalo for the new pair,
writes the new pair into that row and commits. Another node that wants to refresh meanwhile does not
get the lock, waits, and reads the new pair; the single-use refresh token is sent to Zalo once.
"""
from __future__ import annotations

import time
from typing import Any, List, Optional, Tuple

from channels.zalo.inbox_pg import create_schema
from channels.zalo.storage import PgConnection, pg_connect
from channels.zalo.tokens import DEFAULT_REFRESH_TTL, RefreshGuard, TokenPair, _seed_hash

_SCHEMA = ["""CREATE TABLE IF NOT EXISTS zalo_tokens (
    oa_id TEXT PRIMARY KEY,
    access_token TEXT,
    refresh_token TEXT,
    access_expires_at DOUBLE PRECISION,
    refresh_expires_at DOUBLE PRECISION,
    updated_at DOUBLE PRECISION NOT NULL,
    seed_hash TEXT
)"""]
_PAIR = "access_token, refresh_token, access_expires_at, refresh_expires_at, updated_at"
_UPDATE = ("UPDATE zalo_tokens SET access_token = %s, refresh_token = %s, access_expires_at = %s, "
           "refresh_expires_at = %s, updated_at = %s")


def _values(pair: TokenPair) -> Tuple[Any, ...]:
    return (pair.access_token, pair.refresh_token, pair.access_expires_at, pair.refresh_expires_at,
            pair.updated_at or time.time())


class PgTokenStore:
    def __init__(self, url: str) -> None:
        self.path = url  # shown by the token command as "token store: …"
        self.url = url
        self._db = PgConnection(url)
        create_schema(self._db, _SCHEMA)

    def close(self) -> None:
        self._db.close()

    def get(self, oa_id: str) -> Optional[TokenPair]:
        rows = self._db.execute(f"SELECT {_PAIR} FROM zalo_tokens WHERE oa_id = %s", (oa_id,))
        return TokenPair(*rows[0]) if rows else None

    def all(self) -> List[Tuple[str, TokenPair]]:
        rows = self._db.execute(f"SELECT oa_id, {_PAIR} FROM zalo_tokens ORDER BY oa_id")
        return [(row[0], TokenPair(*row[1:])) for row in rows]

    def save(self, oa_id: str, pair: TokenPair, from_operator: bool = False) -> None:
        self._db.execute(
            f"INSERT INTO zalo_tokens (oa_id, {_PAIR}) VALUES (%s, %s, %s, %s, %s, %s) "
            "ON CONFLICT (oa_id) DO UPDATE SET access_token = excluded.access_token, "
            "refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at, "
            "refresh_expires_at = excluded.refresh_expires_at, updated_at = excluded.updated_at"
            + (", seed_hash = NULL" if from_operator else ""), (oa_id, *_values(pair)))

    def seed(self, oa_id: str, refresh_token: Optional[str], access_token: Optional[str]) -> str:
        """As ``TokenStore.seed``; nodes starting together adopt the configured pair once."""
        if not refresh_token and not access_token:
            return "none"
        digest = _seed_hash(refresh_token, access_token)
        now = time.time()
        pair = TokenPair(access_token, refresh_token, None,
                         now + DEFAULT_REFRESH_TTL if refresh_token else None, now)
        conn = pg_connect(self.url, autocommit=False)
        try:
            with conn.cursor() as cur:
                cur.execute(f"INSERT INTO zalo_tokens (oa_id, {_PAIR}, seed_hash) VALUES "
                            "(%s, %s, %s, %s, %s, %s, %s) ON CONFLICT (oa_id) DO NOTHING",
                            (oa_id, *_values(pair), digest))
                if cur.rowcount == 1:
                    conn.commit()
                    return "inserted"
                cur.execute("SELECT seed_hash FROM zalo_tokens WHERE oa_id = %s FOR UPDATE", (oa_id,))
                stored = cur.fetchone()[0]
                if stored is None or stored == digest:
                    cur.execute("UPDATE zalo_tokens SET seed_hash = %s WHERE oa_id = %s", (digest, oa_id))
                    outcome = "kept"
                else:
                    cur.execute(_UPDATE + ", seed_hash = %s WHERE oa_id = %s", (*_values(pair), digest, oa_id))
                    outcome = "replaced"
            conn.commit()
            return outcome
        finally:
            conn.close()

    def begin_refresh(self, oa_id: str, owner: str, ttl: float) -> Optional[RefreshGuard]:
        """The OA's row lock, held in a transaction of its own until ``finish``; None while another
        process holds it."""
        import psycopg2.errors

        conn = pg_connect(self.url, autocommit=False)
        try:
            with conn.cursor() as cur:
                # A node that hangs while holding the lock loses it after ``ttl`` (a dead one at once).
                cur.execute(f"SET LOCAL idle_in_transaction_session_timeout = '{int(ttl * 1000)}ms'")
                cur.execute(f"SELECT {_PAIR} FROM zalo_tokens WHERE oa_id = %s FOR UPDATE NOWAIT", (oa_id,))
                row = cur.fetchone()
        except psycopg2.errors.LockNotAvailable:
            conn.close()
            return None
        except Exception:
            conn.close()
            raise

        def finish(new: Optional[TokenPair]) -> None:
            try:
                if new is not None:
                    with conn.cursor() as cur:
                        cur.execute(_UPDATE + " WHERE oa_id = %s", (*_values(new), oa_id))
                    conn.commit()
                else:
                    conn.rollback()
            finally:
                conn.close()

        return RefreshGuard(TokenPair(*row) if row else None, finish)
