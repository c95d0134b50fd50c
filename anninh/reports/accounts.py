"""Accounts of the officers' console: who may log in, for which unit, with which role.

Roles: ``admin`` (province administrator: every unit, manages accounts), ``unit_head`` (their
unit: assign, transfer, publish, statistics), ``officer`` (their unit's reports and the ones
assigned to them). What each role may do is decided by the web application; this module keeps
the accounts, checks passwords and counts login attempts.

Passwords are hashed with Argon2 (argon2-cffi's ``PasswordHasher``; hashes made with older
parameters are replaced at the next login). Neither a password nor its hash is ever logged or
written to the account audit (``report_account_audit``), which records every change with its
actor ("account:<username>" from the console, "cli:<OS user>" from the command-line tool).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Dict, List, Optional

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from anninh.reports.db import writer
from anninh.reports.errors import NotFoundError, ValidationError, one_of
from anninh.reports.privacy import get_logger
from anninh.reports.schema import account_audit as audit_t
from anninh.reports.schema import accounts as accounts_t
from anninh.reports.schema import login_attempts as attempts_t
from anninh.reports.timeutil import utcnow
from anninh.reports.units import unit_by_id

log = get_logger(__name__)

ROLES = ("admin", "unit_head", "officer")
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    display_name: str
    unit_id: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: Optional[datetime]

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def unit_name(self) -> str:
        unit = unit_by_id(self.unit_id)
        return unit.name if unit is not None else self.unit_id

    @property
    def report_units(self) -> Optional[List[str]]:
        """The ``units`` filter of this account's listings: None (every unit) for an
        administrator, else the account's own unit."""
        return None if self.is_admin else [self.unit_name]


@dataclass(frozen=True)
class AccountChange:
    """One entry of the account audit."""
    id: int
    account_id: int
    at: datetime
    actor: str
    action: str  # created | updated | password
    details: Dict[str, Any]


def normalize_username(username: Any) -> str:
    return " ".join(str(username or "").split()).lower()


