"""Requests to talk to an officer (human handoff), kept in the reports database.

A citizen asks for a person: the request is stored with the conversation so far, and the assistant
stays silent in that conversation (``components/handoff_policy.py``) while an officer answers in
the OA inbox, until the officer hands back (``python -m anninh.officer handoff close ID``) or the
request expires (``content/handoff.yml``). One open request per conversation: asking again while
one is open extends it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional, Sequence

from sqlalchemy import and_, insert, select, update
from sqlalchemy.engine import Engine, Row

from anninh.reports.db import writer
from anninh.reports.errors import NotFoundError, ValidationError
from anninh.reports.migrations import check_schema
from anninh.reports.privacy import mask_text
from anninh.reports.schema import handoffs
from anninh.reports.timeutil import utcnow

OPEN, CLOSED = "open", "closed"
MAX_TRANSCRIPT_LINES = 40
MAX_LINE_CHARS = 1000


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

    def active(self, now: Optional[datetime] = None) -> bool:
        return self.status == OPEN and (now or utcnow()) < self.expires_at


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
