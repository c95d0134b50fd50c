"""Engine construction for the reports database.

A SQLite file by default (``var/reports.db`` under the project root), PostgreSQL (or any URL
SQLAlchemy understands) through ``REPORTS_DB_URL`` or an explicit URL.

SQLite details that matter for correctness:

* pysqlite's own transaction handling is switched off and we emit ``BEGIN`` ourselves, so
  that write transactions can use ``BEGIN IMMEDIATE``: the write lock is taken at the start
  of the transaction, which serialises code allocation across threads *and* processes.
* WAL journal, ``synchronous=FULL`` (a committed report survives a power cut), foreign keys on,
  and a generous busy timeout so parallel writers wait instead of failing.

PostgreSQL: an optional schema (``REPORTS_DB_SCHEMA`` or ``schema=``) is put on the
``search_path`` of every connection; tests use it to isolate parallel runs.
"""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Optional

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url

from anninh import PROJECT_ROOT

ENV_DB_URL = "REPORTS_DB_URL"
ENV_DB_SCHEMA = "REPORTS_DB_SCHEMA"
DEFAULT_DB_PATH = PROJECT_ROOT / "var" / "reports.db"
SQLITE_BUSY_TIMEOUT_S = 60.0

_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class DatabaseConfigError(ValueError):
    """The database URL or schema name cannot be used."""


def default_db_url() -> str:
    return f"sqlite:///{DEFAULT_DB_PATH}"


def resolve_db_url(url: Optional[str] = None) -> str:
    """Explicit URL, else ``$REPORTS_DB_URL``, else the default SQLite file.

    A bare filesystem path (no ``://``) is taken as a SQLite file.
    """
    url = (url or os.environ.get(ENV_DB_URL) or "").strip() or default_db_url()
    if "://" not in url:
        url = f"sqlite:///{Path(url).expanduser().resolve()}"
    return url


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def make_engine(url: Optional[str] = None, *, schema: Optional[str] = None,
                echo: bool = False) -> Engine:
    """Create a (2.0-style, ``future=True``) engine. See the module docstring."""
    url = resolve_db_url(url)
    try:
        parsed = make_url(url)
    except Exception as exc:  # sqlalchemy.exc.ArgumentError and friends
        raise DatabaseConfigError(f"invalid database URL: {exc}") from None
    schema = schema if schema is not None else (os.environ.get(ENV_DB_SCHEMA) or None)
    backend = parsed.get_backend_name()

    if backend == "sqlite":
        if schema:
            raise DatabaseConfigError("a schema can only be used with PostgreSQL")
        database = parsed.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            raise DatabaseConfigError("SQLite needs a database file (in-memory databases lose reports)")
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed, future=True, echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
        )
        _setup_sqlite(engine)
        return engine

    if schema is not None and not _SCHEMA_NAME.match(schema):
        raise DatabaseConfigError(f"invalid schema name {schema!r}")
    try:
        engine = create_engine(parsed, future=True, echo=echo, pool_pre_ping=True)
    except Exception as exc:  # missing driver, bad option
        raise DatabaseConfigError(f"cannot use database URL: {exc}") from None
    engine.info_schema = schema  # type: ignore[attr-defined]
    if schema and backend == "postgresql":
        # insert=True: run before the dialect's first-connect initialisation, so that it sees
        # the schema as the default one (inspection, has_table).
        @event.listens_for(engine, "connect", insert=True)
        def _set_search_path(dbapi_connection, _record):
            cur = dbapi_connection.cursor()
            cur.execute(f'SET search_path TO "{schema}"')
            cur.close()
            dbapi_connection.commit()
    elif schema:
        raise DatabaseConfigError("a schema can only be used with PostgreSQL")
    return engine


def engine_schema(engine: Engine) -> Optional[str]:
    return getattr(engine, "info_schema", None)


def _setup_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Take transaction control away from pysqlite (see module docstring).
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        if conn.get_execution_options().get("write"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def writer(engine: Engine) -> Engine:
    """An engine view whose transactions take the write lock up front on SQLite.

    Use as ``with writer(engine).begin() as conn: ...`` for every transaction that writes.
    On other backends the option is ignored (row locks do the job there).
    """
    return engine.execution_options(write=True)
