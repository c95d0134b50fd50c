"""Telling citizens and the public: ``publish``, ``notify``, ``publish-site`` and the notifier
helpers that ``status`` also uses."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from anninh.reports.errors import InvalidTransitionError
from anninh.reports.masking_content import load_masking_content
from anninh.reports.model import TERMINAL_STATUSES, Report
from anninh.text import fold

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



#: ``publish`` without confirmation: the masked preview was shown, nothing was published
EXIT_NOT_PUBLISHED = 3
_YES = {"c", "co", "y", "yes", "ok", "dong y", "cong bo"}


def _result_text(args: argparse.Namespace) -> str:
    given = [t for t in (args.text, args.text_opt, args.file) if t is not None]
    if len(given) != 1:
        raise UsageError("give the result text once: as an argument, with --text or with --file")
    if args.file is None:
        return args.text if args.text is not None else args.text_opt
    try:
        return Path(args.file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {args.file}: {exc}") from None


def _confirmed(args: argparse.Namespace) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        return False
    try:
        answer = input("Công bố văn bản trên? / publish this text? [có/không]: ")
    except EOFError:
        return False
    return " ".join(fold(answer).split()) in _YES


def cmd_publish(ctx: Context, args: argparse.Namespace) -> int:
    """Show the masked text, then publish exactly that text once the officer confirms it."""
    officer = ctx.officer()
    code = parse_code_arg(args.code)
    text = _result_text(args)
    store = ctx.store()
    report = store.require(code)
    if report.status not in TERMINAL_STATUSES:
        raise InvalidTransitionError(f"report {report.code} is {report.status}; publish a result once it is "
                                     f"{' / '.join(sorted(TERMINAL_STATUSES))}")
    preview = store.preview_publication(code, text)
    placeholders = load_masking_content().placeholders
    _out("Văn bản sẽ công bố (đã che thông tin cá nhân) / text to be published (masked):")
    _out(f"  {preview.text}")
    if preview.spans:
        hidden = "; ".join(f"{placeholders[s.kind]} {preview.source[s.start:s.end]}" for s in preview.spans)
        _out(f"Đã che / masked ({len(preview.spans)}): {hidden}")
    else:
        _out("Không có thông tin cá nhân nào bị che / nothing was masked")
    if not _confirmed(args):
        _err("chưa công bố / not published: check the text above, then run again with --yes")
        return EXIT_NOT_PUBLISHED
    notifier = _load_notifier(args)
    report = store.publish_result(code, preview.text, actor=officer)
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
