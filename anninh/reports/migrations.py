"""Schema migrations of the reports database, through Alembic.

The revisions live in ``anninh/reports/alembic/versions`` and are numbered ``0001``, ``0002``, ...:
the number is the schema version. Revisions 0001–0003 are the three migrations of the former
hand-written runner, unchanged. Alembic keeps the current revision in ``report_alembic_version``;
``report_migrations`` (the old runner's table) stays as the history: one row per applied version
with its name and time. Older code reads that table too, so it refuses a database migrated
further than it knows ("newer than this code").

Adding a revision: copy the latest file, number it n+1, write DDL that runs on SQLite and
PostgreSQL, update ``schema.py`` to match (a test compares the two). Never edit an applied one.

``migrate`` runs the whole upgrade in one transaction (DDL is transactional on both SQLite and
PostgreSQL), so a failure leaves the database as it was. Concurrent runs are serialised (SQLite
write lock through ``BEGIN IMMEDIATE``, PostgreSQL advisory lock) and re-read the version inside
the lock, so running it twice, or from two processes at once, is harmless. A database created
by the old runner (no Alembic table, versions in ``report_migrations``) is stamped with the
matching revision, then upgraded in place.
"""
from __future__ import annotations

import zlib
from functools import lru_cache
from pathlib import Path
from typing import Callable, List, Optional, Tuple

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, insert, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from anninh.reports.db import engine_schema, writer
from anninh.reports.errors import SchemaVersionError
from anninh.reports.schema import migrations_table
from anninh.reports.timeutil import utcnow

ALEMBIC_DIR = Path(__file__).resolve().with_name("alembic")
VERSION_TABLE = "report_alembic_version"
LEGACY_LATEST = 3  # the last version the hand-written runner knew


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ALEMBIC_DIR))
    return cfg


@lru_cache(maxsize=1)
def _script() -> ScriptDirectory:
    return ScriptDirectory.from_config(_config())


def revision_id(version: int) -> str:
    return f"{version:04d}"


def revision_module(version: int):
    """The Python module of revision ``version`` (tests build old databases with its ``ddl``)."""
    return _script().get_revision(revision_id(version)).module


def _names() -> dict:
    return {int(s.revision): (s.doc or s.revision) for s in _script().walk_revisions()}


LATEST_VERSION = int(_script().get_current_head() or 0)


def history_recorder(applied: List[int]) -> Callable:
    """Alembic ``on_version_apply`` hook: one ``report_migrations`` row per applied revision."""
    def record(*, ctx: MigrationContext, step, heads, run_args) -> None:
        if not step.is_upgrade or step.is_stamp:
            return
        version = int(step.up_revision_id)
        ctx.connection.execute(insert(migrations_table).values(
            version=version, name=_names().get(version, step.up_revision_id)[:200], applied_at=utcnow()))
        applied.append(version)
    return record


# ---------------------------------------------------------------------------------------------
def _state(conn: Connection) -> Tuple[int, bool]:
    """(schema version, managed by Alembic). Raises SchemaVersionError for a version this code
    does not know."""
    insp = inspect(conn)
    if insp.has_table(VERSION_TABLE):
        revs = conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()
        if len(revs) > 1:
            raise SchemaVersionError(f"the reports database has several schema heads ({', '.join(revs)})")
        if revs:
            rev = revs[0]
            if not rev.isdigit():
                raise SchemaVersionError(f"database schema revision {rev!r} is newer than this code "
                                         f"({LATEST_VERSION}); update the code")
            return int(rev), True
    if insp.has_table(migrations_table.name):
        have = int(conn.execute(select(func.max(migrations_table.c.version))).scalar() or 0)
        if have > LEGACY_LATEST:  # history rows without Alembic's table: not ours to guess
            raise SchemaVersionError(f"database schema version {have} is newer than this code "
                                     f"({LATEST_VERSION}), or its Alembic table {VERSION_TABLE} is missing")
        return have, False
    return 0, False


def current_version(engine: Engine) -> int:
    """The schema version of the database; 0 for an empty database."""
    with engine.connect() as conn:
        return _state(conn)[0]


def applied_migrations(engine: Engine) -> List[dict]:
    """The history: ``{"version", "name", "applied_at"}`` per applied version, oldest first."""
    with engine.connect() as conn:
        if not inspect(conn).has_table(migrations_table.name):
            return []
        rows = conn.execute(select(migrations_table).order_by(migrations_table.c.version))
        return [dict(r._mapping) for r in rows]


def _lock(conn: Connection, engine: Engine) -> None:
    # Same key as the former runner's, so old and new code serialise against each other too.
    if conn.dialect.name == "postgresql":
        key = zlib.crc32(f"anninh.reports.migrate:{engine_schema(engine) or ''}".encode()) & 0x7FFFFFFF
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})


def migrate(engine: Engine, target: Optional[int] = None) -> List[int]:
    """Bring the database to ``target`` (default: latest). Returns the versions applied now."""
    target = LATEST_VERSION if target is None else int(target)
    if not 0 <= target <= LATEST_VERSION:
        raise SchemaVersionError(f"unknown schema version {target} (latest is {LATEST_VERSION})")
    schema = engine_schema(engine)
    if schema and engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            _lock(conn, engine)
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    with writer(engine).begin() as conn:
        _lock(conn, engine)
        have, managed = _state(conn)
        if have > LATEST_VERSION:
            raise SchemaVersionError(
                f"database schema version {have} is newer than this code ({LATEST_VERSION})")
        if have > target:
            raise SchemaVersionError(f"database schema version {have} is newer than the requested "
                                     f"{target}; downgrades are not supported")
        if not inspect(conn).has_table(migrations_table.name):
            migrations_table.create(conn)
        if have and not managed:  # created by the old runner: adopt it at its version
            MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE}).stamp(
                _script(), revision_id(have))
        if have == target:
            return []
        cfg = _config()
        cfg.attributes["connection"] = conn
        cfg.attributes["applied"] = applied = []
        command.upgrade(cfg, revision_id(target))
    return list(applied)


def check_schema(engine: Engine) -> None:
    """Raise SchemaVersionError unless the database is at exactly the latest version."""
    have = current_version(engine)
    if have == LATEST_VERSION:
        return
    if have == 0:
        raise SchemaVersionError(
            "the reports database has no tables yet; run: python -m anninh.officer migrate")
    if have < LATEST_VERSION:
        raise SchemaVersionError(
            f"the reports database is at schema version {have}, this code needs {LATEST_VERSION}; "
            "run: python -m anninh.officer migrate")
    raise SchemaVersionError(
        f"the reports database is at schema version {have}, newer than this code ({LATEST_VERSION}); "
        "update the code")
