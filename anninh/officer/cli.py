"""The officer CLI's argument parser and entry point."""
from __future__ import annotations

import argparse
import sys
from typing import Any, List, Optional, Sequence

from anninh.content import ContentError
from anninh.reports.codes import KINDS
from anninh.reports.db import DatabaseConfigError
from anninh.reports.errors import ReportError
from anninh.reports.model import STATUSES
from anninh.reports.privacy import install_log_masking

from .accounts import (cmd_accounts_active, cmd_accounts_create, cmd_accounts_list, cmd_accounts_password,
                       cmd_create_admin)
from .common import ENV_OFFICER, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, Context, UsageError, _err
from .content_check import cmd_check_content
from .database import cmd_migrate
from .files import cmd_export, cmd_fetch_attachments, cmd_stats
from .handling import cmd_note, cmd_transfer
from .handoffs import (cmd_handoff_close, cmd_handoff_list, cmd_handoff_reply, cmd_handoff_show,
                       cmd_handoff_take, cmd_handoff_waiting)
from .publication import cmd_notify, cmd_publish, cmd_publish_site
from .replies import add_reply_command
from .reports import cmd_assign, cmd_list, cmd_show, cmd_status


def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    d = {} if top else {"default": argparse.SUPPRESS}
    g = parser.add_argument_group("common options")
    g.add_argument("--db", metavar="URL", help="database URL (default: $REPORTS_DB_URL or "
                   "sqlite:///var/reports.db); e.g. postgresql://user@host:5432/dbname", **d)
    g.add_argument("--db-schema", metavar="NAME", help="PostgreSQL schema (default: $REPORTS_DB_SCHEMA)", **d)
    g.add_argument("--officer", metavar="NAME", help=f"no longer used (also ${ENV_OFFICER}): changes are "
                   "recorded as cli:<OS user>", **d)
    g.add_argument("--content", metavar="FILE", help="texts file (default: content/reports.yml)", **d)


def _filters(p: argparse.ArgumentParser, *, limit: bool = True) -> None:
    p.add_argument("--unit", help="police unit (đơn vị); accents and case do not matter")
    p.add_argument("--status", help=f"status: {', '.join(STATUSES)} (or Vietnamese: dang_xu_ly, ...)")
    p.add_argument("--kind", help=f"kind: {', '.join(KINDS)} (or TG, TB, PA, KN)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="received on or after (YYYY-MM-DD or DD/MM/YYYY)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="received on or before (YYYY-MM-DD or DD/MM/YYYY)")
    p.add_argument("--assigned", metavar="NAME", help="assigned to this officer")
    p.add_argument("--text", metavar="WORDS", help="search in code, description and place (accents optional)")
    p.add_argument("--overdue", action="store_true", help="only reports past their deadline and not closed")
    if limit:
        p.add_argument("--limit", type=int, help="at most N reports (newest first)")


def _notify_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-notify", action="store_true", help="do not notify the citizen")
    p.add_argument("--notifier", metavar="SPEC", help="none | zalo:module:send_text | factory:module:callable "
                   "(default: the Zalo connector when ZALO_* is set, else $REPORTS_NOTIFIER; none = record the citizen was not told)")


