"""Telling citizens and the public: ``publish``, ``notify``, ``publish-site`` and the notifier
helpers that ``status`` also uses."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from anninh.reports.model import Report

from .common import EXIT_OK, Context, UsageError, _err, _out, parse_code_arg


def _load_notifier(args: argparse.Namespace):
    if getattr(args, "no_notify", False):
        return None
    from anninh.reports.notify import default_notifier, load_notifier
    spec = getattr(args, "notifier", None)
    try:
        # Without --notifier: the Zalo connector's notifier when Zalo is configured, else $REPORTS_NOTIFIER.
        return load_notifier(spec) if spec is not None else default_notifier()
    except ValueError as exc:
        raise UsageError(f"--notifier / REPORTS_NOTIFIER / ZALO_*: {exc}") from None


def _notify(ctx: Context, args: argparse.Namespace, report: Report, text: str, trigger: str,
            officer: str, notifier: Any) -> None:
    if getattr(args, "no_notify", False):
        _out("thông báo / notification: not sent (--no-notify)")
        return
    from anninh.reports.notify import notify_report_sync
    result = notify_report_sync(ctx.store(), report.code, text, notifier, trigger=trigger, actor=officer)
    if result.ok:
        _out("thông báo / notification: sent to the citizen")
    elif notifier is None:
        _err(f"warning: citizen not notified: {result.error}")
    elif result.not_sent:
        _err(f"warning: {result.error}; recorded in the audit trail")
    else:
        code_txt = f" (error {result.error_code})" if result.error_code is not None else ""
        _err(f"warning: notification failed{code_txt}: {result.error}; recorded in the audit trail")



def cmd_publish(ctx: Context, args: argparse.Namespace) -> int:
    officer = ctx.officer()
    code = parse_code_arg(args.code)
    if (args.text is None) == (args.file is None):
        raise UsageError("give the result text either as an argument or with --file (not both)")
    if args.file is not None:
        try:
            text = Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {args.file}: {exc}") from None
    else:
        text = args.text
    notifier = _load_notifier(args)
    report = ctx.store().publish_result(code, text, actor=officer)
    _out(f"{report.code}: kết quả đã công bố / result published")
    _notify(ctx, args, report, ctx.content.result_published_text(report), "published", officer, notifier)
    return EXIT_OK


def cmd_notify(ctx: Context, args: argparse.Namespace) -> int:
    officer = ctx.officer()
    code = parse_code_arg(args.code)
    notifier = _load_notifier(args)
    report = ctx.store().require(code)
    if report.published_result:
        text, trigger = ctx.content.result_published_text(report), "resend:published"
    else:
        text, trigger = ctx.content.status_changed_text(report), f"resend:status:{report.status}"
    _notify(ctx, args, report, text, trigger, officer, notifier)
    return EXIT_OK



def cmd_publish_site(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.export import build_public_site
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a directory")
    unit = ctx.resolve_unit_filter(args.unit)
    summary = build_public_site(ctx.store().published_results(unit=unit), out, ctx.content)
    _out(f"published {summary['count']} result(s) to {out / 'index.html'} and {out / 'results.json'}")
    return EXIT_OK
