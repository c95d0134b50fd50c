"""Handling between units: ``transfer`` (to another police unit, with the reason) and ``note``
(an internal note on a report)."""
from __future__ import annotations

import argparse

from .common import EXIT_OK, Context, _out, parse_code_arg, resolve_unit_arg


def cmd_transfer(ctx: Context, args: argparse.Namespace) -> int:
    unit = resolve_unit_arg(args.to)
    report = ctx.store().transfer(parse_code_arg(args.code), unit.name, reason=args.reason, actor=ctx.officer())
    _out(f"{report.code}: chuyển đến / transferred to {report.unit}")
    return EXIT_OK


def cmd_note(ctx: Context, args: argparse.Namespace) -> int:
    note = ctx.store().add_note(parse_code_arg(args.code), args.text, actor=ctx.officer())
    _out(f"{note.code}: đã ghi chú / note added (#{note.id})")
    return EXIT_OK
