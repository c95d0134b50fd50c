"""Plain data types of the reports package and the status model."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, FrozenSet, Mapping, Optional, Sequence, Tuple, Union

# received -> in_progress -> resolved / transferred / not_competent
# (a report can also be transferred or declared not competent straight from "received").
STATUSES = ("received", "in_progress", "resolved", "transferred", "not_competent")
TERMINAL_STATUSES: FrozenSet[str] = frozenset({"resolved", "transferred", "not_competent"})
TRANSITIONS: Mapping[str, FrozenSet[str]] = {
    "received": frozenset({"in_progress", "transferred", "not_competent"}),
    "in_progress": frozenset({"resolved", "transferred", "not_competent"}),
    "resolved": frozenset(),
    "transferred": frozenset(),
    "not_competent": frozenset(),
}

# Attachment states: pending (not tried yet), stored (local copy kept), retry (transient failure,
# will be retried), failed (permanent failure or out of attempts), rejected (too big, type not
# allowed, URL not allowed). The Zalo URL is always kept.
ATTACHMENT_STATES = ("pending", "stored", "retry", "failed", "rejected")
MEDIA_TYPES = ("image", "video", "audio", "file", "other")


@dataclass(frozen=True)
class Requester:
    """Who is asking: the channel and the channel's sender/user id (e.g. Zalo user id by OA)."""
    channel: str
    sender_id: str


@dataclass(frozen=True)
class AttachmentIn:
    """An attachment as received from the channel."""
    url: str
    media_type: str = "file"  # image | video | audio | file | other (as the channel labelled it)


@dataclass(frozen=True)
class NewReport:
    """What the chat form collected. Only ``kind`` and ``description`` are required.

    ``anonymous``: None = anonymous when no contact name/phone is given; True with a contact
    is refused (ValidationError) so that an anonymous report can never carry a name by mistake.
    ``idempotency_key``: a stable id of the submission (e.g. the form's conversation id + a
    counter); submitting again with the same channel, sender and key returns the first ticket.
    """
    kind: str
    description: str
    place_text: Optional[str] = None
    latitude: Optional[float] = None
    longitude: Optional[float] = None
    incident_time_text: Optional[str] = None
    attachments: Sequence[Union[AttachmentIn, str]] = ()
    contact_name: Optional[str] = None
    contact_phone: Optional[str] = None
    anonymous: Optional[bool] = None
    channel: str = "zalo"
    oa_id: Optional[str] = None
    sender_id: Optional[str] = None
    unit: Optional[str] = None
    idempotency_key: Optional[str] = None


@dataclass(frozen=True)
class Submission:
    """The result of a submit. The report is committed when this is returned."""
    code: str
    report_id: int
    unit: Optional[str]
    unit_source: str
    created_at: datetime
    duplicate: bool = False  # True: same idempotency key seen before; this is the first ticket


@dataclass(frozen=True)
class Attachment:
    id: int
    report_id: int
    position: int
    url: str
    media_type: str
    status: str
    local_path: Optional[str]
    content_type: Optional[str]
    size_bytes: Optional[int]
    sha256: Optional[str]
    attempts: int
    error: Optional[str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Report:
    """A report as officers see it (contact details included)."""
    id: int
    code: str
    kind: str
    status: str
    description: str
    place_text: Optional[str]
    latitude: Optional[float]
    longitude: Optional[float]
    incident_time_text: Optional[str]
    contact_name: Optional[str]
    contact_phone: Optional[str]
    anonymous: bool
    channel: str
    oa_id: Optional[str]
    sender_id: Optional[str]
    unit: Optional[str]
    unit_source: Optional[str]
    assigned_to: Optional[str]
    published_result: Optional[str]
    published_at: Optional[datetime]
    created_at: datetime
    updated_at: datetime
    closed_at: Optional[datetime]
    idempotency_key: Optional[str]
    attachments: Tuple[Attachment, ...] = ()
    due_at: Optional[datetime] = None  # handling deadline: received + kinds.<kind>.deadline_days

    @property
    def received_at(self) -> datetime:
        return self.created_at

    def is_overdue(self, now: Optional[datetime] = None) -> bool:
        """Deadline passed and not closed. ``now``: naive UTC (default: the current time)."""
        if self.due_at is None or self.is_closed:
            return False
        from anninh.reports.timeutil import utcnow
        return self.due_at < (now or utcnow())

    @property
    def is_closed(self) -> bool:
        return self.status in TERMINAL_STATUSES


@dataclass(frozen=True)
class CitizenView:
    """What the sender of a report sees when checking its status. No contact, no sender id."""
    code: str
    kind: str
    status: str
    unit: Optional[str]
    received_at: datetime
    updated_at: datetime
    published_result: Optional[str]
    published_at: Optional[datetime]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    report_id: int
    at: datetime
    actor: str
    action: str  # created | assigned | status | published | notify | attachment
    old_value: Optional[str]
    new_value: Optional[str]
    note: Optional[str]
    details: Dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class NotifyResult:
    """Outcome of one notification attempt. ``error_code`` is the channel's code (Zalo: -230 =
    outside the 7-day window for free messages, ...). ``not_sent``: nothing was sent on purpose
    (e.g. outside the reply window); ``reply_to``: the citizen's message the reply quoted."""
    ok: bool
    error_code: Optional[int] = None
    error: Optional[str] = None
    not_sent: bool = False
    reply_to: Optional[str] = None
    via: Optional[str] = None  # how it went when not the usual message, e.g. "zns"


@dataclass(frozen=True)
class Note:
    """An internal note on a report (officers only, never sent to the citizen)."""
    id: int
    code: str
    actor: str
    text: str
    created_at: datetime


@dataclass(frozen=True)
class Transfer:
    """A report moved from one police unit to another, with the reason."""
    id: int
    code: str
    from_unit: Optional[str]
    to_unit: str
    reason: str
    actor: str
    at: datetime
