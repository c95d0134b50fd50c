"""`make bench`: the officers' console with 100,000 reports in the database (SQLite and PostgreSQL).

A real console server (``python -m anninh.console``) on a free port; a logged-in HTTP client asks
for inbox pages (a commune head's default tab, the province administrator's full list at page 1
and page 200, a text search for a common word and for a report code, an overdue filter) and
report pages (random reports), one request at a time. Prints p50/p95 per page. Target on this machine: p95 <= 150 ms. Figures are printed, never
asserted.
"""
from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Callable, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, insert, text  # noqa: E402

from devtools.servers import Server, free_port  # noqa: E402

PG_URL = os.environ.get("REPORTS_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
PASSWORD = "bench-password-123"
WORDS = ("trộm", "xe máy", "đánh nhau", "cờ bạc", "ma túy", "lừa đảo", "tai nạn", "gây rối", "chợ", "thôn",
         "trường học", "quán karaoke", "điện thoại", "tiền", "bến xe")


def pct(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def seed(store, n: int) -> List[str]:
    """Insert ``n`` reports straight into the table (the store's create path would take minutes)."""
    from anninh.reports.codes import KINDS, format_code
    from anninh.reports.schema import reports as reports_t
    from anninh.reports.search import search_text
    from anninh.reports.timeutil import utcnow
    from anninh.reports.units import all_units
    units = [u.name for u in all_units()]
    cols = set(reports_t.c.keys())
    rng = random.Random(7)
    now = utcnow()
    seqs: Dict[str, int] = {k: 0 for k in KINDS}
    codes = []
    rows = []
    statuses = ("received", "received", "in_progress", "in_progress", "resolved", "transferred")
    for i in range(n):
        kind = rng.choice(KINDS)
        seqs[kind] += 1
        created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 365))
        status = rng.choice(statuses)
        code = format_code(kind, 2026, seqs[kind])
        codes.append(code)
        row = {"code": code, "kind": kind, "status": status,
               "description": " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 30))),
               "place_text": f"thôn {rng.randint(1, 40)}", "channel": "zalo", "anonymous": True,
               "sender_id": f"oa-user-{i}", "oa_id": "oa", "unit": units[0] if i % 4 == 0 else rng.choice(units),
               "unit_source": "place", "created_at": created, "updated_at": created,
               "closed_at": created if status in ("resolved", "transferred") else None}
        row["due_at"] = created + timedelta(days=20)
        row["search_text"] = search_text(code, row["description"], row["place_text"])
        rows.append({k: v for k, v in row.items() if k in cols})
        if len(rows) == 5000:
            with store.engine.begin() as conn:
                conn.execute(insert(reports_t), rows)
            rows = []
    if rows:
        with store.engine.begin() as conn:
            conn.execute(insert(reports_t), rows)
    if store.engine.dialect.name == "postgresql":
        with store.engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return codes


def login(base: str, username: str) -> requests.Session:
    s = requests.Session()
    page = s.get(base + "/login", timeout=30).text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    r = s.post(base + "/login", data={"csrf_token": token, "username": username, "password": PASSWORD}, timeout=30)
    assert r.status_code == 200 and "/login" not in r.url, (username, r.status_code)
    return s


def measure(session: requests.Session, url_of: Callable[[int], str], n: int) -> List[float]:
    session.get(url_of(0), timeout=60)  # warm up
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        r = session.get(url_of(i), timeout=60)
        times.append((time.perf_counter() - t0) * 1000)
        assert r.status_code == 200, (url_of(i), r.status_code)
    return times


def start_server(store, tmp: Path, url: str, schema: Optional[str]):
    """Accounts bench_admin (province) and bench_head (a commune), and a console server over
    ``url`` reading the tracker store ``tmp/tracker.db``; (server, base URL)."""
    from anninh.reports.accounts import AccountStore
    from anninh.reports.units import all_units
    units = all_units()
    commune = next(u for u in units if u.kind == "commune")
    accounts = AccountStore(store.engine)
    accounts.create("bench_admin", PASSWORD, display_name="admin", unit_id=units[0].id, role="admin", actor="bench")
    accounts.create("bench_head", PASSWORD, display_name="head", unit_id=commune.id, role="unit_head", actor="bench")
    port = free_port()
    server = Server("console", [sys.executable, "-m", "anninh.console"], f"http://127.0.0.1:{port}/healthz",
                    tmp / "console.log", {"REPORTS_DB_URL": url, "REPORTS_DB_SCHEMA": schema or "",
                                          "CONSOLE_PORT": str(port), "CONSOLE_SECRET_KEY": "b" * 48,
                                          "TRACKER_DB_URL": f"sqlite:///{tmp / 'tracker.db'}"}).wait_ready(60)
    return server, f"http://127.0.0.1:{port}"


def run_backend(backend: str, n_reports: int, n_requests: int) -> Optional[Dict[str, List[float]]]:
    from anninh.reports.store import ReportStore
    tmp = Path(tempfile.mkdtemp(prefix="console-bench-"))
    schema = None
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'reports.db'}"
    else:
        url, schema = PG_URL, f"cbench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        try:
            e = create_engine(PG_URL, future=True, connect_args={"connect_timeout": 3})
            with e.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            e.dispose()
        except Exception as exc:  # noqa: BLE001
            print(f"  PostgreSQL not reachable ({type(exc).__name__}); skipped")
            return None
    store = ReportStore.open(url, schema=schema, migrate=True, use_content=False)
    server = None
    try:
        t0 = time.perf_counter()
        codes = seed(store, n_reports)
        print(f"  {backend}: {n_reports} reports inserted in {time.perf_counter() - t0:.0f} s", flush=True)
        server, base = start_server(store, tmp, url, schema)
        head, admin = login(base, "bench_head"), login(base, "bench_admin")
        rng = random.Random(3)
        return {
            "inbox, commune head (new)": measure(head, lambda i: f"{base}/", n_requests),
            "inbox, admin, all, page 1": measure(admin, lambda i: f"{base}/?tab=all", n_requests),
            "inbox, admin, all, page 200": measure(admin, lambda i: f"{base}/?tab=all&page=200", n_requests),
            "inbox, admin, overdue": measure(admin, lambda i: f"{base}/?tab=overdue", n_requests),
            "inbox, admin, text search": measure(
                admin, lambda i: f"{base}/?tab=all&q={rng.choice(WORDS)}", n_requests),
            "inbox, admin, search a code": measure(  # one match in 100,000: the text index's case
                admin, lambda i: f"{base}/?tab=all&q={rng.choice(codes)}", n_requests),
            "report page": measure(admin, lambda i: f"{base}/r/{rng.choice(codes)}", n_requests),
        }
    finally:
        if server:
            server.stop()
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)
        if schema:
            e = create_engine(PG_URL, future=True)
            with e.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            e.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--requests", type=int, default=100)
    ap.add_argument("--backend", choices=("sqlite", "postgresql"), action="append")
    args = ap.parse_args()
    print(f"\nOfficers' console, {args.reports} reports, {args.requests} requests per page (p95 target <= 150 ms):")
    for backend in args.backend or ("sqlite", "postgresql"):
        figures = run_backend(backend, args.reports, args.requests)
        if not figures:
            continue
        for name, times in figures.items():
            print(f"  {backend:10} {name:30} p50 {pct(times, 50):7.1f} ms   p95 {pct(times, 95):7.1f} ms", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
