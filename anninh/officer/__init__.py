"""Officer command-line tool for crime reports, tips and feedback (tố giác, tin báo, phản ánh,
kiến nghị).

    python -m anninh.officer [--db URL] [--officer NAME] COMMAND ...

Commands (Vietnamese aliases in brackets): migrate, list [danh-sach], show [xem], assign [giao],
status [trang-thai], publish [cong-bo], notify [thong-bao], reply [tra-loi], export [xuat], stats [thong-ke],
publish-site [trang-cong-khai], fetch-attachments [tai-tep], check-content, handoff [gap-can-bo],
transfer [chuyen-don-vi], note [ghi-chu], create-admin, accounts [tai-khoan]. Changes are recorded
in the audit trail as ``cli:<OS user>``.

Exit codes: 0 done; 2 bad input, unknown code, invalid status change, database not ready
(nothing was changed); 1 unexpected failure.

The package is split by area: ``common`` (context, parsing, output), ``database`` (migrate),
``reports`` (list, show, assign, status), ``publication`` (publish, notify, publish-site), ``replies`` (reply),
``files`` (attachments, export, stats), ``handoffs``, ``handling`` (transfer, note),
``accounts`` (console accounts), ``content_check``; ``cli`` holds the parser and ``main``.
"""
from .cli import build_parser, main
from .common import ENV_OFFICER, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, Context, UsageError, parse_code_arg, \
    parse_kind, parse_status

__all__ = ["build_parser", "main", "Context", "UsageError", "parse_status", "parse_kind", "parse_code_arg",
           "ENV_OFFICER", "EXIT_OK", "EXIT_FAILURE", "EXIT_USAGE"]
