"""officers' console: accounts, login attempts, notes, transfers, deadlines, account audit

Revision ID: 0004
Revises: 0003

New tables: report_accounts (console accounts: unit, role, Argon2 hash), report_login_attempts
(brute-force slowing), report_account_audit (who changed which account; never a password),
report_notes (internal notes on a report), report_transfers (a report moved to another unit).
reports gains ``due_at`` (the handling deadline) and ``search_text`` (code, description and place
folded: lower case without diacritics, for the console's search), and indexes for the console's
listing (unit, status, date received, assignee, deadline).

Existing reports get their deadline from the defaults below (the values content/reports.yml
ships with at this revision) and their search text from ``anninh.reports.search``.
"""
from alembic import op
from sqlalchemy import (Boolean, Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table,
                        Text, bindparam, text, update)
from sqlalchemy.engine import Connection

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# kinds.<kind>.deadline_days in content/reports.yml when this revision was written (frozen).
_DEADLINE_DAYS = {"to_giac": 20, "tin_bao": 20, "phan_anh": 30, "kien_nghi": 30}


def ddl(conn: Connection) -> None:
    md = MetaData()
    reports = Table("reports", md, Column("id", Integer, primary_key=True))  # for the foreign keys
    accounts = Table(
        "report_accounts", md,
        Column("id", Integer, primary_key=True),
        Column("username", String(64), nullable=False, unique=True),
        Column("display_name", String(200), nullable=False),
        Column("unit_id", String(64), nullable=False),
        Column("role", String(16), nullable=False),
        Column("active", Boolean, nullable=False),
        Column("password_hash", Text, nullable=False),
        Column("created_at", DateTime, nullable=False),
        Column("updated_at", DateTime, nullable=False),
        Column("last_login_at", DateTime),
        Index("ix_report_accounts_unit", "unit_id"),
    )
    Table(
        "report_login_attempts", md,
        Column("id", Integer, primary_key=True),
        Column("username", String(64)),
        Column("address", String(64)),
        Column("ok", Boolean, nullable=False),
        Column("at", DateTime, nullable=False),
        Index("ix_report_login_attempts_user", "username", "at"),
        Index("ix_report_login_attempts_address", "address", "at"),
    )
    Table(
        "report_account_audit", md,
        Column("id", Integer, primary_key=True),
        Column("account_id", Integer, ForeignKey(accounts.c.id), nullable=False, index=True),
        Column("at", DateTime, nullable=False),
        Column("actor", String(200), nullable=False),
        Column("action", String(32), nullable=False),
        Column("details", Text),
    )
    Table(
        "report_notes", md,
        Column("id", Integer, primary_key=True),
        Column("report_id", Integer, ForeignKey(reports.c.id), nullable=False, index=True),
        Column("actor", String(200), nullable=False),
        Column("text", Text, nullable=False),
        Column("created_at", DateTime, nullable=False),
    )
    Table(
        "report_transfers", md,
        Column("id", Integer, primary_key=True),
        Column("report_id", Integer, ForeignKey(reports.c.id), nullable=False, index=True),
        Column("from_unit", String(200)),
        Column("to_unit", String(200), nullable=False),
        Column("reason", Text, nullable=False),
        Column("actor", String(200), nullable=False),
        Column("at", DateTime, nullable=False),
    )
    md.create_all(conn, tables=[t for t in md.sorted_tables if t.name != "reports"], checkfirst=False)

    conn.execute(text("ALTER TABLE reports ADD COLUMN due_at TIMESTAMP"))
    conn.execute(text("ALTER TABLE reports ADD COLUMN search_text TEXT"))
    _backfill(conn)
    conn.execute(text("CREATE INDEX ix_reports_unit_created_at ON reports (unit, created_at)"))
    conn.execute(text("CREATE INDEX ix_reports_status_created_at ON reports (status, created_at)"))
    conn.execute(text("CREATE INDEX ix_reports_status_due_at ON reports (status, due_at)"))
    conn.execute(text("CREATE INDEX ix_reports_assigned_to ON reports (assigned_to, created_at)"))


def _backfill(conn: Connection) -> None:
    from datetime import timedelta

    from anninh.reports.search import search_text
    md = MetaData()
    reports = Table("reports", md, Column("id", Integer, primary_key=True), Column("due_at", DateTime),
                    Column("search_text", Text))
    rows = conn.execute(text("SELECT id, code, kind, description, place_text, created_at FROM reports")).all()
    stmt = update(reports).where(reports.c.id == bindparam("rid")).values(
        due_at=bindparam("due"), search_text=bindparam("search"))
    batch = []
    for r in rows:
        created = r.created_at
        if isinstance(created, str):  # SQLite through a raw query
            from datetime import datetime
            created = datetime.fromisoformat(created)
        batch.append({"rid": r.id, "due": created + timedelta(days=_DEADLINE_DAYS.get(r.kind, 30)),
                      "search": search_text(r.code, r.description, r.place_text)})
        if len(batch) >= 1000:
            conn.execute(stmt, batch)
            batch = []
    if batch:
        conn.execute(stmt, batch)


def upgrade() -> None:
    ddl(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
