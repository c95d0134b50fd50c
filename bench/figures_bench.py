"""`make bench`: the statistics pages of the officers' console with 100,000 reports (reports
database, SQLite) and 1,000,000 events in Rasa's tracker store (SQLite, Rasa's own table).

A real console server on a free port; a logged-in administrator and a commune head ask for the
figures page (cold: a different unit/month each time, so nothing comes from the console's short
cache; warm: the same page again), a chart (SVG drawn by matplotlib), a CSV file and the printable
summary. Prints p50/p95 per request kind; figures are printed, never asserted.
"""
from __future__ import annotations

import argparse
import json
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from console_bench import login, measure, pct, seed, start_server  # noqa: E402

FAMILIES = ("xe", "cu_tru", "can_cuoc", "pccc", "khac")


def seed_tracker(path: Path, n_events: int, oas, days: int = 365) -> None:
    """``n_events`` events in Rasa's own ``events`` table (created by Rasa's SQLTrackerStore)."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    rng = random.Random(11)
    now = time.time()
    conn = sqlite3.connect(path)
    batch = []
    for i in range(n_events):
        sender = f"{rng.choice(oas)}:user-{rng.randint(0, n_events // 20)}"
        ts = now - rng.random() * days * 86400
        r = rng.random()
        if r < 0.4:
            kind, data = "user", {"event": "user", "text": "dang ky tam tru can gi", "timestamp": ts}
        elif r < 0.8:
            kind, data = "bot", {"event": "bot", "text": "Dạ, thủ tục đăng ký tạm trú ...", "timestamp": ts}
        elif r < 0.9:
            kind, data = "slot", {"event": "slot", "name": "procedure", "timestamp": ts,
                                  "value": f"{rng.choice(FAMILIES)}.thu_tuc_{rng.randint(1, 9)}"}
        else:
            kind, data = "action", {"event": "action", "name": "action_listen", "timestamp": ts}
        batch.append((sender, kind, ts, None, None, json.dumps(data, ensure_ascii=False)))
        if len(batch) == 20000:
            conn.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                             "VALUES (?, ?, ?, ?, ?, ?)", batch)
            batch = []
    if batch:
        conn.executemany("INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data) "
                         "VALUES (?, ?, ?, ?, ?, ?)", batch)
    conn.commit()
    conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reports", type=int, default=100_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=24)
    args = ap.parse_args()
    from anninh.reports.figures import Month
    from anninh.reports.store import ReportStore
    from anninh.reports.units import all_units
    tmp = Path(tempfile.mkdtemp(prefix="figures-bench-"))
    url = f"sqlite:///{tmp / 'reports.db'}"
    store = ReportStore.open(url, migrate=True, use_content=False)
    server = None
    print(f"\nStatistics pages, {args.reports} reports, {args.events} tracker events (SQLite), "
          f"{args.requests} requests per kind:")
    try:
        t0 = time.perf_counter()
        seed(store, args.reports)
        seed_tracker(tmp / "tracker.db", args.events, ["oa1", "oa2", "oa3"])
        print(f"  seeded in {time.perf_counter() - t0:.0f} s", flush=True)
        units = all_units()
        server, base = start_server(store, tmp, url, None)
        head, admin = login(base, "bench_head"), login(base, "bench_admin")
        months = [Month.parse(None)]
        while len(months) < 12:
            months.append(months[-1].previous())
        combos = [(m.key, u.name) for m in months for u in [None, *units[:20]] if u] + [(m.key, "") for m in months]
        random.Random(5).shuffle(combos)
        it = iter(combos * 4)
        results = {
            "figures page, admin, cold (unit/month varies)": measure(
                admin, lambda i: "{}/figures/?month={}&unit={}".format(base, *next(it)), args.requests),
            "figures page, admin, province, cold": measure(
                admin, lambda i: f"{base}/figures/?month={months[i % 12].key}&x={i}", 12),
            "figures page, unit head, warm": measure(head, lambda i: f"{base}/figures/", args.requests),
            "chart SVG (matplotlib), warm data": measure(
                head, lambda i: f"{base}/figures/chart/reports_kind.svg", args.requests),
            "CSV file, warm data": measure(head, lambda i: f"{base}/figures/csv/handling", args.requests),
            "units comparison, admin": measure(admin, lambda i: f"{base}/figures/compare?month={months[i % 12].key}",
                                               args.requests),
            "printable summary, unit head": measure(head, lambda i: f"{base}/figures/summary", args.requests),
        }
        for name, times in results.items():
            print(f"  {name:48} p50 {pct(times, 50):7.1f} ms   p95 {pct(times, 95):7.1f} ms", flush=True)
    finally:
        if server:
            server.stop()
        store.close()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
