"""Attachments, exports and statistics: ``fetch-attachments``, ``export``, ``stats``."""
from __future__ import annotations

import argparse
import json
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
    from anninh.reports.attachments import AttachmentFetcher, download_attachments_sync
    from anninh.reports.fetch_policy import DownloadPolicy
    if args.max_mb is not None and args.max_mb <= 0:
        raise UsageError("--max-mb must be positive")
    if args.timeout is not None and args.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    code = parse_code_arg(args.code) if args.code else None
    hosts = [h.strip() for h in (args.allowed_hosts or "").split(",") if h.strip()] or None
    # The download policy of the action server ($REPORTS_ATTACHMENT_*), with these overrides.
    try:
        policy = DownloadPolicy.from_env()
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    fetcher = AttachmentFetcher(args.dir, policy=policy, allowed_hosts=hosts, timeout=args.timeout,
                                max_bytes=int(args.max_mb * 1024 * 1024) if args.max_mb else None)
    store = ctx.store()
    if code:
        store.require(code)
    results = download_attachments_sync(store, fetcher, code=code, limit=args.limit)
    for r in results:
        _out(f"{r.report_code} #{r.position}: {r.status}" + (f" ({r.error})" if r.error else ""))
    _out(f"({len(results)} attachment(s) processed)")
    return EXIT_OK
