"""The tables of the reports database as the code uses them (the LATEST schema version).

The database itself is created and upgraded only by ``migrations.py`` (Alembic revisions in
``alembic/versions``); a test checks that a freshly migrated database, and one upgraded from each
version of the former hand-written runner, has exactly these tables, columns and indexes.

All timestamps are naive UTC. Table names carry a ``report`` prefix so the database can be
shared with other stores (e.g. Rasa's SQL tracker store) without collisions.
"""
from __future__ import annotations

from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text, text)

metadata = MetaData()

# Alembic's record of the current revision (created and written by Alembic itself).
alembic_version = Table(
    "report_alembic_version", metadata,
    Column("version_num", String(32), primary_key=True),
)

# The history: one row per applied schema version (the former runner's table, kept).
migrations_table = Table(
    "report_migrations", metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("applied_at", DateTime, nullable=False),
)

counters = Table(
    "report_counters", metadata,
    Column("kind", String(16), primary_key=True),
    Column("year", Integer, primary_key=True, autoincrement=False),
    Column("last_seq", Integer, nullable=False),
)

reports = Table(
    "reports", metadata,
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
    # version 2
    Column("idempotency_key", String(128)),
    # version 4
    Column("due_at", DateTime),  # handling deadline (content/reports.yml kinds.<kind>.deadline_days)
    Column("search_text", Text),  # code, description and place, folded (anninh.reports.search)
)
Index("ix_reports_sender", reports.c.channel, reports.c.sender_id)
Index("ux_reports_idempotency", reports.c.channel, reports.c.sender_id, reports.c.idempotency_key,
      unique=True)
Index("ix_reports_unit_status", reports.c.unit, reports.c.status)
Index("ix_reports_created_at", reports.c.created_at)
Index("ix_reports_unit_created_at", reports.c.unit, reports.c.created_at)
Index("ix_reports_status_created_at", reports.c.status, reports.c.created_at)
Index("ix_reports_status_due_at", reports.c.status, reports.c.due_at)
Index("ix_reports_assigned_to", reports.c.assigned_to, reports.c.created_at)
# version 6: the overdue list walks the open reports in deadline order (listing.OPEN_STATUSES)
_OPEN_REPORTS = text("status IN ('received', 'in_progress')")
Index("ix_reports_open_due_at", reports.c.due_at, reports.c.id,
      postgresql_where=_OPEN_REPORTS, sqlite_where=_OPEN_REPORTS)
# version 6, SQLite only: the FTS5 trigram index over search_text (table reports_fts, its shadow
# tables reports_fts_*, kept by triggers); not a table the code reads or writes (anninh.reports.search)
SQLITE_TEXT_INDEX = "reports_fts"
# version 6, PostgreSQL only: GIN trigram index over search_text (extension pg_trgm; left out when
# the database refuses the extension), for the console's LIKE search
POSTGRESQL_TEXT_INDEX = "ix_reports_search_trgm"

attachments = Table(
    "report_attachments", metadata,
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
)
Index("ix_report_attachments_status", attachments.c.status)

audit = Table(
    "report_audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),
    Column("old_value", Text),
    Column("new_value", Text),
    Column("note", Text),
    Column("details", Text),  # JSON
)

# version 3: requests to talk to an officer (anninh/reports/handoff.py)
handoffs = Table(
    "report_handoffs", metadata,
    Column("id", Integer, primary_key=True),
    Column("channel", String(32), nullable=False),
    Column("sender_id", String(128), nullable=False),
    Column("oa_id", String(64)),
    Column("unit", String(200)),
    Column("status", String(16), nullable=False),  # open | closed
    Column("reason", Text),
    Column("transcript", Text, nullable=False),  # JSON list of {"who", "text", "at"}
    Column("requested_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("closed_at", DateTime),
    Column("closed_by", String(200)),
    Column("note", Text),
    Column("taken_by", String(200)),  # version 5: who answers the citizen (console / CLI)
    Column("taken_at", DateTime),
)
Index("ix_report_handoffs_sender", handoffs.c.channel, handoffs.c.sender_id, handoffs.c.status)
Index("ix_report_handoffs_status", handoffs.c.status)
Index("ix_report_handoffs_unit_requested", handoffs.c.unit, handoffs.c.requested_at)

# version 5: what officers sent to the citizen of a handoff, with the delivery outcome
handoff_replies = Table(
    "report_handoff_replies", metadata,
    Column("id", Integer, primary_key=True),
    Column("handoff_id", Integer, ForeignKey("report_handoffs.id"), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("outcome", String(16), nullable=False),  # ok | failed | not_sent
    Column("error_code", Integer),
    Column("error", Text),
    Column("reply_to", String(128)),  # the citizen's msg_id the reply quoted
)
Index("ix_report_handoff_replies_handoff", handoff_replies.c.handoff_id, handoff_replies.c.at)

# version 4: the officers' console (anninh/reports/accounts.py, notes and transfers in store.py)
accounts = Table(
    "report_accounts", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64), nullable=False, unique=True),  # lower case
    Column("display_name", String(200), nullable=False),
    Column("unit_id", String(64), nullable=False),  # content/units.yml id
    Column("role", String(16), nullable=False),  # admin | unit_head | officer
    Column("active", Boolean, nullable=False),
    Column("password_hash", Text, nullable=False),  # Argon2 (argon2-cffi)
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("last_login_at", DateTime),
)
Index("ix_report_accounts_unit", accounts.c.unit_id)

login_attempts = Table(
    "report_login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(64)),
    Column("address", String(64)),
    Column("ok", Boolean, nullable=False),
    Column("at", DateTime, nullable=False),
)
Index("ix_report_login_attempts_user", login_attempts.c.username, login_attempts.c.at)
Index("ix_report_login_attempts_address", login_attempts.c.address, login_attempts.c.at)

account_audit = Table(
    "report_account_audit", metadata,
    Column("id", Integer, primary_key=True),
    Column("account_id", Integer, ForeignKey("report_accounts.id"), nullable=False, index=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(32), nullable=False),  # created | updated | password
    Column("details", Text),  # JSON; never a password or its hash
)

notes = Table(
    "report_notes", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column("actor", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", DateTime, nullable=False),
)

transfers = Table(
    "report_transfers", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id"), nullable=False, index=True),
    Column("from_unit", String(200)),
    Column("to_unit", String(200), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("at", DateTime, nullable=False),
)
