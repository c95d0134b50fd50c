"""human handoff requests

Revision ID: 0003
Revises: 0002

Migration 3 of the old runner, unchanged: requests to talk to an officer.
FROZEN: databases in the field ran this; never edit it. ``ddl`` is also what tests use to build
the databases the old runner created.
"""
from alembic import op
from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text
from sqlalchemy.engine import Connection

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def ddl(conn: Connection) -> None:
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


def upgrade() -> None:
    ddl(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
