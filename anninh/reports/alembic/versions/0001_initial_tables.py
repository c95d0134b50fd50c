"""initial tables

Revision ID: 0001
Revises: -

Migration 1 of the old hand-written runner, unchanged.
FROZEN: databases in the field ran this; never edit it. ``ddl`` is also what tests use to build
the databases the old runner created.
"""
from alembic import op
from sqlalchemy import (BigInteger, Boolean, Column, DateTime, Float, ForeignKey, Index, Integer,
                        MetaData, String, Table, Text)
from sqlalchemy.engine import Connection

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def ddl(conn: Connection) -> None:
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


def upgrade() -> None:
    ddl(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
