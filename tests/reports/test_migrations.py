"""Schema migrations (Alembic) on SQLite and PostgreSQL: fresh, from each version the former
hand-written runner left (in place), idempotent, concurrent, newer databases refused."""
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, inspect, insert, select, text

from anninh.reports.db import engine_schema, writer
from anninh.reports.errors import SchemaVersionError
from anninh.reports.migrations import (LATEST_VERSION, LEGACY_LATEST, VERSION_TABLE, revision_module,
                                       applied_migrations, check_schema, current_version, migrate)
from anninh.reports.model import NewReport
from anninh.reports.schema import POSTGRESQL_TEXT_INDEX, SQLITE_TEXT_INDEX, metadata, migrations_table
from anninh.reports.store import ReportStore
from anninh.reports.timeutil import utcnow, vn_year

from .helpers import popen_cli


def build_old_runner_database(engine, version):
    """A database as the former hand-written runner left it at ``version``: its history table,
    the migrations' DDL (the ``ddl`` of revisions 0001-0003, unchanged from the runner) and one
    history row per migration, no Alembic table."""
    schema = engine_schema(engine)
    if schema:
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    with writer(engine).begin() as conn:
        migrations_table.create(conn)
        for v in range(1, version + 1):
            revision_module(v).ddl(conn)
            conn.execute(insert(migrations_table).values(version=v, name=f"old runner {v}", applied_at=utcnow()))


def _alembic_revision(engine):
    with engine.connect() as conn:
        return conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all()


def _layout(engine, schema=None):
    insp = inspect(engine)
    tables = {}
    for name in sorted(insp.get_table_names(schema=schema)):
        if name.startswith(SQLITE_TEXT_INDEX):  # SQLite's FTS5 index, not a table of the code
            continue
        cols = sorted(c["name"] for c in insp.get_columns(name, schema=schema))
        idx = sorted(i["name"] for i in insp.get_indexes(name, schema=schema)
                     if i["name"].startswith(("ix_", "ux_")) and i["name"] != POSTGRESQL_TEXT_INDEX)
        tables[name] = (cols, idx)
    return tables


def _expected_layout():
    return {t.name: (sorted(c.name for c in t.columns), sorted(i.name for i in t.indexes))
            for t in metadata.sorted_tables}


def test_fresh_database_matches_schema_module(db):
    engine = db.engine()
    assert current_version(engine) == 0
    with pytest.raises(SchemaVersionError, match="migrate"):
        check_schema(engine)
    with pytest.raises(SchemaVersionError):
        ReportStore(engine)
    assert migrate(engine) == list(range(1, LATEST_VERSION + 1))
    assert current_version(engine) == LATEST_VERSION
    check_schema(engine)
    assert _layout(engine, db.schema) == _expected_layout()
    assert _alembic_revision(engine) == [f"{LATEST_VERSION:04d}"]
    # idempotent
    assert migrate(engine) == []
    assert [m["version"] for m in applied_migrations(engine)] == list(range(1, LATEST_VERSION + 1))
    engine.dispose()


def test_upgrade_from_version_1_keeps_data(db):
    engine = db.engine()
    assert migrate(engine, target=1) == [1]
    assert current_version(engine) == 1
    with pytest.raises(SchemaVersionError, match="version 1"):
        check_schema(engine)
    year = vn_year(utcnow())
    now = utcnow()
    with engine.begin() as conn:  # a report written by the version-1 code
        conn.execute(text("INSERT INTO report_counters (kind, year, last_seq) VALUES ('to_giac', :y, 7)"), {"y": year})
        conn.execute(text(
            "INSERT INTO reports (code, kind, status, description, anonymous, channel, sender_id, created_at, updated_at) "
            "VALUES (:code, 'to_giac', 'received', 'trước khi nâng cấp', :anon, 'zalo', 'u1', :now, :now)"),
            {"code": f"TG-{year}-000007", "anon": True, "now": now})
    assert migrate(engine) == list(range(2, LATEST_VERSION + 1))
    assert _layout(engine, db.schema) == _expected_layout()
    store = ReportStore(engine)
    old = store.get(f"TG-{year}-000007")
    assert old.description == "trước khi nâng cấp" and old.idempotency_key is None
    sub = store.create_report(NewReport(kind="to_giac", description="sau khi nâng cấp", sender_id="u1",
                                        idempotency_key="k1"))
    assert sub.code == f"TG-{year}-000008"  # the counter carried over
    assert migrate(engine) == []
    engine.dispose()


def _migrate_in_threads(engine, n):
    """``migrate`` from n threads released at once; the versions each applied."""
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        barrier.wait()
        try:
            results.append(migrate(engine))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    [t.start() for t in threads]
    [t.join(60) for t in threads]
    assert not errors
    return results


