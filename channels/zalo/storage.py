"""Where the token store and the message inbox live.

- Embedded default (one machine): a SQLite file (``db_path``, ``ZALO_DB_PATH``, ``var/zalo.db``) in
  WAL mode, shared by every process of that machine.
- Several machines: PostgreSQL, when ``db_url`` (``ZALO_DB_URL``) is set, e.g.
  ``postgresql://zalo:secret@db.internal:5432/zalo_an_ninh``. The tables are created on first use; a
  ``search_path`` in the URL (``?options=-csearch_path%3Dzalo``) puts them in a schema of their own.
"""
from __future__ import annotations

import re
import sqlite3
import threading
from pathlib import Path
from typing import Any, Tuple


def connect(path: str, synchronous: str = "FULL") -> sqlite3.Connection:
    """Open (and create) the database; ``synchronous=FULL`` makes each commit durable."""
    if path != ":memory:":
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn


def is_postgres_url(url: str) -> bool:
    return bool(re.match(r"^postgres(ql)?(\+\w+)?://", url or ""))


def libpq_url(url: str) -> str:
    """``postgresql+psycopg2://`` (SQLAlchemy style, as REPORTS_DB_URL) → ``postgresql://``."""
    return re.sub(r"^postgres(ql)?\+\w+://", "postgresql://", url)


def pg_connect(url: str, autocommit: bool = True) -> Any:
    import psycopg2

    conn = psycopg2.connect(libpq_url(url), connect_timeout=10, application_name="zalo-an-ninh")
    conn.autocommit = autocommit
    return conn


class PgConnection:
    """One PostgreSQL connection of a process, shared by its threads under a lock (statements take
    well under a millisecond); reconnects once when the server closed it. ``durable=False``: a
    commit returns before PostgreSQL has flushed it to disk (``synchronous_commit = off``), as the
    SQLite inbox's ``synchronous=NORMAL``: a crash of our processes loses nothing, a crash of the
    database server may lose the last fraction of a second; saves a disk flush (here ~5 ms) on each
    acknowledgement."""

    def __init__(self, url: str, durable: bool = True) -> None:
        self.url = url
        self._durable = durable
        self.lock = threading.RLock()
        self._conn = self._connect()

    def _connect(self) -> Any:
        conn = pg_connect(self.url)
        if not self._durable:
            with conn.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
        return conn

    def execute(self, sql: str, params: Tuple[Any, ...] = ()) -> Any:
        """Run one statement (autocommit); the cursor's rows (or None without a result)."""
        import psycopg2

        with self.lock:
            for attempt in (0, 1):
                try:
                    with self._conn.cursor() as cur:
                        cur.execute(sql, params)
                        return cur.fetchall() if cur.description else cur.rowcount
                except (psycopg2.OperationalError, psycopg2.InterfaceError):
                    if attempt or not self._conn.closed:
                        raise
                    self._conn = self._connect()
        raise AssertionError("unreachable")

    def close(self) -> None:
        with self.lock:
            self._conn.close()
