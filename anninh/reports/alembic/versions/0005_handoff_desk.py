"""officers answer handoffs from the console: owner, replies

Revision ID: 0005
Revises: 0004

report_handoffs gains ``taken_by`` (the console account or CLI officer answering the citizen) and
``taken_at`` (when; the waiting time of a request is ``taken_at - requested_at``), and an index
for the per-unit lists and monthly figures. New table report_handoff_replies: every message an
officer sent to the citizen of a handoff, with the delivery outcome (ok / failed / not_sent) and
Zalo's error code.
"""
from alembic import op
from sqlalchemy import Column, DateTime, ForeignKey, Index, Integer, MetaData, String, Table, Text, text
from sqlalchemy.engine import Connection

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def ddl(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE report_handoffs ADD COLUMN taken_by VARCHAR(200)"))
    conn.execute(text("ALTER TABLE report_handoffs ADD COLUMN taken_at TIMESTAMP"))
    conn.execute(text("CREATE INDEX ix_report_handoffs_unit_requested ON report_handoffs (unit, requested_at)"))
    md = MetaData()
    handoffs = Table("report_handoffs", md, Column("id", Integer, primary_key=True))
    Table(
        "report_handoff_replies", md,
        Column("id", Integer, primary_key=True),
        Column("handoff_id", Integer, ForeignKey(handoffs.c.id), nullable=False),
        Column("actor", String(200), nullable=False),
        Column("text", Text, nullable=False),
        Column("at", DateTime, nullable=False),
        Column("outcome", String(16), nullable=False),
        Column("error_code", Integer),
        Column("error", Text),
        Column("reply_to", String(128)),
        Index("ix_report_handoff_replies_handoff", "handoff_id", "at"),
    )
    md.create_all(conn, tables=[md.tables["report_handoff_replies"]], checkfirst=False)


def upgrade() -> None:
    ddl(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