def test_concurrent_migrate_runs_are_harmless(db):
    engine = db.engine()
    results = _migrate_in_threads(engine, 4)
    assert sorted(v for r in results for v in r) == list(range(1, LATEST_VERSION + 1))
    with engine.connect() as conn:
        assert conn.execute(select(migrations_table.c.version)).scalars().all() == list(range(1, LATEST_VERSION + 1))
    engine.dispose()


def test_database_newer_than_code_is_refused(db):
    engine = db.engine()
    migrate(engine)
    with engine.begin() as conn:  # a revision of newer code
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = :v"), {"v": f"{LATEST_VERSION + 1:04d}"})
    with pytest.raises(SchemaVersionError, match="newer"):
        check_schema(engine)
    with pytest.raises(SchemaVersionError, match="newer"):
        ReportStore(engine)
    with pytest.raises(SchemaVersionError, match="newer"):
        migrate(engine)
    with pytest.raises(SchemaVersionError, match="unknown schema version"):
        migrate(engine, target=LATEST_VERSION + 5)
    engine.dispose()


@pytest.mark.parametrize("old_version", range(1, LEGACY_LATEST + 1))
def test_old_runner_database_upgrades_in_place(db, old_version):
    engine = db.engine()
    build_old_runner_database(engine, old_version)
    assert current_version(engine) == old_version
    if old_version < LATEST_VERSION:
        with pytest.raises(SchemaVersionError, match=f"version {old_version}"):
            check_schema(engine)
    year, now = vn_year(utcnow()), utcnow()
    with engine.begin() as conn:  # a report written by the code of that version
        conn.execute(text("INSERT INTO report_counters (kind, year, last_seq) VALUES ('tin_bao', :y, 41)"), {"y": year})
        conn.execute(text(
            "INSERT INTO reports (code, kind, status, description, anonymous, channel, sender_id, unit, "
            "created_at, updated_at) VALUES (:code, 'tin_bao', 'received', 'Có người lạ', :anon, 'zalo', 'u9', "
            "'Công an xã Hà Quảng', :now, :now)"), {"code": f"TB-{year}-000041", "anon": True, "now": now})
    assert migrate(engine) == list(range(old_version + 1, LATEST_VERSION + 1))
    assert _layout(engine, db.schema) == _expected_layout()
    assert _alembic_revision(engine) == [f"{LATEST_VERSION:04d}"]
    history = applied_migrations(engine)
    assert [m["version"] for m in history] == list(range(1, LATEST_VERSION + 1))
    assert history[0]["name"] == "old runner 1"  # the old runner's rows are kept
    assert migrate(engine) == []
    store = ReportStore(engine)
    old = store.get(f"TB-{year}-000041")
    assert old.description == "Có người lạ" and old.unit == "Công an xã Hà Quảng"
    assert old.due_at == now + timedelta(days=20)  # revision 0004 gave older reports their deadline
    assert [r.code for r in store.list_reports(text="co nguoi LA")] == [old.code]  # and their search text
    assert store.create_report(NewReport(kind="tin_bao", description="mới", sender_id="u9")).code == f"TB-{year}-000042"
    engine.dispose()


def test_concurrent_upgrades_of_an_old_runner_database(db):
    engine = db.engine()
    build_old_runner_database(engine, 2)
    results = _migrate_in_threads(engine, 3)
    assert sorted(v for r in results for v in r) == list(range(3, LATEST_VERSION + 1))
    assert _alembic_revision(engine) == [f"{LATEST_VERSION:04d}"]
    assert [m["version"] for m in applied_migrations(engine)] == list(range(1, LATEST_VERSION + 1))
    engine.dispose()


def test_old_code_refuses_a_database_migrated_further(db):
    """The former runner read max(report_migrations.version); the history keeps that working."""
    engine = db.engine()
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(select(func.max(migrations_table.c.version))).scalar() == LATEST_VERSION
    assert LATEST_VERSION > LEGACY_LATEST
    engine.dispose()


def test_unknown_versions_are_refused(db):
    engine = db.engine()
    build_old_runner_database(engine, LEGACY_LATEST)
    with engine.begin() as conn:  # a runner version this code never knew
        conn.execute(insert(migrations_table).values(version=LEGACY_LATEST + 1, name="x", applied_at=utcnow()))
    with pytest.raises(SchemaVersionError, match="newer"):
        migrate(engine)
    with pytest.raises(SchemaVersionError, match="newer"):
        check_schema(engine)
    engine.dispose()


def test_concurrent_migrate_processes_on_an_old_runner_database(db):
    """Three ``python -m anninh.officer migrate`` processes at once on a version-1 database."""
    engine = db.engine()
    build_old_runner_database(engine, 1)
    procs = [popen_cli(db.cli_args() + ["migrate"]) for _ in range(3)]
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert sum("applied migrations" in out for out, _ in outs) == 1, outs
    assert [m["version"] for m in applied_migrations(engine)] == list(range(1, LATEST_VERSION + 1))
    assert _layout(engine, db.schema) == _expected_layout()
    engine.dispose()
