"""idempotency key and listing indexes

Revision ID: 0002
Revises: 0001

Migration 2 of the old runner, unchanged: idempotent submissions (a chat form retrying a submit
gets the same ticket) and the indexes the officer listing uses.
FROZEN: databases in the field ran this; never edit it. ``ddl`` is also what tests use to build
the databases the old runner created.
"""
from alembic import op
from sqlalchemy import text
from sqlalchemy.engine import Connection

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def ddl(conn: Connection) -> None:
    conn.execute(text("ALTER TABLE reports ADD COLUMN idempotency_key VARCHAR(128)"))
    conn.execute(text("CREATE UNIQUE INDEX ux_reports_idempotency "
                      "ON reports (channel, sender_id, idempotency_key)"))
    conn.execute(text("CREATE INDEX ix_reports_unit_status ON reports (unit, status)"))
    conn.execute(text("CREATE INDEX ix_reports_created_at ON reports (created_at)"))


def upgrade() -> None:
    ddl(op.get_bind())


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
