"""Crime reports, tips, complaints and suggestions (tố giác, tin báo, phản ánh, kiến nghị).

Public API for the chat form (see each module for details)::

    from anninh.reports import (ReportStore, NewReport, AttachmentIn, Requester,
                                load_reports_content)

    store = ReportStore.open()                      # $REPORTS_DB_URL or var/reports.db
    sub = store.create_report(NewReport(kind="to_giac", description=..., ...),
                              unit_resolver=commune_matcher)   # committed when it returns
    text = load_reports_content().submitted_text(sub.code, "to_giac", sub.unit)
    view = store.lookup(code, Requester("zalo", user_id))      # None: unknown OR not theirs

Officers use ``python -m anninh.officer`` and the officers' console, whose data layer is here too:
``accounts.AccountStore`` (console accounts), ``units`` (the units of content/units.yml) and the
store's listing, notes and transfers.
"""
from anninh.reports.codes import KINDS, format_code, normalize_code, parse_code
from anninh.reports.db import make_engine, resolve_db_url
from anninh.reports.errors import (ConflictError, InvalidTransitionError, NotFoundError, ReportError,
                                   SchemaVersionError, ValidationError)
from anninh.reports.migrations import LATEST_VERSION, current_version, migrate
from anninh.reports.model import (STATUSES, TERMINAL_STATUSES, TRANSITIONS, Attachment, AttachmentIn,
                                  AuditEntry, CitizenView, NewReport, Note, NotifyResult, Report, Requester,
                                  Submission, Transfer)
from anninh.reports.privacy import PiiMaskingFilter, install_log_masking, mask_text
from anninh.reports.store import ReportStore, UnitResolver, resolve_unit
from anninh.reports.texts import ReportsContent, load_reports_content

__all__ = [
    "KINDS", "STATUSES", "TERMINAL_STATUSES", "TRANSITIONS", "LATEST_VERSION",
    "Attachment", "AttachmentIn", "AuditEntry", "CitizenView", "NewReport", "Note", "NotifyResult", "Report",
    "Transfer",
    "Requester", "Submission", "ReportStore", "ReportsContent", "UnitResolver",
    "ReportError", "ValidationError", "NotFoundError", "InvalidTransitionError", "ConflictError",
    "SchemaVersionError", "PiiMaskingFilter", "install_log_masking", "mask_text",
    "current_version", "format_code", "load_reports_content", "make_engine", "migrate",
    "normalize_code", "parse_code", "resolve_db_url", "resolve_unit",
]
