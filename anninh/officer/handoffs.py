"""Requests to talk to an officer: ``handoff list|waiting|show|take|reply|close`` (``handback``
is another name for ``close``): the console's waiting conversations without a browser."""
from __future__ import annotations

import argparse
import json

from anninh.reports.timeutil import fmt_vn

from .common import EXIT_FAILURE, EXIT_OK, Context, _out, _short


def _handoffs(ctx: Context):
    from anninh.reports.handoff import HandoffStore
    return HandoffStore(ctx.store().engine)


def _handoff_state(h) -> str:
    if h.status == "closed":
        return f"closed {fmt_vn(h.closed_at)} by {h.closed_by}"
    if not h.active():
        return "expired"
    return f"taken by {h.taken_by} (assistant silent)" if h.taken_by else "open, nobody took it (assistant silent)"


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
    replies = _handoffs(ctx).replies(h.id)
    if replies:
        _out("  cán bộ đã gửi / officer replies:")
    for r in replies:
        _out(f"    {fmt_vn(r.at)} {r.actor} [{r.outcome}{' ' + r.error if r.error else ''}]: {r.text}")
    return EXIT_OK


def cmd_handoff_waiting(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.handoff import overdue_minutes
    store, minutes = _handoffs(ctx), overdue_minutes()
    units = [ctx.resolve_unit_filter(args.unit)] if args.unit else None
    rows = store.waiting(units=units)
    for h in rows:
        late = " QUÁ HẠN / OVERDUE" if h.overdue(minutes) else ""
        _out(f"#{h.id}  {fmt_vn(h.requested_at)}  {h.channel}:{h.sender_id}  {_short(h.unit, 30)}  "
             f"{_handoff_state(h)}{late}")
    _out(f"({len(rows)} đang chờ / waiting; {store.overdue_count(minutes, units=units)} quá hạn / overdue "
         f"after {minutes:g} min)")
    return EXIT_OK


def cmd_handoff_take(ctx: Context, args: argparse.Namespace) -> int:
    h = _handoffs(ctx).take(args.id, actor=ctx.officer(), force=args.force)
    _out(f"#{h.id}: {h.taken_by} trả lời người dân này / answers this citizen")
    return EXIT_OK


def cmd_handoff_reply(ctx: Context, args: argparse.Namespace) -> int:
    from anninh.reports.handoff_reply import reply_to_handoff
    from anninh.reports.notify import load_notifier
    store = _handoffs(ctx)
    h = store.require(args.id)
    if h.taken_by is None:
        store.take(h.id, actor=ctx.officer())
    notifier = load_notifier(args.notifier) if args.notifier else "default"
    sent = reply_to_handoff(store, h.id, args.text, actor=ctx.officer(), notifier=notifier)
    if sent.outcome == "ok":
        _out(f"#{h.id}: đã gửi / sent")
        return EXIT_OK
    _out(f"#{h.id}: KHÔNG gửi được / NOT delivered ({sent.outcome}): {sent.error or ''}")
    return EXIT_FAILURE


def cmd_handoff_close(ctx: Context, args: argparse.Namespace) -> int:
    h = _handoffs(ctx).close(args.id, actor=ctx.officer(), note=args.note)
    _out(f"#{h.id}: đã trả lại cho trợ lý tự động / handed back to the assistant ({h.closed_by})")
    return EXIT_OK
