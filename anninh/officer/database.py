"""``migrate``: create or upgrade the reports database schema."""
from __future__ import annotations

import argparse

from anninh.reports.timeutil import fmt_vn

from .common import EXIT_OK, Context, UsageError, _out


def cmd_migrate(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.migrations import LATEST_VERSION, applied_migrations, current_version, migrate
    engine = ctx.engine(must_exist=bool(args.status))
    try:
        if args.status:
            have = current_version(engine)
            _out(f"schema version: {have} (latest: {LATEST_VERSION})")
            for m in applied_migrations(engine):
                _out(f"  {m['version']:>3}  {m['name']}  (applied {fmt_vn(m['applied_at'])})")
            return EXIT_OK
        if args.to is not None and args.to < 1:
            raise UsageError("--to must be at least 1")
        applied = migrate(engine, args.to)
        have = current_version(engine)
        if applied:
            _out(f"applied migrations {', '.join(map(str, applied))}; schema version is now {have}")
        else:
            _out(f"schema already at version {have}; nothing to do")
        return EXIT_OK
    finally:
        engine.dispose()
