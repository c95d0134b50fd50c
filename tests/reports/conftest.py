"""Fixtures: every store test runs against a SQLite file AND PostgreSQL.

PostgreSQL: ``$REPORTS_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/test``);
each test gets its own schema (dropped afterwards), so parallel runs never collide. When the
server is unreachable the PostgreSQL cases are skipped, except with ``CI=true``, where they fail.
"""
from __future__ import annotations

import os
import uuid
from typing import Optional

import pytest
from sqlalchemy import create_engine, text

from .helpers import PG_URL, DbTarget
from anninh.reports.store import ReportStore
from devtools.testing import service_missing


@pytest.fixture(scope="session")
def pg_error() -> Optional[str]:
    """None when PostgreSQL answers, else why not."""
    try:
        engine = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        _drop_orphan_schemas(engine)
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any reason counts
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"


def _drop_orphan_schemas(engine) -> None:
    """Drop test schemas left by runs that were killed (their process no longer exists)."""
    with engine.connect() as conn:
        names = conn.execute(text("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rtest\\_%'")).scalars().all()
    for name in names:
        try:
            pid = int(name.split("_")[1])
            os.kill(pid, 0)
            continue  # still running (or pid reused): leave it
        except ProcessLookupError:
            pass
        except (ValueError, IndexError, PermissionError):
            continue
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))


def require_pg(pg_error: Optional[str]) -> None:
    if pg_error is None:
        return
    service_missing(f"PostgreSQL is not reachable at {PG_URL} ({pg_error}); set REPORTS_TEST_PG_URL or start "
                    "the server")


def _drop_schema(schema: str) -> None:
    engine = create_engine(PG_URL, future=True)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request, tmp_path, pg_error) -> DbTarget:
    """An empty database target (not migrated)."""
    if request.param == "sqlite":
        yield DbTarget("sqlite", f"sqlite:///{tmp_path / 'reports.db'}", None, tmp_path)
        return
    require_pg(pg_error)
    schema = f"rtest_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    try:
        yield DbTarget("postgresql", PG_URL, schema, tmp_path)
    finally:
        _drop_schema(schema)


@pytest.fixture
def sqlite_db(tmp_path) -> DbTarget:
    """A SQLite-only target, for tests about SQLite's own locking (processes)."""
    return DbTarget("sqlite", f"sqlite:///{tmp_path / 'reports.db'}", None, tmp_path)


@pytest.fixture
def store(db) -> ReportStore:
    s = db.store()
    yield s
    s.close()
