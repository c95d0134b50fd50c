"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}

Rules: number revisions 0001, 0002, ... (the number is the schema version); write DDL that runs
on SQLite and PostgreSQL; update anninh/reports/schema.py to match (a test compares the two).
"""
from alembic import op
${imports if imports else ""}
revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = None
depends_on = None


def upgrade() -> None:
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    raise NotImplementedError("downgrades are not supported")
