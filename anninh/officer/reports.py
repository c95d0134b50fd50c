"""Reading and handling reports: ``list``, ``show``, ``assign``, ``status``."""
from __future__ import annotations

import argparse
import json
from typing import Any

from anninh.reports.model import TRANSITIONS
from anninh.reports.timeutil import fmt_vn

from .common import EXIT_OK, Context, _filtered, _out, _short, parse_code_arg, parse_status
from .publication import _load_notifier, _notify


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
        data["due_at"] = to_vn(report.due_at).isoformat() if report.due_at else None
        data["notes"] = [{"at": to_vn(n.created_at).isoformat(), "actor": n.actor, "text": n.text}
                         for n in store.notes(code)]
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
    if report.due_at:
        line("Hạn / due:", fmt_vn(report.due_at) + ("  QUÁ HẠN / OVERDUE" if report.is_overdue() else ""))
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
        via = f" qua / via {d['via']}" if d.get("via") else ""
        _out(f"  {fmt_vn(e.at)}  {e.new_value}{via}{code_txt}{err}  ({d.get('trigger', '')}, {e.actor})")
    _out("Nhật ký / audit trail:")
    for e in trail:
        change = f"{e.old_value or '—'} → {e.new_value or '—'}" if e.action in ("status", "assigned", "unit_transfer") else (e.new_value or "")
        if e.action == "published":
            change = _short(e.new_value, 60)
        note = f"  «{e.note}»" if e.note else ""
        _out(f"  {fmt_vn(e.at)}  {e.actor}  {e.action}: {_short(change, 80)}{note}")
    internal = store.notes(code)
    _out("Ghi chú nội bộ / internal notes:" + ("" if internal else " —"))
    for n in internal:
        _out(f"  {fmt_vn(n.created_at)}  {n.actor}: {n.text}")
    return EXIT_OK



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
