"""``reply``: an officer's own words to the citizen who sent a report, through the channel they
used (Zalo: a reply quoting their last message, inside the reply window only). Every attempt is
kept in the report's audit trail, delivered or not."""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, Callable, Optional

from .common import EXIT_OK, Context, UsageError, parse_code_arg
from .publication import _load_notifier, _notify

MAX_REPLY_CHARS = 2000  # Zalo's limit for one text message


def text_or_file(text: Optional[str], file: Optional[str], usage: str) -> str:
    """The text given on the command line or read from a UTF-8 file (exactly one of them)."""
    if (text is None) == (file is None):
        raise UsageError(usage)
    if file is None:
        return text  # type: ignore[return-value]
    try:
        return Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {file}: {exc}") from None


def cmd_reply(ctx: Context, args: argparse.Namespace) -> int:
    officer = ctx.officer()
    code = parse_code_arg(args.code)
    text = text_or_file(args.text, args.file, "give the reply either with --text or with --file (not both)").strip()
    if not text:
        raise UsageError("the reply is empty")
    if len(text) > MAX_REPLY_CHARS:
        raise UsageError(f"the reply has {len(text)} characters; at most {MAX_REPLY_CHARS} fit one message")
    notifier = _load_notifier(args)
    report = ctx.store().require(code)
    _notify(ctx, args, report, text, "officer_reply", officer, notifier)
    return EXIT_OK


def add_reply_command(add: Callable[..., Any]) -> None:
    p = add("reply", ["tra-loi"], "send the officer's own reply to the citizen who sent the report "
            "(Zalo: only inside the reply window; every attempt is kept in the audit trail)", cmd_reply)
    p.add_argument("code")
    p.add_argument("--text", help="the reply (Vietnamese, at most 2000 characters)")
    p.add_argument("--file", help="read the reply from this UTF-8 file")
    p.add_argument("--notifier", metavar="SPEC", help="as for the status command")
