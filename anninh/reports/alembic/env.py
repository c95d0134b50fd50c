"""Alembic environment of the reports database, run programmatically only.

``anninh.reports.migrations.migrate`` opens the connection, takes the migration lock and starts
the transaction; this script runs the revisions on that connection (one transaction for the
whole upgrade) and records each applied revision in ``report_migrations``. There is no
``alembic.ini``: use ``python -m anninh.officer migrate``.
"""
from alembic import context

from anninh.reports.migrations import VERSION_TABLE, history_recorder

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError("the reports database is migrated with: python -m anninh.officer migrate")

context.configure(connection=connection, version_table=VERSION_TABLE,
                  on_version_apply=[history_recorder(config.attributes.setdefault("applied", []))])
with context.begin_transaction():
    context.run_migrations()
