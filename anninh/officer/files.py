"""Attachments, exports and statistics: ``fetch-attachments``, ``export``, ``stats``."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .common import EXIT_OK, Context, UsageError, _dates, _err, _filtered, _out, parse_code_arg


def cmd_export(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.export import atomic_write_text, export_reports
    fmt = args.format
    if fmt is None:
        fmt = "json" if args.output and args.output.lower().endswith(".json") else "csv"
    if args.output and args.output != "-" and Path(args.output).is_dir():
        raise UsageError(f"{args.output} is a directory; give a file name")
    reports = _filtered(ctx, args)
    text = export_reports(reports, fmt, include_contact=args.with_contact, content=ctx.content)
    if not args.output or args.output == "-":
        sys.stdout.write(text)
    else:
        atomic_write_text(args.output, text)
        _err(f"exported {len(reports)} report(s) to {args.output}")
    return EXIT_OK


def cmd_stats(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.stats import compute_stats, format_table
    since, until = _dates(args)
    unit = ctx.resolve_unit_filter(args.unit)
    stats = compute_stats(ctx.store().timeline_rows(unit=unit), since=since, until=until)
    if args.json:
        _out(json.dumps([s.as_dict() for s in stats], ensure_ascii=False, indent=2))
    else:
        _out(format_table(stats))
    return EXIT_OK



def cmd_fetch_attachments(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.attachments import (DEFAULT_ALLOWED_TYPES, AttachmentFetcher,
                                            download_attachments_sync)
    if args.max_mb is not None and args.max_mb <= 0:
        raise UsageError("--max-mb must be positive")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    code = parse_code_arg(args.code) if args.code else None
    hosts_raw = args.allowed_hosts if args.allowed_hosts is not None else os.environ.get("REPORTS_ATTACHMENT_HOSTS")
    hosts = [h.strip() for h in (hosts_raw or "").split(",") if h.strip()] or None
    fetcher = AttachmentFetcher(args.dir, allowed_types=DEFAULT_ALLOWED_TYPES, allowed_hosts=hosts,
                                **({"max_bytes": int(args.max_mb * 1024 * 1024)} if args.max_mb else {}),
                                **({"timeout": args.timeout} if args.timeout else {}))
    store = ctx.store()
    if code:
        store.require(code)
    results = download_attachments_sync(store, fetcher, code=code, limit=args.limit)
    for r in results:
        _out(f"{r.report_code} #{r.position}: {r.status}" + (f" ({r.error})" if r.error else ""))
    _out(f"({len(results)} attachment(s) processed)")
    return EXIT_OK
