"""End to end with two Rasa worker processes, as `RASA_WORKERS=2 make run` deploys them: the project's
endpoints.production.yml (conversations in PostgreSQL, locks in Redis), the zalo channel in each
worker, one user's burst acknowledged by both workers and still answered in order.

Needs PostgreSQL and Redis on 127.0.0.1 (skipped without them, except with CI=true, where it fails).
"""
from __future__ import annotations

import json
import time
from typing import Dict, List

import pytest
import requests

from fake_zalo import FakeZalo
from harness import account_dict, signature_for, text_event
from stack import (REDIS_HOST, REDIS_PORT, ROOT, ProductionStores, RasaStack, StackError, pg_execute,
                   require_production_services)

pytestmark = pytest.mark.integration

REDIS_DB = 2
FEE_PAYLOAD = '/ask_procedure{"procedure":"cu_tru.tam_tru","aspect":"fee"}'


class Workers:
    def __init__(self, fake: FakeZalo, stack: RasaStack, account: Dict[str, str], schema: str) -> None:
        self.fake, self.stack, self.account, self.schema = fake, stack, account, schema

    def say(self, user: str, text: str) -> None:
        data = text_event(self.account["oa_id"], user, text)
        body = json.dumps(data, ensure_ascii=False).encode()
        # No session: a new connection per event, so the kernel hands them to either worker.
        resp = requests.post(self.stack.webhook_url, data=body, timeout=10, headers={
            "Content-Type": "application/json",
            "X-ZEvent-Signature": signature_for(self.account, body, data["timestamp"])})
        assert resp.status_code == 200 and resp.json()["status"] == "accepted", resp.text

    def user_texts(self, user: str) -> List[str]:
        rows = pg_execute(f'SELECT data FROM "{self.schema}".events WHERE sender_id = %s AND type_name = %s '
                   "ORDER BY id", f"{self.account['oa_id']}:{user}", "user")
        return [json.loads(data)["text"] for (data,) in rows]


@pytest.fixture(scope="module")
def workers(tmp_path_factory):
    require_production_services("two-worker test")
    stores = ProductionStores("zw", workers=2, redis_db=REDIS_DB)
    fake = FakeZalo().start_in_thread()
    account = account_dict(oa_id="4300000000000888", app_id="1200000000000888", unit="CA-W")
    account["refresh_token"] = fake.issue_tokens(account["oa_id"], account["app_id"],
                                                 account["app_secret_key"])["refresh_token"]
    work = tmp_path_factory.mktemp("workers")
    env = {**stores.create(), "REPORTS_DB_URL": f"sqlite:///{work / 'reports.db'}"}
    # Turns in each worker process itself: this test is about Rasa worker processes sharing
    # PostgreSQL and Redis (turn processes have their own test in test_integration.py).
    stack = RasaStack(work, fake.url, account, extra_env=env, endpoints_file=ROOT / "endpoints.production.yml",
                      extra_credentials={"turn_processes": 0})
    try:
        stack.start()
    except StackError as exc:
        fake.stop_thread()
        stores.drop()
        pytest.fail(str(exc), pytrace=False)
    try:
        yield Workers(fake, stack, account, stores.schema)
    finally:
        stack.stop()
        fake.stop_thread()
        stores.drop()


def test_both_workers_start_the_channel(workers):
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        log = workers.stack.tail("rasa", 2000)
        if log.count("zalo: channel started") >= 2:
            break
        time.sleep(0.5)
    assert log.count("zalo: channel started") == 2, log  # one channel runtime per worker


def test_a_burst_spread_over_two_workers_is_answered_in_order(workers):
    texts = ["xin chào" if i % 2 == 0 else FEE_PAYLOAD for i in range(30)]
    for text in texts:
        workers.say("w-burst", text)
    found = workers.fake.wait_for(30, "w-burst", timeout=120)
    assert len(found) >= 30, workers.stack.tail("rasa", 40)
    time.sleep(3.0)
    # The conversation in PostgreSQL has the messages in the order sent, ...
    assert workers.user_texts("w-burst") == texts
    # ... the per-conversation lock lives in Redis (the worker that ran the turns connected to its
    # database; the one that finishes a user's message takes the next, so it may be one worker), ...
    import redis

    clients = redis.Redis(host=REDIS_HOST, port=REDIS_PORT).client_list()
    assert sum(1 for c in clients if str(c.get("db")) == str(REDIS_DB)) >= 1, clients
    # ... and the answers went out in that order.
    kinds = ["fee" if "lệ phí" in (m["message"].get("text") or json.dumps(m["message"], ensure_ascii=False)).lower()
             else "greet" for m in workers.fake.messages_to("w-burst")]
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert collapsed == ["greet" if i % 2 == 0 else "fee" for i in range(30)]
