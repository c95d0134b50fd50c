#!/usr/bin/env python3
"""Prepare the shared PostgreSQL database of a production setup (scripts/run.sh runs it before the
servers start; run it once by hand before starting several nodes):

1. create the database named in ``REPORTS_DB_URL`` when it is missing (connecting to the
   ``TRACKER_DB_LOGIN_DB`` database, ``postgres`` by default, as Rasa's tracker store does);
2. create or upgrade the reports and handoffs schema (as ``python -m anninh.officer migrate``).

The Zalo inbox and token tables (``ZALO_DB_URL``) and Rasa's tracker table create themselves on
first use. Safe to run from several nodes at once.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def ensure_database(url: str, login_db: str) -> bool:
    """Create the database of ``url`` (PostgreSQL) when missing; True when it was created."""
    import psycopg2
    from psycopg2 import sql
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql" or not parsed.database:
        return False
    params = {"host": parsed.host or "127.0.0.1", "port": parsed.port or 5432, "user": parsed.username,
              "password": parsed.password or "", "connect_timeout": 10}
    conn = psycopg2.connect(dbname=login_db, **params)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,))
            if cur.fetchone():
                return False
            try:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(parsed.database)))
            except psycopg2.errors.DuplicateDatabase:
                return False  # another node created it meanwhile
            return True
    finally:
        conn.close()


def main() -> int:
    from anninh.reports.db import make_engine, resolve_db_url
    from anninh.reports.migrations import migrate

    url = resolve_db_url()
    if ensure_database(url, os.environ.get("TRACKER_DB_LOGIN_DB") or "postgres"):
        print("prepare_db: created the database")
    engine = make_engine(url)
    try:
        applied = migrate(engine)
    finally:
        engine.dispose()
    print(f"prepare_db: reports schema {'upgraded (' + ', '.join(map(str, applied)) + ')' if applied else 'up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
