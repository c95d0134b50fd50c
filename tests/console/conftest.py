"""Fixtures: one real console server per database backend (SQLite file, PostgreSQL schema)."""
from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text

from devtools.testing import service_missing
from tests.console.harness import Console, start_console
from tests.reports.helpers import PG_URL


def _pg_ok() -> bool:
    try:
        engine = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:  # noqa: BLE001
        return False


def _drop_schema(schema: str) -> None:
    engine = create_engine(PG_URL, future=True)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def console_for(backend: str, tmp, fake, **options) -> "tuple[Console, callable]":
    """``options``: passed to ``start_console`` (extra_env, command)."""
    if backend == "sqlite":
        console = start_console(tmp, f"sqlite:///{tmp / 'reports.db'}", None, fake, **options)
        return console, lambda: None
    if not _pg_ok():
        service_missing(f"PostgreSQL is not reachable at {PG_URL}")
    schema = f"rtest_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(PG_URL, future=True)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    console = start_console(tmp, PG_URL, schema, fake, **options)
    return console, lambda: _drop_schema(schema)


@pytest.fixture(scope="session")
def fake_zalo():
    from tests.fakes.fake_zalo import FakeZalo
    fake = FakeZalo().start_in_thread()
    yield fake
    fake.stop_thread()


def running_console(backend: str, tmp_path_factory, fake, **options):
    """A console server for one test module (a generator for a fixture): started, then stopped
    and its database dropped."""
    tmp = tmp_path_factory.mktemp(f"console-{backend}")
    c, cleanup = console_for(backend, tmp, fake, **options)
    try:
        yield c
    finally:
        if c.server:
            c.server.stop()
        c.store.close()
        cleanup()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def console(request, tmp_path_factory, fake_zalo) -> Console:
    yield from running_console(request.param, tmp_path_factory, fake_zalo)
