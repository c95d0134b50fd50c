"""Shared pieces of the officer CLI: the run context (database, store, content, acting officer),
parsing of codes, statuses, kinds and dates, and output helpers."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional

from anninh.reports.codes import KIND_PREFIX, KINDS, normalize_code
from anninh.reports.db import DatabaseConfigError, make_engine, resolve_db_url
from anninh.reports.model import STATUSES, Report
from anninh.reports.privacy import get_logger
from anninh.reports.timeutil import parse_day
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
        self._warned = False

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
                                          default_unit=self.content.default_unit,
                                          deadline_days={k: v.deadline_days for k, v in self.content.kinds.items()})
            except Exception:
                engine.dispose()
                raise
        return self._store

    def officer(self) -> str:
        """The audit actor of every change made with this tool: ``cli:<OS user>``."""
        name = (getattr(self.args, "officer", None) or os.environ.get(ENV_OFFICER) or "").strip()
        if name and not self._warned:
            self._warned = True
            _err(f"note: --officer / {ENV_OFFICER} is no longer used; changes are recorded as {cli_actor()}")
        return cli_actor()

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


def cli_actor() -> str:
    """``cli:<OS user>``: the command-line tool records itself, with the account it runs as."""
    try:
        import pwd
        user = pwd.getpwuid(os.getuid()).pw_name
    except (ImportError, KeyError, AttributeError):
        import getpass
        try:
            user = getpass.getuser()
        except Exception:  # no user name anywhere
            user = "unknown"
    return f"cli:{user}"


def resolve_unit_arg(text: str):
    """A unit of content/units.yml from its id or name (accents, case and a unique part of the
    name are enough)."""
    from anninh.reports.units import all_units, unit_by_id, unit_by_name
    unit = unit_by_id(text.strip()) or unit_by_name(text)
    if unit is not None:
        return unit
    folded = fold(" ".join(text.split()))
    same = [u for u in all_units() if fold(u.name) == folded]
    partial = same or [u for u in all_units() if folded and folded in fold(u.name)]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise UsageError(f"unit {text!r} is ambiguous: {'; '.join(u.name for u in partial[:8])}")
    raise UsageError(f"unknown unit {text!r}; use an id or name of content/units.yml")


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
        text=getattr(args, "text", None), overdue=True if getattr(args, "overdue", False) else None,
        limit=getattr(args, "limit", None))


def _short(text: Optional[str], n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"
