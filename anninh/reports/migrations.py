"""Numbered schema migrations, kept in code, recorded in the ``report_migrations`` table.

Rules for adding one: append a ``Migration(n+1, ...)`` to ``MIGRATIONS``; never edit an
existing migration (databases in the field already ran it); write its DDL so it runs on both
SQLite and PostgreSQL; update ``schema.py`` to match (a test compares the two).

Each migration runs in its own transaction together with the row that records it (DDL is
transactional on both SQLite and PostgreSQL), so a failed migration leaves the database at
the previous version. Concurrent ``migrate`` runs are serialised (SQLite write lock,
PostgreSQL advisory lock) and re-check the version inside the lock, so running it twice, or
from two processes at once, is harmless.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable, List, Optional

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, func, insert, inspect, select, text)
from sqlalchemy.engine import Connection, Engine

from anninh.reports.db import engine_schema, writer
from anninh.reports.errors import SchemaVersionError
from anninh.reports.schema import migrations_table
from anninh.reports.timeutil import utcnow


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    apply: Callable[[Connection], None]


# ---------------------------------------------------------------------------------------------
# Migration 1: initial tables. FROZEN: this is what version 1 looked like; do not edit.
def _m1_initial(conn: Connection) -> None:
    md = MetaData()
    Table(
        "report_counters", md,
        Column("kind", String(16), primary_key=True),
        Column("year", Integer, primary_key=True, autoincrement=False),
        Column("last_seq", Integer, nullable=False),
    )
    reports = Table(
        "reports", md,
        Column("id", Integer, primary_key=True),
        Column("code", String(32), nullable=False, unique=True),
        Column("kind", String(16), nullable=False),
        Column("status", String(20), nullable=False),
        Column("description", Text, nullable=False),
        Column("place_text", Text),
        Column("latitude", Float),
        Column("longitude", Float),
        Column("incident_time_text", Text),
        Column("contact_name", String(200)),
        Column("contact_phone", String(40)),
        Column("anonymous", Boolean, nullable=False),
        Column("channel", String(32), nullable=False),
        Column("oa_id", String(64)),
        Column("sender_id", String(128)),
        Column("unit", String(200)),
        Column("unit_source", String(16)),
        Column("assigned_to", String(200)),
        Column("published_result", Text),
        Column("published_at", DateTime),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("closed_at", DateTime),
    )
    Index("ix_reports_sender", reports.c.channel, reports.c.sender_id)
    Table(
        "report_attachments", md,
        Column("id", Integer, primary_key=True),
        Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
        Column("position", Integer, nullable=False),
        Column("url", Text, nullable=False),
        Column("media_type", String(16), nullable=False),
        Column("status", String(16), nullable=False),
        Column("local_path", Text),
        Column("content_type", String(128)),
        Column("size_bytes", BigInteger),
        Column("sha256", String(64)),
        Column("attempts", Integer, nullable=False),
        Column("error", Text),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Index("ix_report_attachments_status", "status"),
    )
    Table(
        "report_audit", md,
        Column("id", Integer, primary_key=True),
        Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
        Column("at", DateTime, nullable=False),
        Column("actor", String(200), nullable=False),
        Column("action", String(32), nullable=False),
        Column("old_value", Text),
        Column("new_value", Text),
        Column("note", Text),
        Column("details", Text),
    )
    md.create_all(conn, checkfirst=False)


# Migration 2: idempotent submissions (a chat form retrying a submit gets the same ticket)
# and the indexes the officer listing uses. FROZEN.
def _m2_idempotency_and_indexes(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE reports ADD COLUMN idempotency_key VARCHAR(128)"))
    conn.execute(text("CREATE UNIQUE INDEX ux_reports_idempotency "
                      "ON reports (channel, sender_id, idempotency_key)"))
    conn.execute(text("CREATE INDEX ix_reports_unit_status ON reports (unit, status)"))
    conn.execute(text("CREATE INDEX ix_reports_created_at ON reports (created_at)"))


# Migration 3: requests to talk to an officer (human handoff). FROZEN.
def _m3_handoffs(conn: Connection) -> None:
    md = MetaData()
    Table(
        "report_handoffs", md,
        Column("id", Integer, primary_key=True),
        Column("channel", String(32), nullable=False),
        Column("sender_id", String(128), nullable=False),
        Column("oa_id", String(64)),
        Column("unit", String(200)),
        Column("status", String(16), nullable=False),
        Column("reason", Text),
        Column("transcript", Text, nullable=False),
        Column("requested_at", DateTime, nullable=False),
        Column("expires_at", DateTime, nullable=False),
        Column("closed_at", DateTime),
        Column("closed_by", String(200)),
        Column("note", Text),
        Index("ix_report_handoffs_sender", "channel", "sender_id", "status"),
        Index("ix_report_handoffs_status", "status"),
    )
    md.create_all(conn, checkfirst=False)


MIGRATIONS: List[Migration] = [
    Migration(1, "initial tables", _m1_initial),
    Migration(2, "idempotency key and listing indexes", _m2_idempotency_and_indexes),
    Migration(3, "human handoff requests", _m3_handoffs),
]
LATEST_VERSION = MIGRATIONS[-1].version


# ---------------------------------------------------------------------------------------------
def _has_migrations_table(conn: Connection) -> bool:
    return inspect(conn).has_table(migrations_table.name)


def current_version(engine: Engine) -> int:
    """The schema version of the database; 0 for an empty database."""
    with engine.connect() as conn:
        if not _has_migrations_table(conn):
            return 0
        return int(conn.execute(select(func.max(migrations_table.c.version))).scalar() or 0)


def applied_migrations(engine: Engine) -> List[dict]:
    with engine.connect() as conn:
        if not _has_migrations_table(conn):
            return []
        rows = conn.execute(select(migrations_table).order_by(migrations_table.c.version))
        return [dict(r._mapping) for r in rows]


def _lock(conn: Connection, engine: Engine) -> None:
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
        if not _has_migrations_table(conn):
            migrations_table.create(conn)
    applied: List[int] = []
    for migration in MIGRATIONS:
        if migration.version > target:
            break
        with writer(engine).begin() as conn:
            _lock(conn, engine)
            have = int(conn.execute(select(func.max(migrations_table.c.version))).scalar() or 0)
            if have > LATEST_VERSION:
                raise SchemaVersionError(
                    f"database schema version {have} is newer than this code ({LATEST_VERSION})")
            if have >= migration.version:
                continue
            if have != migration.version - 1:
                raise SchemaVersionError(f"database at version {have}, cannot apply {migration.version}")
            migration.apply(conn)
            conn.execute(insert(migrations_table).values(
                version=migration.version, name=migration.name, applied_at=utcnow()))
            applied.append(migration.version)
    have = current_version(engine)
    if have > target:
        raise SchemaVersionError(
            f"database schema version {have} is newer than the requested {target}; downgrades are not supported")
    return applied


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
