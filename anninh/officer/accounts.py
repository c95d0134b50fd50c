"""Console accounts from the command line (setup and recovery): ``create-admin`` and
``accounts list|create|disable|enable|set-password``. Passwords are read with ``getpass`` (twice,
never echoed) or from standard input with ``--password-stdin``; they are never printed or logged."""
from __future__ import annotations

import argparse
import getpass
import json
import sys

from anninh.reports.timeutil import fmt_vn

from .common import EXIT_OK, Context, UsageError, _out, resolve_unit_arg


def _account_store(ctx: Context):
    from anninh.reports.accounts import AccountStore
    return AccountStore(ctx.store().engine)


def read_password(args: argparse.Namespace) -> str:
    """The new password: one line of standard input with --password-stdin, else typed twice."""
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        password = line[:-1] if line.endswith("\n") else line
        return password[:-1] if password.endswith("\r") else password
    if not sys.stdin.isatty():
        raise UsageError("no terminal to type the password in; pipe it with --password-stdin")
    first = getpass.getpass("Mật khẩu / password: ")
    if getpass.getpass("Nhập lại / again: ") != first:
        raise UsageError("the two passwords differ; nothing was changed")
    return first


def _line(a) -> str:
    state = "" if a.active else "  [đã khóa / disabled]"
    last = fmt_vn(a.last_login_at) if a.last_login_at else "—"
    return f"{a.username:<24} {a.role:<10} {a.unit_name:<34} {a.display_name}  (đăng nhập / last login: {last}){state}"


def cmd_create_admin(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.units import province_unit
    accounts = _account_store(ctx)
    if accounts.count_admins():
        raise UsageError("an administrator already exists; add others with: accounts create USERNAME --role admin ...")
    unit = resolve_unit_arg(args.unit) if args.unit else province_unit()
    password = read_password(args)
    a = accounts.create(args.username, password, display_name=args.name, unit_id=unit.id, role="admin",
                        actor=ctx.officer())
    _out(f"đã tạo tài khoản quản trị / administrator created: {a.username} ({a.unit_name})")
    return EXIT_OK


def cmd_accounts_list(ctx: Context, args: argparse.Namespace) -> int:
    unit = resolve_unit_arg(args.unit) if args.unit else None
    rows = _account_store(ctx).list(unit_id=unit.id if unit else None)
    if args.json:
        _out(json.dumps([{"id": a.id, "username": a.username, "display_name": a.display_name,
                          "unit_id": a.unit_id, "unit": a.unit_name, "role": a.role, "active": a.active,
                          "created_at": fmt_vn(a.created_at),
                          "last_login_at": fmt_vn(a.last_login_at) if a.last_login_at else None}
                         for a in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    for a in rows:
        _out(_line(a))
    _out(f"({len(rows)} tài khoản / accounts)")
    return EXIT_OK


def cmd_accounts_create(ctx: Context, args: argparse.Namespace) -> int:
    unit = resolve_unit_arg(args.unit)
    accounts = _account_store(ctx)
    if accounts.by_username(args.username) is not None:
        raise UsageError(f"the username {args.username!r} is taken")
    password = read_password(args)
    a = accounts.create(args.username, password, display_name=args.name, unit_id=unit.id, role=args.role,
                        actor=ctx.officer())
    _out(f"đã tạo / created: {_line(a)}")
    return EXIT_OK


def _require(ctx: Context, username: str):
    a = _account_store(ctx).by_username(username)
    if a is None:
        raise UsageError(f"no account {username!r}")
    return a


def cmd_accounts_active(ctx: Context, args: argparse.Namespace) -> int:
    a = _account_store(ctx).update(_require(ctx, args.username).id, actor=ctx.officer(), active=args.active)
    _out(("đã mở khóa / enabled: " if a.active else "đã khóa / disabled: ") + a.username)
    return EXIT_OK


def cmd_accounts_password(ctx: Context, args: argparse.Namespace) -> int:
    a = _require(ctx, args.username)
    _account_store(ctx).set_password(a.id, read_password(args), actor=ctx.officer())
    _out(f"đã đặt mật khẩu mới / password set: {a.username}")
    return EXIT_OK
