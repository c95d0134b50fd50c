"""Officer command-line tool for crime reports, tips and feedback (tố giác, tin báo, phản ánh,
kiến nghị).

    python -m anninh.officer [--db URL] [--officer NAME] COMMAND ...

Commands (Vietnamese aliases in brackets): migrate, list [danh-sach], show [xem], assign [giao],
status [trang-thai], publish [cong-bo], notify [thong-bao], export [xuat], stats [thong-ke],
publish-site [trang-cong-khai], fetch-attachments [tai-tep], check-content.

Exit codes: 0 done; 2 bad input, unknown code, invalid status change, database not ready
(nothing was changed); 1 unexpected failure.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from anninh.content import ContentError
from anninh.reports.codes import KIND_PREFIX, KINDS, normalize_code
from anninh.reports.db import DatabaseConfigError, make_engine, resolve_db_url
from anninh.reports.errors import ReportError
from anninh.reports.model import STATUSES, TRANSITIONS, Report
from anninh.reports.privacy import get_logger, install_log_masking
from anninh.reports.timeutil import fmt_vn, parse_day
from anninh.text import fold

log = get_logger("anninh.officer")

ENV_OFFICER = "OFFICER_NAME"
EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2

_STATUS_ALIASES: Dict[str, str] = {
    "received": "received", "tiep_nhan": "received", "da_tiep_nhan": "received",
    "in_progress": "in_progress", "dang_xu_ly": "in_progress", "xu_ly": "in_progress",
    "resolved": "resolved", "da_giai_quyet": "resolved", "giai_quyet": "resolved", "xong": "resolved",
    "transferred": "transferred", "da_chuyen": "transferred", "chuyen": "transferred",
    "chuyen_co_quan_co_tham_quyen": "transferred", "da_chuyen_co_quan_co_tham_quyen": "transferred",
    "not_competent": "not_competent", "khong_thuoc_tham_quyen": "not_competent",
    "khong_tham_quyen": "not_competent",
}
_KIND_ALIASES: Dict[str, str] = {k: k for k in KINDS}
_KIND_ALIASES.update({p.lower(): k for k, p in KIND_PREFIX.items()})
_KIND_ALIASES.update({"to_giac_toi_pham": "to_giac", "tin_bao_ve_toi_pham": "tin_bao"})


class UsageError(Exception):
    """Bad input detected by the CLI itself."""


def _key(text: str) -> str:
    return "_".join(fold(text).replace("-", " ").replace("_", " ").split())


def parse_status(text: str) -> str:
    status = _STATUS_ALIASES.get(_key(text))
    if status is None:
        raise UsageError(f"unknown status {text!r}; use one of: {', '.join(STATUSES)} "
                         "(or: tiep_nhan, dang_xu_ly, da_giai_quyet, da_chuyen, khong_thuoc_tham_quyen)")
    return status


def parse_kind(text: str) -> str:
    kind = _KIND_ALIASES.get(_key(text))
    if kind is None:
        raise UsageError(f"unknown kind {text!r}; use one of: {', '.join(KINDS)} (or TG, TB, PA, KN)")
    return kind


def parse_code_arg(text: str) -> str:
    code = normalize_code(text)
    if code is None:
        raise UsageError(f"{text!r} is not a ticket code (like TG-2026-000123)")
    return code


# ---------------------------------------------------------------------------------------------
class Context:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self._store = None
        self._content = None

    @property
    def content(self):
        if self._content is None:
            from anninh.reports.texts import load_reports_content
            self._content = load_reports_content(getattr(self.args, "content", None))
        return self._content

    def db_url(self) -> str:
        return resolve_db_url(getattr(self.args, "db", None))

    def safe_db_url(self) -> str:
        try:
            from sqlalchemy.engine import make_url
            return make_url(self.db_url()).render_as_string(hide_password=True)
        except Exception:
            return "(invalid URL)"

    def engine(self, *, must_exist: bool = True):
        url = self.db_url()
        from sqlalchemy.engine import make_url
        try:
            parsed = make_url(url)
        except Exception as exc:
            raise DatabaseConfigError(f"invalid database URL: {exc}") from None
        if must_exist and parsed.get_backend_name() == "sqlite" and parsed.database \
                and not Path(parsed.database).exists():
            raise UsageError(f"database file {parsed.database} does not exist; "
                             "create it with: python -m anninh.officer migrate")
        return make_engine(url, schema=getattr(self.args, "db_schema", None))

    def store(self):
        if self._store is None:
            from anninh.reports.store import ReportStore
            engine = self.engine()
            try:
                self._store = ReportStore(engine, oa_units=self.content.oa_units,
                                          default_unit=self.content.default_unit)
            except Exception:
                engine.dispose()
                raise
        return self._store

    def officer(self) -> str:
        name = (getattr(self.args, "officer", None) or os.environ.get(ENV_OFFICER) or "").strip()
        if not name:
            raise UsageError("who is making this change? give --officer NAME or set OFFICER_NAME")
        from anninh.reports.store import normalize_actor
        return normalize_actor(name)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()

    def resolve_unit_filter(self, unit: Optional[str]) -> Optional[str]:
        """Match what the officer typed against the known units (case/diacritics-insensitive)."""
        if unit is None:
            return None
        known = set(self.store().units()) | set(self.content.oa_units.values())
        if self.content.default_unit:
            known.add(self.content.default_unit)
        if unit in known:
            return unit
        folded = fold(" ".join(unit.split()))
        same = [u for u in known if fold(u) == folded]
        if len(same) == 1:
            return same[0]
        partial = sorted(u for u in known if folded in fold(u))
        if len(partial) == 1:
            return partial[0]
        if partial:
            raise UsageError(f"unit {unit!r} is ambiguous: {'; '.join(partial)}")
        listing = "; ".join(sorted(known)) or "(none yet)"
        raise UsageError(f"unknown unit {unit!r}; known units: {listing}")


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _err(text: str) -> None:
    sys.stderr.write(text + "\n")


def _dates(args: argparse.Namespace):
    since = parse_day(args.date_from) if getattr(args, "date_from", None) else None
    until = parse_day(args.date_to) if getattr(args, "date_to", None) else None
    if since and until and since > until:
        raise UsageError("--from is after --to")
    return since, until


def _filtered(ctx: Context, args: argparse.Namespace) -> List[Report]:
    since, until = _dates(args)
    return ctx.store().list_reports(
        unit=ctx.resolve_unit_filter(getattr(args, "unit", None)),
        status=parse_status(args.status) if getattr(args, "status", None) else None,
        kind=parse_kind(args.kind) if getattr(args, "kind", None) else None,
        since=since, until=until, assigned_to=getattr(args, "assigned", None),
        limit=getattr(args, "limit", None))


def _short(text: Optional[str], n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


# ---------------------------------------------------------------------------------------------
# commands
def cmd_migrate(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.migrations import LATEST_VERSION, applied_migrations, current_version, migrate
    engine = ctx.engine(must_exist=bool(args.status))
    try:
        if args.status:
            have = current_version(engine)
            _out(f"schema version: {have} (latest: {LATEST_VERSION})")
            for m in applied_migrations(engine):
                _out(f"  {m['version']:>3}  {m['name']}  (applied {fmt_vn(m['applied_at'])})")
            return EXIT_OK
        if args.to is not None and args.to < 1:
            raise UsageError("--to must be at least 1")
        applied = migrate(engine, args.to)
        have = current_version(engine)
        if applied:
            _out(f"applied migrations {', '.join(map(str, applied))}; schema version is now {have}")
        else:
            _out(f"schema already at version {have}; nothing to do")
        return EXIT_OK
    finally:
        engine.dispose()


def cmd_list(ctx: Context, args: argparse.Namespace) -> int:
    reports = _filtered(ctx, args)
    if args.json:
        from anninh.reports.export import report_to_dict
        _out(json.dumps([report_to_dict(r, content=ctx.content) for r in reports], ensure_ascii=False, indent=2))
        return EXIT_OK
    if not reports:
        _out("(không có tin nào / no reports)")
        return EXIT_OK
    rows = [["MÃ / CODE", "LOẠI", "TRẠNG THÁI", "ĐƠN VỊ", "CÁN BỘ", "TIẾP NHẬN", "TỆP", "NỘI DUNG"]]
    for r in reports:
        rows.append([r.code, r.kind, r.status, _short(r.unit, 28), _short(r.assigned_to, 18),
                     fmt_vn(r.created_at), str(len(r.attachments)), _short(r.description, 40)])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        _out("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[-1])
    _out(f"({len(reports)} tin / reports)")
    return EXIT_OK


def cmd_show(ctx: Context, args: argparse.Namespace) -> int:
    code = parse_code_arg(args.code)
    store = ctx.store()
    report = store.require(code)
    trail = store.audit_trail(code)
    content = ctx.content
    if args.json:
        from anninh.reports.export import report_to_dict
        from anninh.reports.timeutil import to_vn
        data = report_to_dict(report, include_contact=True, content=content)
        data["attachments"] = [{"position": a.position, "url": a.url, "media_type": a.media_type,
                                "status": a.status, "local_path": a.local_path,
                                "content_type": a.content_type, "size_bytes": a.size_bytes,
                                "attempts": a.attempts, "error": a.error} for a in report.attachments]
        data["audit"] = [{"at": to_vn(e.at).isoformat(), "actor": e.actor, "action": e.action,
                          "old": e.old_value, "new": e.new_value, "note": e.note, "details": e.details}
                         for e in trail]
        _out(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK

    def line(label: str, value: Any) -> None:
        _out(f"{label:<26}{'' if value is None else value}")

    line("Mã / code:", report.code)
    line("Loại / kind:", f"{content.kind_title(report.kind)} ({report.kind})")
    line("Trạng thái / status:", f"{content.status_label(report.status)} ({report.status})")
    nxt = ", ".join(sorted(TRANSITIONS[report.status])) or "— (đã kết thúc / closed)"
    line("  có thể chuyển / next:", nxt)
    line("Đơn vị / unit:", f"{report.unit or '—'} (theo / via {report.unit_source})")
    line("Cán bộ / assigned to:", report.assigned_to or "—")
    line("Tiếp nhận / received:", fmt_vn(report.created_at))
    line("Cập nhật / updated:", fmt_vn(report.updated_at))
    if report.closed_at:
        line("Kết thúc / closed:", fmt_vn(report.closed_at))
    line("Sự việc / what:", report.description)
    place = report.place_text or ""
    if report.latitude is not None:
        place = (place + " " if place else "") + f"({report.latitude:.6f}, {report.longitude:.6f})"
    line("Địa điểm / where:", place or "—")
    line("Thời gian / when:", report.incident_time_text or "—")
    if report.anonymous:
        line("Liên hệ / contact:", "ẩn danh / anonymous")
    else:
        line("Liên hệ / contact:", ", ".join(x for x in (report.contact_name, report.contact_phone) if x))
    line("Kênh / channel:", f"{report.channel}, OA {report.oa_id or '—'}, người gửi / sender {report.sender_id or '—'}")
    line("Kết quả công bố / result:", report.published_result or "—")
    if report.published_at:
        line("  công bố lúc / at:", fmt_vn(report.published_at))
    _out("Tệp đính kèm / attachments:" + ("" if report.attachments else " —"))
    for a in report.attachments:
        size = f", {a.size_bytes} B" if a.size_bytes is not None else ""
        extra = f" → {a.local_path}" if a.local_path else (f" ({a.error})" if a.error else "")
        _out(f"  {a.position}. [{a.status}] {a.media_type}{', ' + a.content_type if a.content_type else ''}{size}{extra}")
        _out(f"     {a.url}")
    notes = [e for e in trail if e.action == "notify"]
    _out("Thông báo cho người dân / notifications:" + ("" if notes else " —"))
    for e in notes:
        d = e.details
        code_txt = f" mã lỗi / error {d['error_code']}" if d.get("error_code") is not None else ""
        err = f": {d['error']}" if d.get("error") else ""
        _out(f"  {fmt_vn(e.at)}  {e.new_value}{code_txt}{err}  ({d.get('trigger', '')}, {e.actor})")
    _out("Nhật ký / audit trail:")
    for e in trail:
        change = f"{e.old_value or '—'} → {e.new_value or '—'}" if e.action in ("status", "assigned") else (e.new_value or "")
        if e.action == "published":
            change = _short(e.new_value, 60)
        note = f"  «{e.note}»" if e.note else ""
        _out(f"  {fmt_vn(e.at)}  {e.actor}  {e.action}: {_short(change, 80)}{note}")
    return EXIT_OK


def _load_notifier(args: argparse.Namespace):
    if getattr(args, "no_notify", False):
        return None
    from anninh.reports.notify import load_notifier
    try:
        return load_notifier(getattr(args, "notifier", None))
    except ValueError as exc:
        raise UsageError(f"--notifier / REPORTS_NOTIFIER: {exc}") from None


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
    else:
        code_txt = f" (error {result.error_code})" if result.error_code is not None else ""
        _err(f"warning: notification failed{code_txt}: {result.error}; recorded in the audit trail")


def cmd_assign(ctx: Context, args: argparse.Namespace) -> int:
    officer = ctx.officer()
    report = ctx.store().assign(parse_code_arg(args.code), args.assignee, actor=officer, note=args.note)
    _out(f"{report.code}: giao cho / assigned to {report.assigned_to}")
    return EXIT_OK


def cmd_status(ctx: Context, args: argparse.Namespace) -> int:
    officer = ctx.officer()
    code = parse_code_arg(args.code)
    new_status = parse_status(args.new_status)
    notifier = _load_notifier(args)
    store = ctx.store()
    before = store.require(code)
    report = store.transition(code, new_status, actor=officer, note=args.note)
    _out(f"{report.code}: {before.status} → {report.status}")
    _notify(ctx, args, report, ctx.content.status_changed_text(report), f"status:{report.status}",
            officer, notifier)
    return EXIT_OK


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


def cmd_publish_site(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.export import build_public_site
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a directory")
    unit = ctx.resolve_unit_filter(args.unit)
    summary = build_public_site(ctx.store().published_results(unit=unit), out, ctx.content)
    _out(f"published {summary['count']} result(s) to {out / 'index.html'} and {out / 'results.json'}")
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


def _handoffs(ctx: Context):
    from anninh.reports.handoff import HandoffStore
    return HandoffStore(ctx.store().engine)


def _handoff_state(h) -> str:
    if h.status == "closed":
        return f"closed {fmt_vn(h.closed_at)} by {h.closed_by}"
    return "open (assistant silent)" if h.active() else "expired"


def cmd_handoff_list(ctx: Context, args: argparse.Namespace) -> int:
    rows = _handoffs(ctx).list(status=args.status, unit=ctx.resolve_unit_filter(args.unit) if args.unit else None,
                               limit=args.limit or 100)
    if args.json:
        _out(json.dumps([{**h.__dict__, "requested_at": fmt_vn(h.requested_at), "expires_at": fmt_vn(h.expires_at),
                          "closed_at": fmt_vn(h.closed_at) if h.closed_at else None} for h in rows],
                        ensure_ascii=False, indent=2))
        return EXIT_OK
    if not rows:
        _out("(không có yêu cầu gặp cán bộ nào / no handoff requests)")
        return EXIT_OK
    for h in rows:
        _out(f"#{h.id}  {fmt_vn(h.requested_at)}  {h.channel}:{h.sender_id}  {_short(h.unit, 30)}  "
             f"{_handoff_state(h)}  {_short(h.reason, 40)}")
    _out(f"({len(rows)} yêu cầu / requests)")
    return EXIT_OK


def cmd_handoff_show(ctx: Context, args: argparse.Namespace) -> int:
    h = _handoffs(ctx).require(args.id)
    _out(f"Yêu cầu gặp cán bộ #{h.id} / handoff request #{h.id}")
    _out(f"  người dân / citizen: {h.channel}:{h.sender_id}" + (f" (OA {h.oa_id})" if h.oa_id else ""))
    _out(f"  đơn vị / unit: {h.unit or '-'}")
    _out(f"  lúc / requested: {fmt_vn(h.requested_at)}; im lặng đến / silent until: {fmt_vn(h.expires_at)}")
    _out(f"  trạng thái / state: {_handoff_state(h)}" + (f"; ghi chú / note: {h.note}" if h.note else ""))
    _out("  cuộc trò chuyện / conversation so far:")
    for line in h.transcript:
        who = "Người dân" if line["who"] == "citizen" else "Trợ lý"
        _out(f"    {who}: {line['text']}")
    return EXIT_OK


def cmd_handoff_close(ctx: Context, args: argparse.Namespace) -> int:
    h = _handoffs(ctx).close(args.id, actor=ctx.officer(), note=args.note)
    _out(f"#{h.id}: đã trả lại cho trợ lý tự động / handed back to the assistant ({h.closed_by})")
    return EXIT_OK


def cmd_check_content(ctx: Context, args: argparse.Namespace) -> int:
    content = ctx.content
    _out(f"OK: {content.path} ({len(content.kinds)} kinds, {len(content.statuses)} statuses, "
         f"{len(content.oa_units)} OA mapping(s))")
    return EXIT_OK


# ---------------------------------------------------------------------------------------------
def _common(parser: argparse.ArgumentParser, *, top: bool) -> None:
    d = {} if top else {"default": argparse.SUPPRESS}
    g = parser.add_argument_group("common options")
    g.add_argument("--db", metavar="URL", help="database URL (default: $REPORTS_DB_URL or "
                   "sqlite:///var/reports.db); e.g. postgresql://user@host:5432/dbname", **d)
    g.add_argument("--db-schema", metavar="NAME", help="PostgreSQL schema (default: $REPORTS_DB_SCHEMA)", **d)
    g.add_argument("--officer", metavar="NAME", help=f"who makes the change, kept in the audit trail "
                   f"(default: ${ENV_OFFICER})", **d)
    g.add_argument("--content", metavar="FILE", help="texts file (default: content/reports.yml)", **d)


def _filters(p: argparse.ArgumentParser, *, limit: bool = True) -> None:
    p.add_argument("--unit", help="police unit (đơn vị); accents and case do not matter")
    p.add_argument("--status", help=f"status: {', '.join(STATUSES)} (or Vietnamese: dang_xu_ly, ...)")
    p.add_argument("--kind", help=f"kind: {', '.join(KINDS)} (or TG, TB, PA, KN)")
    p.add_argument("--from", dest="date_from", metavar="DATE", help="received on or after (YYYY-MM-DD or DD/MM/YYYY)")
    p.add_argument("--to", dest="date_to", metavar="DATE", help="received on or before (YYYY-MM-DD or DD/MM/YYYY)")
    p.add_argument("--assigned", metavar="NAME", help="assigned to this officer")
    if limit:
        p.add_argument("--limit", type=int, help="at most N reports (newest first)")


def _notify_opts(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-notify", action="store_true", help="do not notify the citizen")
    p.add_argument("--notifier", metavar="SPEC", help="none | zalo:module:send_text | factory:module:callable "
                   "(default: $REPORTS_NOTIFIER; none = record the citizen was not told)")


_EPILOG = """examples:
  python -m anninh.officer migrate
  python -m anninh.officer list --unit "Công an xã Hà Quảng" --status received --from 2026-03-01
  python -m anninh.officer show TG-2026-000123
  OFFICER_NAME="Đại úy Nông Văn A" python -m anninh.officer status TG-2026-000123 dang_xu_ly
  python -m anninh.officer --officer "Đại úy Nông Văn A" publish TG-2026-000123 "Đã xác minh, ..."
  python -m anninh.officer export --format csv -o bao-cao.csv --from 01/03/2026 --to 31/03/2026
  python -m anninh.officer publish-site -o var/site
  python -m anninh.officer handoff list --status open
  python -m anninh.officer --officer "Đại úy Nông Văn A" handoff close 12 --note "Đã hướng dẫn"

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

    p = add("publish", ["cong-bo"], "publish the result text (anonymised: no names, phone/ID numbers, "
            "exact addresses); it is shown to the sender and on the public site", cmd_publish)
    p.add_argument("code")
    p.add_argument("text", nargs="?", help="result text")
    p.add_argument("--file", help="read the result text from this UTF-8 file")
    _notify_opts(p)

    p = add("notify", ["thong-bao"], "send the current status (or published result) to the citizen again", cmd_notify)
    p.add_argument("code")
    p.add_argument("--notifier", metavar="SPEC", help="as for the status command")

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
    p.add_argument("--allowed-hosts", help="comma-separated hosts (.example.com = subdomains); "
                   "default: $REPORTS_ATTACHMENT_HOSTS or any")

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
    hp = hsub.add_parser("close", help="hand the conversation back to the assistant")
    _common(hp, top=False)
    hp.add_argument("id", type=int)
    hp.add_argument("--note", help="note kept with the request")
    hp.set_defaults(func=cmd_handoff_close)

    add("check-content", [], "check content/reports.yml (or --content FILE)", cmd_check_content)
    return parser


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


if __name__ == "__main__":
    sys.exit(main())
