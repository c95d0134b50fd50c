"""console listing speed: open-deadline index, SQLite trigram text index

Revision ID: 0006
Revises: 0005

Measured with bench/console_bench.py (100,000 reports). ``ix_reports_open_due_at``: a partial
index on (due_at, id) over the reports still open, which the overdue list walks in deadline order
instead of sorting every open report (PostgreSQL took 200 ms for it). On SQLite, ``reports_fts``:
an FTS5 table with the trigram tokenizer over ``reports.search_text`` (external content, kept up
to date by triggers), which finds the reports containing a rare word without reading all of them
(LIKE over 100,000 rows took 1.3 s). On PostgreSQL, ``ix_reports_search_trgm``: a GIN trigram
index (extension pg_trgm, trusted: the database's owner may create it; put in schema public so
that schemas of one database share it) that serves the same LIKE for a rare string (200 ms -> 5 ms);
without the extension (refused), the search stays a scan and the migration says so in the log.

It follows the handoff desk's revision 0005 (written at the same time; this one only touches
``reports``, so the order does not matter).
"""
import logging
from typing import Optional

from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

# anninh.reports.listing.OPEN_STATUSES at this revision (frozen).
_OPEN = "status IN ('received', 'in_progress')"


def ddl(conn: Connection) -> None:
    conn.execute(text(f"CREATE INDEX ix_reports_open_due_at ON reports (due_at, id) WHERE {_OPEN}"))
    if conn.dialect.name == "postgresql":
        trgm = _pg_trgm_schema(conn)
        if trgm:
            conn.execute(text(f'CREATE INDEX ix_reports_search_trgm ON reports '
                              f'USING gin (search_text "{trgm}".gin_trgm_ops)'))
        return
    if conn.dialect.name != "sqlite":
        return
    conn.execute(text("CREATE VIRTUAL TABLE reports_fts USING fts5(search_text, content='reports', "
                      "content_rowid='id', tokenize='trigram')"))
    conn.execute(text("INSERT INTO reports_fts(reports_fts) VALUES ('rebuild')"))
    conn.execute(text("CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN "
                      "INSERT INTO reports_fts(rowid, search_text) VALUES (new.id, new.search_text); END"))
    conn.execute(text("CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN "
                      "INSERT INTO reports_fts(reports_fts, rowid, search_text) "
                      "VALUES ('delete', old.id, old.search_text); END"))
    conn.execute(text("CREATE TRIGGER reports_fts_update AFTER UPDATE OF search_text ON reports BEGIN "
                      "INSERT INTO reports_fts(reports_fts, rowid, search_text) "
                      "VALUES ('delete', old.id, old.search_text); "
                      "INSERT INTO reports_fts(rowid, search_text) VALUES (new.id, new.search_text); END"))


def _pg_trgm_schema(conn: Connection) -> Optional[str]:
    """The schema holding pg_trgm, created in ``public`` when missing; None when refused."""
    find = text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                "WHERE e.extname = 'pg_trgm'")
    found = conn.execute(find).scalar()
    if found:
        return found
    try:
        with conn.begin_nested():  # a refusal (no right) or a concurrent creation leaves the rest intact
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public"))
    except Exception as exc:  # noqa: BLE001 - the database's decision, reported below
        logging.getLogger(__name__).warning("pg_trgm not available (%s): text search without its index",
                                            type(exc).__name__)
    return conn.execute(find).scalar()


def upgrade() -> None:
    ddl(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
