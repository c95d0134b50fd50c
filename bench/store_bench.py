"""The data layer of the officers' console with many reports (default 100,000): the queries behind
the inbox and report pages, p50/p95 in milliseconds, on SQLite and PostgreSQL.

    .venv/bin/python bench/store_bench.py [--reports N] [--pg-url URL] [--no-pg]

PostgreSQL runs in a schema of its own, dropped afterwards. The target for a whole page (the web
application's own bench) is p95 <= 150 ms; these figures are the store's share. Printed, never asserted.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from anninh.reports.db import make_engine  # noqa: E402
from anninh.reports.migrations import migrate  # noqa: E402
from anninh.reports.store import ReportStore  # noqa: E402
from bench.seed_reports import seed  # noqa: E402

ROUNDS = 30


def pct(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def timed(fn: Callable[[], object]) -> Dict[str, float]:
    fn()  # warm
    ms = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - start) * 1000)
    return {"p50": statistics.median(ms), "p95": pct(ms, 95)}


def run(label: str, url: str, schema, n: int) -> None:
    engine = make_engine(url, schema=schema)
    migrate(engine)
    start = time.perf_counter()
    sample = seed(engine, n)
    print(f"[{label}] seeded {n} reports in {time.perf_counter() - start:.1f} s")
    store = ReportStore(engine, default_unit="Công an tỉnh Cao Bằng")
    unit = "Công an xã Bảo Lâm"
    code = sample[unit][0]
    catch_all = sample["Công an tỉnh Cao Bằng"][0]
    cases = {
        "inbox: unit, newest 50": lambda: store.list_reports(units=[unit]),
        "inbox: unit, count": lambda: store.count_reports(units=[unit]),
        "inbox: unit + status received": lambda: store.list_reports(units=[unit], status="received"),
        "inbox: unit, overdue": lambda: store.list_reports(units=[unit], overdue=True),
        "inbox: unit, page 20": lambda: store.list_reports(units=[unit], offset=1000),
        "inbox: unit, text search": lambda: store.list_reports(units=[unit], text="trau"),
        "inbox: unit, status counts": lambda: store.status_counts(units=[unit]),
        "inbox: unit, overdue count": lambda: store.overdue_count(units=[unit]),
        "inbox: assigned to me": lambda: store.list_reports(units=[unit], assigned_to="account:ca_bao_lam.cb1"),
        "admin: all, newest 50": lambda: store.list_reports(),
        "admin: all, count": lambda: store.count_reports(),
        "admin: all, status counts": lambda: store.status_counts(),
        "admin: all, overdue count": lambda: store.overdue_count(),
        "admin: all, text search + count": lambda: (store.list_reports(text="trom trau"),
                                                    store.count_reports(text="trom trau")),
        "admin: kind + status + commune": lambda: store.list_reports(kind="to_giac", status="in_progress",
                                                                     commune="Hà Quảng"),
        "report page: get + audit + notes + transfers": lambda: (store.get(code), store.audit_trail(code),
                                                                  store.notes(code), store.transfers(code)),
        "province catch-all: report page": lambda: store.get(catch_all),
    }
    for name, fn in cases.items():
        r = timed(fn)
        print(f"[{label}] {name:<46} p50 {r['p50']:6.1f} ms   p95 {r['p95']:6.1f} ms")
    store.close()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--pg-url", default=os.environ.get("REPORTS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--no-pg", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("sqlite", f"sqlite:///{tmp}/bench.db", None, args.reports)
    if not args.no_pg:
        schema = f"bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        try:
            run("postgresql", args.pg_url, schema, args.reports)
        finally:
            admin = create_engine(args.pg_url, future=True)
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
