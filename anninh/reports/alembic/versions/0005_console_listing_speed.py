"""console listing speed: open-deadline index, SQLite trigram text index

Revision ID: 0005
Revises: 0004

Measured with bench/console_bench.py (100,000 reports). ``ix_reports_open_due_at``: a partial
index on (due_at, id) over the reports still open, which the overdue list walks in deadline order
instead of sorting every open report (PostgreSQL took 200 ms for it). On SQLite, ``reports_fts``:
an FTS5 table with the trigram tokenizer over ``reports.search_text`` (external content, kept up
to date by triggers), which finds the reports containing a rare word without reading all of them
(LIKE over 100,000 rows took 1.3 s). PostgreSQL keeps its LIKE: its planner walks the date index.

Merging note: the handoff desk's revision may also be numbered 0005; whichever lands second is
renumbered (revision and down_revision): this one only touches ``reports``.
"""
from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# anninh.reports.listing.OPEN_STATUSES at this revision (frozen).
_OPEN = "status IN ('received', 'in_progress')"


def ddl(conn: Connection) -> None:
    conn.execute(text(f"CREATE INDEX ix_reports_open_due_at ON reports (due_at, id) WHERE {_OPEN}"))
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


def upgrade() -> None:
    ddl(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
