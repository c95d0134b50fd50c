"""SQLite file shared by the token store and the message inbox (WAL mode: many readers, one writer)."""
from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: str, synchronous: str = "FULL") -> sqlite3.Connection:
    """Open (and create) the database; ``synchronous=FULL`` makes each commit durable."""
    if path != ":memory:":
        Path(path).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout=10000")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={synchronous}")
    return conn
