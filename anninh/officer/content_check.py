"""``check-content``: load content/reports.yml (or --content FILE) and report what it holds."""
from __future__ import annotations

import argparse

from .common import EXIT_OK, Context, _out


def cmd_check_content(ctx: Context, args: argparse.Namespace) -> int:
    content = ctx.content
    _out(f"OK: {content.path} ({len(content.kinds)} kinds, {len(content.statuses)} statuses, "
         f"{len(content.oa_units)} OA mapping(s))")
    return EXIT_OK
