"""How long another citizen waits for an answer when someone just sent a 1 MB message.

Starts the real Rasa server with the Zalo channel (default settings: two turn processes) and the
action server against the local fake Zalo API, then measures the time from a citizen's webhook to
the first answer at the fake API: alone, and right after another user's 1 MB message (which the
channel cuts to 4,000 characters before the NLU). Prints figures, asserts nothing.

    .venv/bin/python bench/huge_message.py [--rounds 5]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "tests" / "fakes", ROOT / "tests" / "zalo"):
    sys.path.insert(0, str(path))

import requests  # noqa: E402

from fake_zalo import FakeZalo  # noqa: E402
from harness import account_dict, signature_for, text_event  # noqa: E402
from stack import RasaStack  # noqa: E402

QUESTION = "dang ky tam tru can gi"


def post(stack: RasaStack, account: dict, user: str, text: str) -> None:
    event = text_event(account["oa_id"], user, text)
    body = json.dumps(event, ensure_ascii=False).encode()
    headers = {"X-ZEvent-Signature": signature_for(account, body, event["timestamp"]),
               "Content-Type": "application/json"}
    resp = requests.post(stack.webhook_url, data=body, headers=headers, timeout=60)
    resp.raise_for_status()


def answered_after(fake: FakeZalo, stack: RasaStack, account: dict, user: str, huge_before: bool) -> float:
    if huge_before:
        post(stack, account, user + "-huge", (QUESTION + " ") * (1024 * 1024 // (len(QUESTION) + 1)))
    start = time.monotonic()
    post(stack, account, user, QUESTION)
    if not fake.wait_for(1, user, 120):
        raise RuntimeError(f"no answer to {user}:\n{stack.tail('rasa')}")
    return time.monotonic() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    fake = FakeZalo().start_in_thread()
    account = account_dict(oa_id="4300000000000999", app_id="1200000000000999", unit="CA-BENCH")
    account["refresh_token"] = fake.issue_tokens(account["oa_id"], account["app_id"],
                                                 account["app_secret_key"])["refresh_token"]
    with tempfile.TemporaryDirectory(prefix="huge-bench-") as work:
        stack = RasaStack(Path(work), fake.url, account, enable_api=False,
                          extra_env={"REPORTS_DB_URL": f"sqlite:///{work}/reports.db"})
        stack.start()
        try:
            answered_after(fake, stack, account, "warmup", False)
            alone: List[float] = []
            behind: List[float] = []
            for i in range(args.rounds):
                alone.append(answered_after(fake, stack, account, f"alone{i}", False))
                behind.append(answered_after(fake, stack, account, f"behind{i}", True))
                time.sleep(1.0)  # let the huge turn finish before the next round
        finally:
            stack.stop()
            fake.stop_thread()
    print(f"first answer to a citizen, alone:                      p50 {statistics.median(alone):.2f} s, "
          f"max {max(alone):.2f} s")
    print(f"first answer to a citizen, right after a 1 MB message: p50 {statistics.median(behind):.2f} s, "
          f"max {max(behind):.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
