"""Subprocess worker: submit N reports in parallel with other processes, print the codes.

usage: python -m tests.reports.submit_worker DB_URL N SENDER GO_FILE [SCHEMA]
Waits for GO_FILE to exist so that all workers start submitting at the same moment, then
prints one JSON list of codes and exits with os._exit (no clean shutdown: each code printed
must already be durable).
"""
import json
import os
import sys
import time


def main() -> None:
    url, n, sender, go_file = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    schema = sys.argv[5] if len(sys.argv) > 5 else None
    from anninh.reports.model import NewReport
    from anninh.reports.store import ReportStore
    from anninh.reports.db import make_engine
    store = ReportStore(make_engine(url, schema=schema), default_unit="Công an tỉnh Cao Bằng")
    deadline = time.time() + 30
    while not os.path.exists(go_file) and time.time() < deadline:
        time.sleep(0.005)
    codes = []
    for i in range(n):
        sub = store.create_report(NewReport(kind="to_giac", description=f"parallel {sender} {i}",
                                            sender_id=sender, oa_id="oa-test"))
        codes.append(sub.code)
    sys.stdout.write(json.dumps(codes) + "\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
