"""Requests to talk to an officer (human handoff), kept in the reports database.

A citizen asks for a person: the request is stored with the conversation so far, and the assistant
stays silent in that conversation (``components/handoff_policy.py``) while an officer answers in
the OA inbox, until the officer hands back (``python -m anninh.officer handoff close ID``) or the
request expires (``content/handoff.yml``). One open request per conversation: asking again while
one is open extends it.

An officer *takes* a request (``taken_by``/``taken_at``: it is then theirs, colleagues see who
answers), replies to the citizen (``anninh.reports.handoff_reply``; every reply is kept in
``report_handoff_replies`` with its delivery outcome) and hands back (``close``). A request nobody
took within ``$HANDOFF_OVERDUE_MINUTES`` (default 30) is overdue.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import and_, func, insert, or_, select, update
from sqlalchemy.engine import Engine, Row

from anninh.reports.db import writer
from anninh.reports.errors import NotFoundError, ValidationError
from anninh.reports.migrations import check_schema
from anninh.reports.privacy import mask_text
from anninh.reports.schema import handoff_replies, handoffs
from anninh.reports.timeutil import utcnow
from anninh.settings import env_positive_number

OPEN, CLOSED = "open", "closed"
MAX_TRANSCRIPT_LINES = 40
MAX_LINE_CHARS = 1000
ENV_OVERDUE = "HANDOFF_OVERDUE_MINUTES"
DEFAULT_OVERDUE_MINUTES = 30.0
SENT, FAILED, NOT_SENT = "ok", "failed", "not_sent"


def overdue_minutes(environ=None) -> float:
    """Minutes a request may wait for an officer before it is flagged overdue."""
    return env_positive_number(ENV_OVERDUE, DEFAULT_OVERDUE_MINUTES, environ)


@dataclass(frozen=True)
class Handoff:
    id: int
    channel: str
    sender_id: str
    oa_id: Optional[str]
    unit: Optional[str]
    status: str
    reason: Optional[str]
    transcript: List[Dict[str, str]]
    requested_at: datetime
    expires_at: datetime
    closed_at: Optional[datetime]
    closed_by: Optional[str]
    note: Optional[str]
    taken_by: Optional[str] = None
    taken_at: Optional[datetime] = None

    def active(self, now: Optional[datetime] = None) -> bool:
        return self.status == OPEN and (now or utcnow()) < self.expires_at

    def overdue(self, minutes: float, now: Optional[datetime] = None) -> bool:
        """Still waiting for an officer after ``minutes``."""
        return (self.active(now) and self.taken_by is None
                and (now or utcnow()) - self.requested_at > timedelta(minutes=minutes))


@dataclass(frozen=True)
class HandoffReply:
    id: int
    handoff_id: int
    actor: str
    text: str
    at: datetime
    outcome: str
    error_code: Optional[int]
    error: Optional[str]
    reply_to: Optional[str]


def _row(r: Row) -> Handoff:
    m = dict(r._mapping)
    m["transcript"] = json.loads(m["transcript"] or "[]")
    return Handoff(**m)


def clip_transcript(lines: Sequence[Dict[str, Any]]) -> List[Dict[str, str]]:
    """The last lines of the conversation, each shortened; phone and ID numbers masked."""
    kept = []
    for line in list(lines)[-MAX_TRANSCRIPT_LINES:]:
        text = str(line.get("text") or "").strip()
        if text:
            kept.append({"who": str(line.get("who") or "?"), "text": mask_text(text[:MAX_LINE_CHARS]),
                         "at": str(line.get("at") or "")})
    return kept


class HandoffStore:
    def __init__(self, engine: Engine, *, check: bool = True):
        self.engine = engine
        if check:
            check_schema(engine)

    def request(self, *, channel: str, sender_id: str, hours: float, oa_id: Optional[str] = None,
                unit: Optional[str] = None, reason: Optional[str] = None,
                transcript: Sequence[Dict[str, Any]] = (), now: Optional[datetime] = None) -> Handoff:
        """Open a request (or extend the one already open for this conversation)."""
        if not channel or not sender_id:
            raise ValidationError("a handoff needs the channel and the sender")
        if hours <= 0:
            raise ValidationError("the silence period must be positive")
        now = now or utcnow()
        expires = now + timedelta(hours=hours)
        lines = json.dumps(clip_transcript(transcript), ensure_ascii=False)
        with writer(self.engine).begin() as conn:
            current = conn.execute(select(handoffs).where(and_(
                handoffs.c.channel == channel, handoffs.c.sender_id == sender_id,
                handoffs.c.status == OPEN)).order_by(handoffs.c.id.desc())).first()
            if current is not None and now < current.expires_at:
                conn.execute(update(handoffs).where(handoffs.c.id == current.id).values(
                    expires_at=expires, transcript=lines))
                handoff_id = current.id
            else:
                if current is not None:  # expired without a hand-back
                    conn.execute(update(handoffs).where(handoffs.c.id == current.id).values(
                        status=CLOSED, closed_at=current.expires_at, closed_by="(hết hạn)"))
                handoff_id = conn.execute(insert(handoffs).values(
                    channel=channel, sender_id=sender_id, oa_id=oa_id, unit=unit, status=OPEN,
                    reason=mask_text(reason) if reason else None, transcript=lines,
                    requested_at=now, expires_at=expires)).inserted_primary_key[0]
        return self.require(handoff_id)

    def get(self, handoff_id: int) -> Optional[Handoff]:
        with self.engine.connect() as conn:
            r = conn.execute(select(handoffs).where(handoffs.c.id == int(handoff_id))).first()
        return _row(r) if r is not None else None

    def require(self, handoff_id: int) -> Handoff:
        found = self.get(handoff_id)
        if found is None:
            raise NotFoundError(f"no handoff request {handoff_id}")
        return found

    def current(self, channel: str, sender_id: str, now: Optional[datetime] = None) -> Optional[Handoff]:
        """The request that still silences this conversation, if any."""
        with self.engine.connect() as conn:
            r = conn.execute(select(handoffs).where(and_(
                handoffs.c.channel == channel, handoffs.c.sender_id == sender_id,
                handoffs.c.status == OPEN)).order_by(handoffs.c.id.desc())).first()
        found = _row(r) if r is not None else None
        return found if found is not None and found.active(now) else None

    def list(self, *, status: Optional[str] = None, unit: Optional[str] = None,
             limit: int = 100) -> List[Handoff]:
        q = select(handoffs).order_by(handoffs.c.id.desc()).limit(limit)
        if status:
            if status not in (OPEN, CLOSED):
                raise ValidationError(f"status must be {OPEN} or {CLOSED}")
            q = q.where(handoffs.c.status == status)
        if unit:
            q = q.where(handoffs.c.unit == unit)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(q)]

    def close(self, handoff_id: int, *, actor: str, note: Optional[str] = None,
              now: Optional[datetime] = None) -> Handoff:
        """The officer hands the conversation back to the assistant."""
        actor = (actor or "").strip()
        if not actor:
            raise ValidationError("say who hands back (--actor)")
        found = self.require(handoff_id)
        if found.status == CLOSED:
            raise ValidationError(f"handoff request {handoff_id} is already closed")
        with writer(self.engine).begin() as conn:
            conn.execute(update(handoffs).where(handoffs.c.id == found.id).values(
                status=CLOSED, closed_at=now or utcnow(), closed_by=actor[:200],
                note=mask_text(note) if note else None))
        return self.require(handoff_id)

    # --- the officer's side: take, reply, list what waits -------------------------------------

    def waiting(self, *, units: Optional[Sequence[str]] = None, now: Optional[datetime] = None,
                limit: int = 200) -> List[Handoff]:
        """Open requests that still silence the assistant, oldest first; ``units`` None = all."""
        now = now or utcnow()
        q = (select(handoffs).where(handoffs.c.status == OPEN, handoffs.c.expires_at > now)
             .order_by(handoffs.c.requested_at, handoffs.c.id).limit(limit))
        if units is not None:
            q = q.where(handoffs.c.unit.in_(list(units)))
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(q)]

    def overdue_count(self, minutes: float, *, units: Optional[Sequence[str]] = None,
                      now: Optional[datetime] = None) -> int:
        now = now or utcnow()
        q = select(func.count()).select_from(handoffs).where(
            handoffs.c.status == OPEN, handoffs.c.expires_at > now, handoffs.c.taken_by.is_(None),
            handoffs.c.requested_at < now - timedelta(minutes=minutes))
        if units is not None:
            q = q.where(handoffs.c.unit.in_(list(units)))
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def take(self, handoff_id: int, *, actor: str, force: bool = False,
             now: Optional[datetime] = None) -> Handoff:
        """``actor`` answers this citizen from now on. Taking one a colleague holds needs ``force``
        (unit heads, administrators)."""
        actor = (actor or "").strip()[:200]
        if not actor:
            raise ValidationError("say who takes the conversation")
        found = self.require(handoff_id)
        if not found.active(now):
            raise ValidationError(f"handoff request {handoff_id} is no longer open")
        if found.taken_by == actor:
            return found
        cond = [handoffs.c.id == found.id, handoffs.c.status == OPEN]
        if not force:
            cond.append(or_(handoffs.c.taken_by.is_(None), handoffs.c.taken_by == actor))
        with writer(self.engine).begin() as conn:
            done = conn.execute(update(handoffs).where(and_(*cond)).values(
                taken_by=actor, taken_at=now or utcnow())).rowcount
        if not done:
            raise ValidationError(f"handoff request {handoff_id} is already taken by {found.taken_by}")
        return self.require(handoff_id)

    def record_reply(self, handoff_id: int, *, actor: str, text: str, outcome: str,
                     error_code: Optional[int] = None, error: Optional[str] = None,
                     reply_to: Optional[str] = None, now: Optional[datetime] = None) -> HandoffReply:
        if outcome not in (SENT, FAILED, NOT_SENT):
            raise ValidationError(f"unknown outcome {outcome!r}")
        with writer(self.engine).begin() as conn:
            rid = conn.execute(insert(handoff_replies).values(
                handoff_id=int(handoff_id), actor=actor[:200], text=text, at=now or utcnow(),
                outcome=outcome, error_code=error_code, error=mask_text(error) if error else None,
                reply_to=reply_to)).inserted_primary_key[0]
            r = conn.execute(select(handoff_replies).where(handoff_replies.c.id == rid)).first()
        return HandoffReply(**dict(r._mapping))

    def replies(self, handoff_id: int) -> List[HandoffReply]:
        q = (select(handoff_replies).where(handoff_replies.c.handoff_id == int(handoff_id))
             .order_by(handoff_replies.c.at, handoff_replies.c.id))
        with self.engine.connect() as conn:
            return [HandoffReply(**dict(r._mapping)) for r in conn.execute(q)]

    def replies_quoting(self, msg_id: str) -> int:
        """Replies delivered quoting the citizen's message ``msg_id`` (they count against Zalo's
        reply window)."""
        q = select(func.count()).select_from(handoff_replies).where(
            handoff_replies.c.reply_to == msg_id, handoff_replies.c.outcome == SENT)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())