_EPILOG = """examples:
  python -m anninh.officer migrate
  python -m anninh.officer list --unit "Công an xã Hà Quảng" --status received --from 2026-03-01
  python -m anninh.officer show TG-2026-000123
  python -m anninh.officer status TG-2026-000123 dang_xu_ly
  python -m anninh.officer publish TG-2026-000123 --text "Đã xác minh, ..."
  python -m anninh.officer publish TG-2026-000123 --text "Đã xác minh, ..." --yes
  python -m anninh.officer reply TG-2026-000123 --text "Dạ, mời anh ..."
  python -m anninh.officer export --format csv -o bao-cao.csv --from 01/03/2026 --to 31/03/2026
  python -m anninh.officer publish-site -o var/site
  python -m anninh.officer handoff list --status open
  python -m anninh.officer handoff close 12 --note "Đã hướng dẫn"
  python -m anninh.officer handoff take 12
  python -m anninh.officer handoff reply 12 "Dạ, cán bộ đã nhận thông tin của anh/chị"
  python -m anninh.officer transfer TB-2026-000045 --to "Bảo Lâm" --reason "Địa bàn xã Bảo Lâm"
  python -m anninh.officer note TB-2026-000045 --text "Đã gọi lại cho người báo tin"
  python -m anninh.officer create-admin --username admin
  python -m anninh.officer accounts create nong.van.a --name "Đại úy Nông Văn A" --unit ca_bao_lam --role officer

changes are recorded in the audit trail as cli:<OS user> (the console records account:<username>)

exit codes: 0 done; 2 bad input / invalid change (nothing changed); 1 unexpected failure
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"lỗi / error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m anninh.officer",
                     description="Officer tool for tố giác, tin báo, phản ánh, kiến nghị received through Zalo.",
                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=_EPILOG)
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def add(name: str, aliases: List[str], help_text: str, func: Any) -> argparse.ArgumentParser:
        p = sub.add_parser(name, aliases=aliases, help=help_text, description=help_text)
        _common(p, top=False)
        p.set_defaults(func=func)
        return p

    p = add("migrate", [], "create or upgrade the database schema", cmd_migrate)
    p.add_argument("--to", type=int, metavar="N", help="upgrade to version N only (default: latest)")
    p.add_argument("--status", action="store_true", help="only show the schema version")

    p = add("list", ["danh-sach"], "list reports (newest first)", cmd_list)
    _filters(p)
    p.add_argument("--json", action="store_true", help="JSON output")

    p = add("show", ["xem"], "show one report with attachments, notifications and audit trail", cmd_show)
    p.add_argument("code", help="ticket code, e.g. TG-2026-000123")
    p.add_argument("--json", action="store_true", help="JSON output")

    p = add("assign", ["giao"], "assign a report to an officer", cmd_assign)
    p.add_argument("code")
    p.add_argument("assignee", help="officer the report is assigned to")
    p.add_argument("--note", help="note kept in the audit trail")

    p = add("status", ["trang-thai"], "change the status: received → in_progress → resolved / "
            "transferred / not_competent; notifies the citizen", cmd_status)
    p.add_argument("code")
    p.add_argument("new_status", metavar="STATUS", help=f"{', '.join(STATUSES)} (or dang_xu_ly, da_giai_quyet, "
                   "da_chuyen, khong_thuoc_tham_quyen)")
    p.add_argument("--note", help="internal note (required for transferred / not_competent); not sent to the citizen")
    _notify_opts(p)

    p = add("publish", ["cong-bo"], "publish the result text, masked (names, addresses, phone/ID numbers, "
            "plates, e-mails): prints the masked text and publishes it only with --yes or an "
            "interactive yes (exit code 3: shown, not published); the masked text goes to the "
            "sender and the public site", cmd_publish)
    p.add_argument("code")
    p.add_argument("text", nargs="?", help="result text")
    p.add_argument("--text", dest="text_opt", metavar="TEXT", help="result text (same as the argument)")
    p.add_argument("--file", help="read the result text from this UTF-8 file")
    p.add_argument("--yes", "-y", action="store_true", help="publish the masked text without asking")
    _notify_opts(p)

    p = add("notify", ["thong-bao"], "send the current status (or published result) to the citizen again", cmd_notify)
    p.add_argument("code")
    p.add_argument("--notifier", metavar="SPEC", help="as for the status command")

    add_reply_command(add)

    p = add("export", ["xuat"], "export reports as CSV (Excel-friendly) or JSON", cmd_export)
    _filters(p)
    p.add_argument("--format", choices=("csv", "json"), help="default: from the file name, else csv")
    p.add_argument("--output", "-o", metavar="FILE", help="output file (default: standard output)")
    p.add_argument("--with-contact", action="store_true", help="include contact name, phone and sender ids")

    p = add("stats", ["thong-ke"], "reports received and handled per unit and month, median handling time", cmd_stats)
    p.add_argument("--unit")
    p.add_argument("--from", dest="date_from", metavar="DATE")
    p.add_argument("--to", dest="date_to", metavar="DATE")
    p.add_argument("--json", action="store_true")

    p = add("publish-site", ["trang-cong-khai"], "write the public results page (index.html + results.json), "
            "anonymised", cmd_publish_site)
    p.add_argument("--output", "-o", required=True, metavar="DIR")
    p.add_argument("--unit", help="only this unit's results")

    p = add("fetch-attachments", ["tai-tep"], "download attachments not downloaded yet (retries failures)",
            cmd_fetch_attachments)
    p.add_argument("--code", help="only this report")
    p.add_argument("--limit", type=int)
    p.add_argument("--dir", help="storage directory (default: $REPORTS_ATTACHMENTS_DIR or var/attachments)")
    p.add_argument("--max-mb", type=float, help="size limit in MB (default 20)")
    p.add_argument("--timeout", type=float, help="seconds per download (default 60)")
    p.add_argument("--allowed-hosts", help="comma-separated hosts (.example.com = subdomains, * = any host; "
                   "addresses must be public whatever the host); default: $REPORTS_ATTACHMENT_HOSTS or "
                   "Zalo's media hosts")

    p = add("handoff", ["gap-can-bo"], "requests to talk to an officer: list, show (with the conversation), "
            "close (hand back to the assistant)", None)
    hsub = p.add_subparsers(dest="handoff_command", metavar="ACTION", parser_class=_Parser)
    hsub.required = True
    hp = hsub.add_parser("list", help="requests, newest first")
    _common(hp, top=False)
    hp.add_argument("--status", choices=("open", "closed"))
    hp.add_argument("--unit")
    hp.add_argument("--limit", type=int)
    hp.add_argument("--json", action="store_true")
    hp.set_defaults(func=cmd_handoff_list)
    hp = hsub.add_parser("show", help="one request with the conversation so far")
    _common(hp, top=False)
    hp.add_argument("id", type=int)
    hp.set_defaults(func=cmd_handoff_show)
    hp = hsub.add_parser("close", aliases=["handback"], help="hand the conversation back to the assistant")
    _common(hp, top=False)
    hp.add_argument("id", type=int)
    hp.add_argument("--note", help="note kept with the request")
    hp.set_defaults(func=cmd_handoff_close)
    hp = hsub.add_parser("waiting", help="open requests, oldest first, overdue ones flagged "
                         "($HANDOFF_OVERDUE_MINUTES)")
    _common(hp, top=False)
    hp.add_argument("--unit")
    hp.set_defaults(func=cmd_handoff_waiting)
    hp = hsub.add_parser("take", help="answer this citizen yourself (shown to colleagues in the console)")
    _common(hp, top=False)
    hp.add_argument("id", type=int)
    hp.add_argument("--force", action="store_true", help="take over from a colleague")
    hp.set_defaults(func=cmd_handoff_take)
    hp = hsub.add_parser("reply", help="send a message to the citizen over Zalo (inside the reply window)")
    _common(hp, top=False)
    hp.add_argument("id", type=int)
    hp.add_argument("text")
    hp.add_argument("--notifier", help="as for notify (default: the Zalo channel when configured)")
    hp.set_defaults(func=cmd_handoff_reply)

    add("check-content", [], "check content/reports.yml (or --content FILE)", cmd_check_content)
    _handling_commands(add)
    _account_commands(add)
    return parser


def _handling_commands(add: Any) -> None:
    p = add("transfer", ["chuyen-don-vi"], "move a report to another police unit (content/units.yml), "
            "with the reason", cmd_transfer)
    p.add_argument("code")
    p.add_argument("--to", required=True, metavar="UNIT", help="unit id or name, e.g. ca_bao_lam or \"Bảo Lâm\"")
    p.add_argument("--reason", required=True, help="why (kept with the transfer and in the audit trail)")

    p = add("note", ["ghi-chu"], "add an internal note to a report (never sent to the citizen)", cmd_note)
    p.add_argument("code")
    p.add_argument("--text", required=True)


def _password_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from the first line of standard input (default: type it twice)")


def _account_commands(add: Any) -> None:
    p = add("create-admin", [], "create the first administrator of the officers' console", cmd_create_admin)
    p.add_argument("--username", default="admin", help="default: admin")
    p.add_argument("--name", default="Quản trị viên", help="display name")
    p.add_argument("--unit", help="unit id or name (default: the provincial police)")
    _password_opt(p)

    p = add("accounts", ["tai-khoan"], "console accounts: list, create, disable, enable, set-password", None)
    asub = p.add_subparsers(dest="accounts_command", metavar="ACTION", parser_class=_Parser)
    asub.required = True

    def sub(name: str, help_text: str, func: Any) -> argparse.ArgumentParser:
        sp = asub.add_parser(name, help=help_text, description=help_text)
        _common(sp, top=False)
        sp.set_defaults(func=func)
        return sp

    sp = sub("list", "accounts, by username", cmd_accounts_list)
    sp.add_argument("--unit", help="only this unit's accounts (id or name)")
    sp.add_argument("--json", action="store_true")
    sp = sub("create", "create an account", cmd_accounts_create)
    sp.add_argument("username")
    sp.add_argument("--name", required=True, help="display name, e.g. \"Đại úy Nông Văn A\"")
    sp.add_argument("--unit", required=True, help="unit id or name")
    sp.add_argument("--role", required=True, choices=("admin", "unit_head", "officer"))
    _password_opt(sp)
    for name, active, help_text in (("disable", False, "lock an account (it can no longer log in)"),
                                    ("enable", True, "unlock an account")):
        sp = sub(name, help_text, cmd_accounts_active)
        sp.add_argument("username")
        sp.set_defaults(active=active)
    sp = sub("set-password", "set a new password (recovery)", cmd_accounts_password)
    sp.add_argument("username")
    _password_opt(sp)


def main(argv: Optional[Sequence[str]] = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            try:
                stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[attr-defined]
            except (AttributeError, ValueError):
                pass
    install_log_masking()
    parser = build_parser()
    args = parser.parse_args(argv)
    ctx = Context(args)
    from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
    try:
        return int(args.func(ctx, args) or 0)
    except (UsageError, ReportError, ContentError, DatabaseConfigError, ValueError) as exc:
        _err(f"lỗi / error: {exc}")
        return EXIT_USAGE
    except OperationalError as exc:  # unreachable server, unusable file, lock timeout
        _err(f"lỗi / error: cannot use the database {ctx.safe_db_url()}: {str(exc.orig).strip()}")
        return EXIT_USAGE
    except DBAPIError as exc:
        _err(f"lỗi / error: database error: {str(exc.orig).strip()}")
        return EXIT_FAILURE
    except SQLAlchemyError as exc:
        _err(f"lỗi / error: database error: {exc}")
        return EXIT_FAILURE
    except BrokenPipeError:
        return EXIT_OK
    finally:
        ctx.close()
