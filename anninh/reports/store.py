"""The reports store: create, look up, list, change, publish, audit.

Every change is one database transaction together with its audit entry: it happens whole or
not at all. Ticket codes are allocated from ``report_counters`` inside the transaction that
inserts the report (row lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite), so parallel
submissions never share a code and a code is only returned once its report is committed.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, Row
from sqlalchemy.exc import IntegrityError

from anninh.reports.codes import KINDS, format_code, normalize_code
from anninh.reports.db import make_engine, writer
from anninh.reports.errors import (ConflictError, InvalidTransitionError, NotFoundError,
                                   ValidationError, one_of)
from anninh.reports.migrations import check_schema, migrate as run_migrations
from anninh.reports.model import (ATTACHMENT_STATES, MEDIA_TYPES, STATUSES, TERMINAL_STATUSES,
                                  TRANSITIONS, Attachment, AttachmentIn, AuditEntry, CitizenView,
                                  NewReport, Note, NotifyResult, Report, Requester, Submission,
                                  Transfer)
from anninh.reports import listing
from anninh.reports.privacy import get_logger
from anninh.reports.publication import Masked, prepare_publication
from anninh.reports.search import sqlite_candidates
from anninh.reports.schema import attachments as attachments_t
from anninh.reports.schema import audit as audit_t
from anninh.reports.schema import counters as counters_t
from anninh.reports.schema import notes as notes_t
from anninh.reports.schema import reports as reports_t
from anninh.reports.schema import transfers as transfers_t
from anninh.reports.search import search_text
from anninh.reports.timeutil import utcnow, vn_year

log = get_logger(__name__)

UnitResolver = Callable[[str], Optional[str]]

MAX_DESCRIPTION = 20_000
MAX_PLACE = 2_000
MAX_TIME_TEXT = 500
MAX_NAME = 200
MAX_RESULT = 5_000
MAX_NOTE = 2_000
MAX_NOTE_TEXT = 10_000
MAX_ATTACHMENTS = 50
MAX_URL = 4_000
CITIZEN_ACTOR = "citizen"
SYSTEM_ACTOR = "system"

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# ---------------------------------------------------------------------------------------------
# input cleaning
def _clean(value: Any, name: str, max_len: int, *, required: bool = False,
           single_line: bool = False) -> Optional[str]:
    if value is None:
        if required:
            raise ValidationError(f"{name} is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(f"{name} must be text")
    value = _CONTROL.sub("", value).strip()  # NUL bytes are refused by PostgreSQL text
    if single_line:
        value = " ".join(value.split())
    if not value:
        if required:
            raise ValidationError(f"{name} must not be empty")
        return None
    if len(value) > max_len:
        raise ValidationError(f"{name} is too long ({len(value)} characters, at most {max_len})")
    return value


def normalize_phone(phone: Optional[str]) -> Optional[str]:
    """Keep digits and a leading '+'; ValidationError when it cannot be a phone number.
    The message never contains the number (error messages end up in logs)."""
    if phone is None or not str(phone).strip():
        return None
    cleaned = re.sub(r"[\s.\-()]", "", str(phone))
    digits = cleaned[1:] if cleaned.startswith("+") else cleaned
    if not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise ValidationError("contact phone is not a valid phone number")
    return cleaned


def normalize_actor(actor: Optional[str]) -> str:
    actor = _clean(actor, "officer name", MAX_NAME, single_line=True)
    if not actor:
        raise ValidationError("officer name is required (--officer NAME or OFFICER_NAME)")
    return actor


def _check_status(status: str) -> str:
    return one_of(status, STATUSES, "status")


def _check_kind(kind: str) -> str:
    return one_of(kind, KINDS, "kind")


def _attachment_in(item: Any, position: int) -> AttachmentIn:
    if isinstance(item, str):
        item = AttachmentIn(url=item)
    if not isinstance(item, AttachmentIn):
        raise ValidationError(f"attachment {position}: expected a URL or AttachmentIn")
    url = _clean(item.url, f"attachment {position} URL", MAX_URL, required=True, single_line=True)
    if not re.match(r"^https?://[^\s/]+", url or "", re.I):
        raise ValidationError(f"attachment {position}: only http(s) URLs are accepted")
    media = (item.media_type or "file").strip().lower()
    if media not in MEDIA_TYPES:
        media = "other"
    return AttachmentIn(url=url, media_type=media)  # type: ignore[arg-type]


def resolve_unit(report: NewReport, *, oa_units: Optional[Mapping[str, str]] = None,
                 unit_resolver: Optional[UnitResolver] = None,
                 default_unit: Optional[str] = None) -> Tuple[Optional[str], str]:
    """The police unit a report is tied to, and where that came from.

    Order: the unit given explicitly by the form; the unit of the OA the report came through
    (``oa_units``); the commune/ward matched in the place text by ``unit_resolver``; the default
    unit. A resolver that raises never loses a report: it is logged and skipped.
    """
    if report.unit and report.unit.strip():
        return " ".join(report.unit.split())[:MAX_NAME], "explicit"
    if report.oa_id and oa_units and oa_units.get(str(report.oa_id)):
        return " ".join(oa_units[str(report.oa_id)].split())[:MAX_NAME], "oa"
    if unit_resolver is not None and report.place_text and report.place_text.strip():
        try:
            unit = unit_resolver(report.place_text)
        except Exception:  # the matcher must not lose reports
            log.exception("unit resolver failed; using the default unit")
            unit = None
        if unit and str(unit).strip():
            return " ".join(str(unit).split())[:MAX_NAME], "place"
    if default_unit:
        return " ".join(default_unit.split())[:MAX_NAME], "default"
    return None, "none"


# ---------------------------------------------------------------------------------------------
def _row_attachment(r: Row) -> Attachment:
    m = r._mapping
    return Attachment(**{k: m[k] for k in Attachment.__dataclass_fields__})


def _row_report(r: Row, atts: Sequence[Attachment] = ()) -> Report:
    m = dict(r._mapping)
    m["anonymous"] = bool(m["anonymous"])
    m["attachments"] = tuple(atts)
    return Report(**{k: m[k] for k in Report.__dataclass_fields__})


def _row_audit(r: Row) -> AuditEntry:
    m = dict(r._mapping)
    try:
        details = json.loads(m["details"]) if m["details"] else {}
    except ValueError:
        details = {"raw": m["details"]}
    return AuditEntry(id=m["id"], report_id=m["report_id"], at=m["at"], actor=m["actor"],
                      action=m["action"], old_value=m["old_value"], new_value=m["new_value"],
                      note=m["note"], details=details)


def _audit(conn: Connection, report_id: int, actor: str, action: str, *, old: Any = None,
           new: Any = None, note: Optional[str] = None, details: Optional[dict] = None,
           at: Optional[datetime] = None) -> None:
    conn.execute(insert(audit_t).values(
        report_id=report_id, at=at or utcnow(), actor=actor, action=action,
        old_value=None if old is None else str(old), new_value=None if new is None else str(new),
        note=note, details=json.dumps(details, ensure_ascii=False, sort_keys=True) if details else None))


class ReportStore:
    """Storage of reports. Thread-safe (share one store per process); use ``open()`` or pass an
    engine from ``db.make_engine``. Raises ``SchemaVersionError`` if the database is not migrated.
    """

    def __init__(self, engine: Engine, *, oa_units: Optional[Mapping[str, str]] = None,
                 default_unit: Optional[str] = None, check: bool = True,
                 deadline_days: Optional[Mapping[str, int]] = None):
        self.engine = engine
        self.oa_units: Dict[str, str] = dict(oa_units or {})
        self.default_unit = default_unit
        # kind -> days from receipt to the deadline; None: content/reports.yml, read when needed
        self.deadline_days: Optional[Dict[str, int]] = dict(deadline_days) if deadline_days else None
        if check:
            check_schema(engine)

    @classmethod
    def open(cls, url: Optional[str] = None, *, schema: Optional[str] = None, migrate: bool = False,
             oa_units: Optional[Mapping[str, str]] = None, default_unit: Optional[str] = None,
             use_content: bool = True) -> "ReportStore":
        """Open the database at ``url`` (default ``$REPORTS_DB_URL`` or ``var/reports.db``).

        ``use_content``: take the OA→unit mapping and default unit from ``content/reports.yml``
        (explicit ``oa_units``/``default_unit`` win). ``migrate=True`` upgrades the schema first.
        """
        if use_content and (oa_units is None or default_unit is None):
            from anninh.reports.texts import load_reports_content
            content = load_reports_content()
            oa_units = content.oa_units if oa_units is None else oa_units
            default_unit = content.default_unit if default_unit is None else default_unit
        engine = make_engine(url, schema=schema)
        try:
            if migrate:
                run_migrations(engine)
            return cls(engine, oa_units=oa_units, default_unit=default_unit)
        except Exception:
            engine.dispose()
            raise

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "ReportStore":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- citizen side ------------------------------------------------------------------------
    def create_report(self, report: NewReport, *, unit_resolver: Optional[UnitResolver] = None,
                      actor: str = CITIZEN_ACTOR) -> Submission:
        """Validate and store a report; return its ticket code once committed.

        Raises ValidationError for bad input (nothing stored).
        """
        values = self._validated_values(report)
        atts = [_attachment_in(a, i + 1) for i, a in enumerate(report.attachments or ())]
        if len(atts) > MAX_ATTACHMENTS:
            raise ValidationError(f"too many attachments ({len(atts)}, at most {MAX_ATTACHMENTS})")
        unit, unit_source = resolve_unit(report, oa_units=self.oa_units, unit_resolver=unit_resolver,
                                         default_unit=self.default_unit)
        values.update(unit=unit, unit_source=unit_source)

        if values["idempotency_key"]:
            existing = self._find_idempotent(values)
            if existing is not None:
                return existing
        now = utcnow()
        kind = values["kind"]
        year = vn_year(now)
        try:
            with writer(self.engine).begin() as conn:
                seq = self._next_seq(conn, kind, year)
                code = format_code(kind, year, seq)
                report_id = conn.execute(insert(reports_t).values(
                    code=code, status="received", created_at=now, updated_at=now,
                    due_at=now + timedelta(days=self._deadline_days(kind)),
                    search_text=search_text(code, values["description"], values["place_text"]), **values)
                ).inserted_primary_key[0]
                for pos, att in enumerate(atts, start=1):
                    conn.execute(insert(attachments_t).values(
                        report_id=report_id, position=pos, url=att.url, media_type=att.media_type,
                        status="pending", attempts=0, created_at=now, updated_at=now))
                _audit(conn, report_id, actor, "created", new="received", at=now, details={
                    "kind": kind, "channel": values["channel"], "unit": unit,
                    "unit_source": unit_source, "attachments": len(atts),
                    "anonymous": values["anonymous"]})
        except IntegrityError:
            if values["idempotency_key"]:  # a parallel submit with the same key won the race
                existing = self._find_idempotent(values)
                if existing is not None:
                    return existing
            raise
        log.info("report %s stored (kind=%s, unit=%s via %s, %d attachment(s))",
                 code, kind, unit, unit_source, len(atts))
        return Submission(code=code, report_id=int(report_id), unit=unit, unit_source=unit_source,
                          created_at=now)

    def _deadline_days(self, kind: str) -> int:
        if self.deadline_days is None:
            from anninh.reports.texts import load_reports_content
            content = load_reports_content()
            self.deadline_days = {k: content.deadline_days(k) for k in KINDS}
        return int(self.deadline_days[kind])

    def _validated_values(self, r: NewReport) -> Dict[str, Any]:
        if not isinstance(r, NewReport):
            raise ValidationError("expected a NewReport")
        kind = _check_kind(r.kind)
        lat, lon = r.latitude, r.longitude
        if (lat is None) != (lon is None):
            raise ValidationError("location needs both latitude and longitude")
        if lat is not None:
            try:
                lat, lon = float(lat), float(lon)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                raise ValidationError("latitude/longitude must be numbers") from None
            if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
                raise ValidationError("latitude/longitude out of range")
        contact_name = _clean(r.contact_name, "contact name", MAX_NAME, single_line=True)
        contact_phone = normalize_phone(r.contact_phone)
        anonymous = r.anonymous
        if anonymous is None:
            anonymous = not (contact_name or contact_phone)
        elif anonymous and (contact_name or contact_phone):
            raise ValidationError("an anonymous report cannot carry contact details")
        channel = _clean(r.channel, "channel", 32, required=True, single_line=True)
        _clean(r.unit, "unit", MAX_NAME, single_line=True)  # only checked here; resolve_unit uses it
        return {
            "kind": kind,
            "description": _clean(r.description, "description", MAX_DESCRIPTION, required=True),
            "place_text": _clean(r.place_text, "place", MAX_PLACE),
            "latitude": lat, "longitude": lon,
            "incident_time_text": _clean(r.incident_time_text, "time", MAX_TIME_TEXT),
            "contact_name": contact_name, "contact_phone": contact_phone,
            "anonymous": bool(anonymous),
            "channel": channel.lower(),  # type: ignore[union-attr]
            "oa_id": _clean(r.oa_id, "OA id", 64, single_line=True),
            "sender_id": _clean(r.sender_id, "sender id", 128, single_line=True),
            "idempotency_key": _clean(r.idempotency_key, "idempotency key", 128, single_line=True),
        }

    def _find_idempotent(self, values: Dict[str, Any]) -> Optional[Submission]:
        if not values.get("sender_id"):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(reports_t.c.id, reports_t.c.code, reports_t.c.unit,
                                      reports_t.c.unit_source, reports_t.c.created_at).where(
                reports_t.c.channel == values["channel"], reports_t.c.sender_id == values["sender_id"],
                reports_t.c.idempotency_key == values["idempotency_key"])).first()
        if row is None:
            return None
        return Submission(code=row.code, report_id=row.id, unit=row.unit,
                          unit_source=row.unit_source or "none", created_at=row.created_at,
                          duplicate=True)

    @staticmethod
    def _next_seq(conn: Connection, kind: str, year: int) -> int:
        key = and_(counters_t.c.kind == kind, counters_t.c.year == year)
        dialect = conn.dialect.name
        if dialect in ("postgresql", "sqlite"):
            ins = (pg_insert if dialect == "postgresql" else sqlite_insert)(counters_t)
            conn.execute(ins.values(kind=kind, year=year, last_seq=0).on_conflict_do_nothing())
        elif conn.execute(select(counters_t.c.last_seq).where(key)).first() is None:
            try:
                with conn.begin_nested():
                    conn.execute(insert(counters_t).values(kind=kind, year=year, last_seq=0))
            except IntegrityError:
                pass
        # The UPDATE takes the row lock (PostgreSQL) that serialises allocation until commit.
        conn.execute(update(counters_t).where(key).values(last_seq=counters_t.c.last_seq + 1))
        return int(conn.execute(select(counters_t.c.last_seq).where(key)).scalar_one())

    def lookup(self, code: str, requester: Requester) -> Optional[CitizenView]:
        """Status of a report for the citizen asking.

        Returns None when the code is malformed, unknown, OR belongs to someone else (another
        sender id or another channel): callers cannot tell these apart, by design.
        """
        if not isinstance(requester, Requester):
            raise TypeError("lookup() needs a Requester(channel, sender_id)")
        channel = (requester.channel or "").strip().lower()
        sender = (requester.sender_id or "").strip()
        norm = normalize_code(code)
        if not channel or not sender or not norm:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(reports_t).where(
                reports_t.c.code == norm, reports_t.c.channel == channel,
                reports_t.c.sender_id == sender)).first()
        return self._citizen_view(row) if row is not None else None

    def reports_of(self, requester: Requester, *, limit: int = 5) -> List[CitizenView]:
        """The most recent reports sent by this requester (for "tôi quên mã")."""
        if not isinstance(requester, Requester):
            raise TypeError("reports_of() needs a Requester(channel, sender_id)")
        channel = (requester.channel or "").strip().lower()
        sender = (requester.sender_id or "").strip()
        if not channel or not sender:
            return []
        with self.engine.connect() as conn:
            rows = conn.execute(select(reports_t).where(
                reports_t.c.channel == channel, reports_t.c.sender_id == sender)
                .order_by(reports_t.c.created_at.desc(), reports_t.c.id.desc()).limit(max(1, limit))).all()
        return [self._citizen_view(r) for r in rows]

    @staticmethod
    def _citizen_view(row: Row) -> CitizenView:
        return CitizenView(code=row.code, kind=row.kind, status=row.status, unit=row.unit,
                           received_at=row.created_at, updated_at=row.updated_at,
                           published_result=row.published_result, published_at=row.published_at)

    # -- officer side: reading ---------------------------------------------------------------
    def get(self, code: str) -> Optional[Report]:
        """The full report (with attachments) or None. Officer use only."""
        norm = normalize_code(code)
        if not norm:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(reports_t).where(reports_t.c.code == norm)).first()
            if row is None:
                return None
            return _row_report(row, self._attachments(conn, [row.id]).get(row.id, ()))

    def require(self, code: str) -> Report:
        report = self.get(code)
        if report is None:
            norm = normalize_code(code)
            raise NotFoundError(f"no report with code {norm}" if norm else
                                f"{code!r} is not a ticket code (like TG-2026-000123)")
        return report

    @staticmethod
    def _attachments(conn: Connection, report_ids: Sequence[int]) -> Dict[int, List[Attachment]]:
        out: Dict[int, List[Attachment]] = {}
        ids = list(report_ids)
        for i in range(0, len(ids), 500):
            rows = conn.execute(select(attachments_t).where(attachments_t.c.report_id.in_(ids[i:i + 500]))
                                .order_by(attachments_t.c.report_id, attachments_t.c.position))
            for r in rows:
                out.setdefault(r.report_id, []).append(_row_attachment(r))
        return out

    def list_reports(self, *, units: Optional[Sequence[str]] = None, status: Optional[str] = None,
                     kind: Optional[str] = None, commune: Optional[str] = None,
                     since: Optional[date] = None, until: Optional[date] = None,
                     text: Optional[str] = None, assigned_to: Optional[str] = None,
                     overdue: Optional[bool] = None, order: str = "newest", offset: int = 0,
                     limit: Optional[int] = listing.DEFAULT_LIMIT, unit: Optional[str] = None,
                     oldest_first: bool = False) -> List[Report]:
        """Reports matching all given filters (see ``listing``), one page of them.

        ``units``: the unit names the caller may see (None: all; []: none). ``since``/``until``:
        Vietnam-local dates, inclusive, on the date received. ``text``: accent- and
        case-insensitive search in code, description and place. ``overdue``: deadline passed and
        not closed. ``order``: newest | oldest | due | updated. ``limit=None``: every row.
        ``unit`` and ``oldest_first`` are the older spellings of ``units=[unit]`` and ``order``.
        """
        where = self._where(units=units, unit=unit, status=status, kind=kind, commune=commune,
                            since=since, until=until, text=text, assigned_to=assigned_to, overdue=overdue)
        listing.check_page(offset, limit)
        with self.engine.connect() as conn:
            narrowed = None
            if text and text.strip() and self.engine.dialect.name == "sqlite":
                narrowed = sqlite_candidates(conn, text, reports_t.c.id)
            q = select(reports_t).where(*where, *([narrowed] if narrowed is not None else [])).order_by(
                *listing.order_by("oldest" if oldest_first else order, scan_first=narrowed is not None,
                                  due_known=overdue is True))
            if offset:
                q = q.offset(int(offset))
            if limit is not None:
                q = q.limit(int(limit))
            rows = conn.execute(q).all()
            atts = self._attachments(conn, [r.id for r in rows])
        return [_row_report(r, atts.get(r.id, ())) for r in rows]

    @staticmethod
    def _where(*, unit: Optional[str] = None, **filters: Any) -> List[Any]:
        if unit is not None:
            if filters.get("units") is not None:
                raise ValidationError("give either units or unit, not both")
            filters["units"] = [unit]
        return listing.where_clauses(listing.ReportFilter(**filters))

    def count_reports(self, *, units: Optional[Sequence[str]] = None, status: Optional[str] = None,
                      kind: Optional[str] = None, commune: Optional[str] = None,
                      since: Optional[date] = None, until: Optional[date] = None,
                      text: Optional[str] = None, assigned_to: Optional[str] = None,
                      overdue: Optional[bool] = None, cap: Optional[int] = None) -> int:
        """How many reports ``list_reports`` with the same filters would give without a limit;
        with ``cap``, counting stops past it (the result is then ``cap + 1``)."""
        where = self._where(units=units, status=status, kind=kind, commune=commune, since=since,
                            until=until, text=text, assigned_to=assigned_to, overdue=overdue)
        rows = select(reports_t.c.id).where(*where)
        if cap is not None:
            rows = rows.limit(int(cap) + 1)
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(rows.subquery())).scalar_one())

    def status_counts(self, *, units: Optional[Sequence[str]] = None) -> Dict[str, int]:
        """Reports per status (every status present, 0 when none)."""
        where = self._where(units=units)
        with self.engine.connect() as conn:
            rows = conn.execute(select(reports_t.c.status, func.count()).where(*where)
                                .group_by(reports_t.c.status)).all()
        counts = {s: 0 for s in STATUSES}
        counts.update({status: int(n) for status, n in rows})
        return counts

    def overdue_count(self, *, units: Optional[Sequence[str]] = None) -> int:
        return self.count_reports(units=units, overdue=True)

    def units(self) -> List[str]:
        """Distinct units that have reports."""
        with self.engine.connect() as conn:
            return [u for (u,) in conn.execute(select(reports_t.c.unit).distinct()
                                               .where(reports_t.c.unit.isnot(None))
                                               .order_by(reports_t.c.unit))]

    def audit_trail(self, code: str) -> List[AuditEntry]:
        report = self.require(code)
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit_t).where(audit_t.c.report_id == report.id)
                                .order_by(audit_t.c.id)).all()
        return [_row_audit(r) for r in rows]

    # -- officer side: notes and transfers between units -------------------------------------
    def add_note(self, code: str, text: str, *, actor: str) -> Note:
        """An internal note (never sent to the citizen); recorded in the audit trail too."""
        actor_n = normalize_actor(actor)
        text = _clean(text, "note", MAX_NOTE_TEXT, required=True)
        report = self.require(code)
        now = utcnow()
        with writer(self.engine).begin() as conn:
            note_id = conn.execute(insert(notes_t).values(
                report_id=report.id, actor=actor_n, text=text, created_at=now)).inserted_primary_key[0]
            _audit(conn, report.id, actor_n, "note", new=str(note_id), at=now)
        return Note(id=int(note_id), code=report.code, actor=actor_n, text=text, created_at=now)  # type: ignore[arg-type]

    def notes(self, code: str) -> List[Note]:
        report = self.require(code)
        with self.engine.connect() as conn:
            rows = conn.execute(select(notes_t).where(notes_t.c.report_id == report.id)
                                .order_by(notes_t.c.id)).all()
        return [Note(id=r.id, code=report.code, actor=r.actor, text=r.text, created_at=r.created_at)
                for r in rows]

    def transfer(self, code: str, to_unit: str, *, reason: str, actor: str) -> Report:
        """Move a report to another police unit (a unit name of content/units.yml) with the
        reason; the assignment is cleared (the new unit assigns). Closed reports stay put."""
        from anninh.reports.units import unit_by_name
        actor_n = normalize_actor(actor)
        reason = _clean(reason, "reason", MAX_NOTE, required=True)
        target = unit_by_name(to_unit)
        if target is None:
            raise ValidationError(f"unknown unit {to_unit!r} (content/units.yml)")

        def apply(conn: Connection, row: Row, now: datetime) -> None:
            if row.status in TERMINAL_STATUSES:
                raise InvalidTransitionError(f"report {row.code} is closed ({row.status}); it cannot be transferred")
            if row.unit == target.name:
                raise ValidationError(f"report {row.code} is already with {target.name}")
            self._guarded_update(conn, row, now, unit=target.name, unit_source="transfer", assigned_to=None)
            conn.execute(insert(transfers_t).values(report_id=row.id, from_unit=row.unit, to_unit=target.name,
                                                    reason=reason, actor=actor_n, at=now))
            _audit(conn, row.id, actor_n, "unit_transfer", old=row.unit, new=target.name, note=reason, at=now,
                   details={"assigned_to": row.assigned_to} if row.assigned_to else None)

        report = self._change(code, actor_n, apply)
        log.info("report %s transferred to %s", report.code, target.id)
        return report

    def transfers(self, code: str) -> List[Transfer]:
        report = self.require(code)
        with self.engine.connect() as conn:
            rows = conn.execute(select(transfers_t).where(transfers_t.c.report_id == report.id)
                                .order_by(transfers_t.c.id)).all()
        return [Transfer(id=r.id, code=report.code, from_unit=r.from_unit, to_unit=r.to_unit, reason=r.reason,
                         actor=r.actor, at=r.at) for r in rows]

    # -- officer side: changes ---------------------------------------------------------------
    def _change(self, code: str, actor: str, apply: Callable[[Connection, Row, datetime], None]) -> Report:
        actor = normalize_actor(actor)
        norm = normalize_code(code)
        if not norm:
            raise NotFoundError(f"{code!r} is not a ticket code (like TG-2026-000123)")
        with writer(self.engine).begin() as conn:
            row = conn.execute(select(reports_t).where(reports_t.c.code == norm).with_for_update()).first()
            if row is None:
                raise NotFoundError(f"no report with code {norm}")
            apply(conn, row, utcnow())
        return self.require(norm)

    @staticmethod
    def _guarded_update(conn: Connection, row: Row, now: datetime, **values: Any) -> None:
        # Compare-and-set on (status, updated_at): a concurrent change makes this a no-op.
        res = conn.execute(update(reports_t).where(
            reports_t.c.id == row.id, reports_t.c.status == row.status,
            reports_t.c.updated_at == row.updated_at).values(updated_at=now, **values))
        if res.rowcount != 1:
            raise ConflictError(f"report {row.code} was changed by someone else; please retry")

    def assign(self, code: str, officer: str, *, actor: str, note: Optional[str] = None) -> Report:
        actor_n = normalize_actor(actor)
        officer = _clean(officer, "assignee", MAX_NAME, required=True, single_line=True)
        note = _clean(note, "note", MAX_NOTE)

        def apply(conn: Connection, row: Row, now: datetime) -> None:
            if row.status in TERMINAL_STATUSES:
                raise InvalidTransitionError(f"report {row.code} is closed ({row.status}); it cannot be assigned")
            self._guarded_update(conn, row, now, assigned_to=officer)
            _audit(conn, row.id, actor_n, "assigned", old=row.assigned_to, new=officer, note=note, at=now)

        return self._change(code, actor_n, apply)

    def transition(self, code: str, new_status: str, *, actor: str, note: Optional[str] = None) -> Report:
        """Change the status. Raises InvalidTransitionError when not allowed from the current one.
        Moving to ``transferred`` or ``not_competent`` needs a note (to whom / why)."""
        actor_n = normalize_actor(actor)
        new_status = _check_status(new_status)
        note = _clean(note, "note", MAX_NOTE)
        if new_status in ("transferred", "not_competent") and not note:
            raise ValidationError(f"a note is required when the status becomes {new_status} "
                                  "(to which agency / why)")

        def apply(conn: Connection, row: Row, now: datetime) -> None:
            if row.status == new_status:
                raise InvalidTransitionError(f"report {row.code} is already {new_status}")
            allowed = TRANSITIONS.get(row.status, frozenset())
            if new_status not in allowed:
                hint = ", ".join(sorted(allowed)) or "none (the report is closed)"
                raise InvalidTransitionError(
                    f"report {row.code}: cannot change status from {row.status} to {new_status}; "
                    f"allowed: {hint}")
            extra = {"closed_at": now} if new_status in TERMINAL_STATUSES else {}
            self._guarded_update(conn, row, now, status=new_status, **extra)
            _audit(conn, row.id, actor_n, "status", old=row.status, new=new_status, note=note, at=now)

        report = self._change(code, actor_n, apply)
        log.info("report %s: status -> %s", report.code, new_status)
        return report

    def preview_publication(self, code: str, text: str) -> "Masked":
        """What ``publish_result`` would store for ``text``: the masked text and its spans
        (``ValidationError`` if the text repeats the report's content)."""
        text = _clean(text, "result text", MAX_RESULT, required=True)
        return prepare_publication(self.require(code), text)  # type: ignore[arg-type]

    def publish_result(self, code: str, text: str, *, actor: str) -> Report:
        """Publish the result text, masked (``publication.prepare_publication``: names, addresses,
        phone/ID numbers, plates, e-mails, the sender's name and place); the report must be
        closed. Re-publishing replaces the text (the old one stays in the audit trail)."""
        actor_n = normalize_actor(actor)
        text = _clean(text, "result text", MAX_RESULT, required=True)

        def apply(conn: Connection, row: Row, now: datetime) -> None:
            if row.status not in TERMINAL_STATUSES:
                raise InvalidTransitionError(
                    f"report {row.code} is {row.status}; publish a result once it is "
                    f"{' / '.join(sorted(TERMINAL_STATUSES))}")
            masked = _clean(prepare_publication(row, text).text, "masked result text", MAX_RESULT, required=True)
            self._guarded_update(conn, row, now, published_result=masked, published_at=now)
            _audit(conn, row.id, actor_n, "published", old=row.published_result, new=masked, at=now)

        return self._change(code, actor_n, apply)

    def record_notification(self, code: str, result: NotifyResult, *, text: str, trigger: str,
                            actor: str = SYSTEM_ACTOR, skipped: bool = False) -> None:
        """Keep one notification attempt (ok, refused with the channel's error code, or skipped)."""
        report = self.require(code)
        outcome = "skipped" if skipped else ("ok" if result.ok else "failed")
        details = {"trigger": trigger, "text": text, "channel": report.channel}
        if result.error_code is not None:
            details["error_code"] = result.error_code
        if result.error:
            details["error"] = result.error
        if result.reply_to:
            details["reply_to"] = result.reply_to
        if result.via:
            details["via"] = result.via
        with writer(self.engine).begin() as conn:
            _audit(conn, report.id, actor or SYSTEM_ACTOR, "notify", new=outcome, details=details)

    # -- attachments -------------------------------------------------------------------------
    def attachments_to_download(self, *, code: Optional[str] = None, limit: Optional[int] = None,
                                max_attempts: int = 3) -> List[Tuple[Attachment, str]]:
        """Attachments still to download (pending, or retry with attempts left), with their
        report code, oldest first."""
        q = (select(attachments_t, reports_t.c.code.label("report_code"))
             .join(reports_t, reports_t.c.id == attachments_t.c.report_id)
             .where(attachments_t.c.status.in_(("pending", "retry")),
                    attachments_t.c.attempts < max_attempts)
             .order_by(attachments_t.c.id))
        if code is not None:
            norm = normalize_code(code)
            if not norm:
                raise NotFoundError(f"{code!r} is not a ticket code")
            q = q.where(reports_t.c.code == norm)
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [(_row_attachment(r), r.report_code) for r in conn.execute(q)]

    def record_attachment_result(self, attachment_id: int, *, status: str,
                                 local_path: Optional[str] = None, content_type: Optional[str] = None,
                                 size_bytes: Optional[int] = None, sha256: Optional[str] = None,
                                 error: Optional[str] = None, actor: str = SYSTEM_ACTOR) -> Attachment:
        if status not in ATTACHMENT_STATES:
            raise ValidationError(f"unknown attachment state {status!r}")
        now = utcnow()
        with writer(self.engine).begin() as conn:
            row = conn.execute(select(attachments_t).where(attachments_t.c.id == attachment_id)).first()
            if row is None:
                raise NotFoundError(f"no attachment {attachment_id}")
            conn.execute(update(attachments_t).where(attachments_t.c.id == attachment_id).values(
                status=status, local_path=local_path if status == "stored" else row.local_path,
                content_type=content_type or row.content_type,
                size_bytes=size_bytes if size_bytes is not None else row.size_bytes,
                sha256=sha256 or row.sha256, error=None if status == "stored" else error,
                attempts=row.attempts + 1, updated_at=now))
            details = {"attachment": row.position, "content_type": content_type, "size_bytes": size_bytes}
            if error:
                details["error"] = error
            _audit(conn, row.report_id, actor, "attachment", old=row.status, new=status,
                   details={k: v for k, v in details.items() if v is not None}, at=now)
            fresh = conn.execute(select(attachments_t).where(attachments_t.c.id == attachment_id)).first()
        return _row_attachment(fresh)

    # -- data for exports and statistics -----------------------------------------------------
    def published_results(self, *, unit: Optional[str] = None, limit: Optional[int] = None) -> List[Report]:
        q = select(reports_t).where(reports_t.c.published_result.isnot(None))
        if unit is not None:
            q = q.where(reports_t.c.unit == unit)
        q = q.order_by(reports_t.c.created_at.desc(), reports_t.c.id.desc())
        if limit is not None:
            q = q.limit(limit)
        with self.engine.connect() as conn:
            return [_row_report(r) for r in conn.execute(q)]

    def timeline_rows(self, *, unit: Optional[str] = None) -> List[Tuple[Optional[str], str, datetime, Optional[datetime], str]]:
        """(unit, kind, created_at, closed_at, status) for every report (statistics)."""
        q = select(reports_t.c.unit, reports_t.c.kind, reports_t.c.created_at, reports_t.c.closed_at,
                   reports_t.c.status)
        if unit is not None:
            q = q.where(reports_t.c.unit == unit)
        with self.engine.connect() as conn:
            return [tuple(r) for r in conn.execute(q)]  # type: ignore[misc]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(reports_t)).scalar_one())