def _check_password(password: Any) -> str:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValidationError(f"the password must have at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise ValidationError(f"the password is too long (at most {MAX_PASSWORD} characters)")
    return password


def _check_role(role: Any) -> str:
    return one_of(role, ROLES, "role")


def _check_unit(unit_id: Any) -> str:
    if unit_by_id(unit_id) is None:
        raise ValidationError(f"unknown unit {unit_id!r} (ids of content/units.yml)")
    return unit_id


def _check_name(display_name: Any) -> str:
    name = " ".join(str(display_name or "").split())
    if not name or len(name) > 200:
        raise ValidationError("the display name is required (at most 200 characters)")
    return name


def _check_actor(actor: Any) -> str:
    actor = " ".join(str(actor or "").split())
    if not actor or len(actor) > 200:
        raise ValidationError("who makes the change is required (actor)")
    return actor


def _row(r: Any) -> Account:
    return Account(id=r.id, username=r.username, display_name=r.display_name, unit_id=r.unit_id,
                   role=r.role, active=bool(r.active), created_at=r.created_at, last_login_at=r.last_login_at)


class AccountStore:
    """Console accounts in the reports database (schema version 4 or later)."""

    def __init__(self, engine: Engine, *, hasher: Optional[PasswordHasher] = None):
        self.engine = engine
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: Optional[str] = None

    # -- reading -------------------------------------------------------------------------------
    def get(self, account_id: int) -> Optional[Account]:
        with self.engine.connect() as conn:
            r = conn.execute(select(accounts_t).where(accounts_t.c.id == int(account_id))).first()
        return _row(r) if r is not None else None

    def by_username(self, username: str) -> Optional[Account]:
        with self.engine.connect() as conn:
            r = conn.execute(select(accounts_t).where(
                accounts_t.c.username == normalize_username(username))).first()
        return _row(r) if r is not None else None

    def list(self, *, unit_id: Optional[str] = None) -> List[Account]:
        q = select(accounts_t).order_by(accounts_t.c.username)
        if unit_id is not None:
            q = q.where(accounts_t.c.unit_id == unit_id)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(q)]

    def count_admins(self) -> int:
        """Active administrators."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(accounts_t).where(
                accounts_t.c.role == "admin", accounts_t.c.active.is_(True))).scalar_one())

    def history(self, account_id: int) -> List[AccountChange]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(audit_t).where(audit_t.c.account_id == int(account_id))
                                .order_by(audit_t.c.id)).all()
        return [AccountChange(id=r.id, account_id=r.account_id, at=r.at, actor=r.actor, action=r.action,
                              details=json.loads(r.details) if r.details else {}) for r in rows]

    # -- changes -------------------------------------------------------------------------------
    def create(self, username: str, password: str, *, display_name: str, unit_id: str, role: str,
               actor: str) -> Account:
        username = normalize_username(username)
        if not _USERNAME.match(username):
            raise ValidationError("the username needs 3-64 characters: letters a-z, digits, '.', '_' or '-'")
        password = _check_password(password)
        values = {"username": username, "display_name": _check_name(display_name),
                  "unit_id": _check_unit(unit_id), "role": _check_role(role), "active": True}
        actor = _check_actor(actor)
        password_hash = self.hasher.hash(password)
        now = utcnow()
        try:
            with writer(self.engine).begin() as conn:
                if conn.execute(select(accounts_t.c.id).where(accounts_t.c.username == username)).first():
                    raise ValidationError(f"the username {username!r} is taken")
                account_id = conn.execute(insert(accounts_t).values(
                    password_hash=password_hash, created_at=now, updated_at=now, **values)).inserted_primary_key[0]
                self._audit(conn, account_id, actor, "created", values, now)
        except IntegrityError:  # a parallel create with the same username won
            raise ValidationError(f"the username {username!r} is taken") from None
        log.info("account %s created (%s, %s)", account_id, values["role"], values["unit_id"])
        return self.get(account_id)  # type: ignore[return-value]

    def update(self, account_id: int, *, actor: str, display_name: Optional[str] = None,
               unit_id: Optional[str] = None, role: Optional[str] = None,
               active: Optional[bool] = None) -> Account:
        """Change the given fields. Refuses to leave the console without an active administrator."""
        actor = _check_actor(actor)
        wanted: Dict[str, Any] = {}
        if display_name is not None:
            wanted["display_name"] = _check_name(display_name)
        if unit_id is not None:
            wanted["unit_id"] = _check_unit(unit_id)
        if role is not None:
            wanted["role"] = _check_role(role)
        if active is not None:
            wanted["active"] = bool(active)
        now = utcnow()
        with writer(self.engine).begin() as conn:
            row = self._locked(conn, account_id)
            changes = {k: [getattr(row, k), v] for k, v in wanted.items() if getattr(row, k) != v}
            if not changes:
                return _row(row)
            was_admin = row.role == "admin" and bool(row.active)
            stays_admin = wanted.get("role", row.role) == "admin" and wanted.get("active", bool(row.active))
            if was_admin and not stays_admin and self._other_admins(conn, row.id) == 0:
                raise ValidationError("this is the last active administrator; create another one first")
            conn.execute(update(accounts_t).where(accounts_t.c.id == row.id).values(
                updated_at=now, **{k: v[1] for k, v in changes.items()}))
            self._audit(conn, row.id, actor, "updated", changes, now)
        return self.get(row.id)  # type: ignore[return-value]

    def set_password(self, account_id: int, password: str, *, actor: str) -> None:
        actor = _check_actor(actor)
        password_hash = self.hasher.hash(_check_password(password))
        now = utcnow()
        with writer(self.engine).begin() as conn:
            row = self._locked(conn, account_id)
            conn.execute(update(accounts_t).where(accounts_t.c.id == row.id).values(
                password_hash=password_hash, updated_at=now))
            self._audit(conn, row.id, actor, "password", None, now)

    # -- logging in ----------------------------------------------------------------------------
    def authenticate(self, username: str, password: str) -> Optional[Account]:
        """The account when the password is right and the account active, else None. Sets
        ``last_login_at``; rehashes when the hasher's parameters changed."""
        if not isinstance(password, str) or not password or len(password) > MAX_PASSWORD:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(select(accounts_t).where(
                accounts_t.c.username == normalize_username(username))).first()
        if row is None:
            self._verify(self._dummy(), password)  # the same work as for a real account
            return None
        if not self._verify(row.password_hash, password) or not row.active:
            return None
        now = utcnow()
        values: Dict[str, Any] = {"last_login_at": now}
        try:
            if self.hasher.check_needs_rehash(row.password_hash):
                values["password_hash"] = self.hasher.hash(password)
        except InvalidHashError:
            pass
        with writer(self.engine).begin() as conn:
            conn.execute(update(accounts_t).where(accounts_t.c.id == row.id).values(**values))
        return self.get(row.id)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self.hasher.verify(password_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash("not a password of anyone")
        return self._dummy_hash

    def record_login_attempt(self, username: Optional[str], address: Optional[str], ok: bool) -> None:
        with writer(self.engine).begin() as conn:
            conn.execute(insert(attempts_t).values(
                username=normalize_username(username)[:64] or None, address=(address or "")[:64] or None,
                ok=bool(ok), at=utcnow()))

    def recent_failures(self, *, username: Optional[str] = None, address: Optional[str] = None,
                        within_s: float = 900) -> int:
        """Failed attempts in the last ``within_s`` seconds for this username and/or address."""
        q = select(func.count()).select_from(attempts_t).where(
            attempts_t.c.ok.is_(False), attempts_t.c.at >= utcnow() - timedelta(seconds=within_s))
        if username is not None:
            q = q.where(attempts_t.c.username == normalize_username(username)[:64])
        if address is not None:
            q = q.where(attempts_t.c.address == address[:64])
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar_one())

    def prune_login_attempts(self, *, older_than_s: float = 30 * 86400) -> int:
        """Forget login attempts older than ``older_than_s`` (default 30 days); how many went."""
        with writer(self.engine).begin() as conn:
            return int(conn.execute(attempts_t.delete().where(
                attempts_t.c.at < utcnow() - timedelta(seconds=older_than_s))).rowcount or 0)

    # -- helpers -------------------------------------------------------------------------------
    @staticmethod
    def _locked(conn: Connection, account_id: int) -> Any:
        row = conn.execute(select(accounts_t).where(accounts_t.c.id == int(account_id)).with_for_update()).first()
        if row is None:
            raise NotFoundError(f"no account {account_id}")
        return row

    @staticmethod
    def _other_admins(conn: Connection, account_id: int) -> int:
        # FOR UPDATE: two administrators demoting each other at once cannot both pass (PostgreSQL;
        # SQLite writers are serialised anyway).
        return len(conn.execute(select(accounts_t.c.id).where(
            accounts_t.c.role == "admin", accounts_t.c.active.is_(True), accounts_t.c.id != account_id)
            .with_for_update()).all())

    @staticmethod
    def _audit(conn: Connection, account_id: int, actor: str, action: str, details: Optional[dict],
               at: datetime) -> None:
        conn.execute(insert(audit_t).values(
            account_id=account_id, at=at, actor=actor, action=action,
            details=json.dumps(details, ensure_ascii=False, sort_keys=True, default=str) if details else None))
