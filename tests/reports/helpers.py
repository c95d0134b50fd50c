"""Shared test helpers for the reports tests (database targets, CLI runner, snapshots)."""
from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional

from sqlalchemy import select

from anninh import PROJECT_ROOT
from anninh.reports.db import make_engine
from anninh.reports.migrations import migrate
from anninh.reports.schema import (account_audit, accounts, attachments, audit, counters, notes, reports,
                                   transfers)
from anninh.reports.store import ReportStore

PG_URL = os.environ.get("REPORTS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DEFAULT_UNIT = "Công an tỉnh Cao Bằng"


@dataclass
class DbTarget:
    backend: str
    url: str
    schema: Optional[str]
    tmp: Path

    def engine(self):
        return make_engine(self.url, schema=self.schema)

    def store(self, *, migrate_first: bool = True, **kwargs) -> ReportStore:
        engine = self.engine()
        if migrate_first:
            migrate(engine)
        kwargs.setdefault("default_unit", DEFAULT_UNIT)
        return ReportStore(engine, **kwargs)

    def cli_args(self) -> List[str]:
        return ["--db", self.url] + (["--db-schema", self.schema] if self.schema else [])


def snapshot(engine) -> dict:
    """Every row of every table, to prove a failed command changed nothing."""
    with engine.connect() as conn:
        return {t.name: [tuple(r) for r in conn.execute(select(t).order_by(*t.primary_key.columns))]
                for t in (reports, attachments, audit, counters, notes, transfers, accounts, account_audit)}


def run_cli(args: List[str], *, env_extra: Optional[dict] = None, timeout: float = 60,
            input: Optional[str] = None) -> subprocess.CompletedProcess:
    """``python -m anninh.officer ARGS`` in a subprocess, from the project root."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("REPORTS_DB_URL", "REPORTS_DB_SCHEMA", "OFFICER_NAME", "REPORTS_NOTIFIER")
           and not k.startswith("ZALO_")}  # a developer's Zalo settings would turn the Zalo notifier on
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "anninh.officer", *args], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=timeout, input=input)


def popen_cli(args: List[str], *, env_extra: Optional[dict] = None) -> subprocess.Popen:
    """Like ``run_cli`` but started in the background (several CLI processes at once)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("REPORTS_DB_URL", "REPORTS_DB_SCHEMA", "OFFICER_NAME", "REPORTS_NOTIFIER")
           and not k.startswith("ZALO_")}  # a developer's Zalo settings would turn the Zalo notifier on
    env["PYTHONPATH"] = str(PROJECT_ROOT)
    env["PYTHONIOENCODING"] = "utf-8"
    env.update(env_extra or {})
    return subprocess.Popen([sys.executable, "-m", "anninh.officer", *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")
