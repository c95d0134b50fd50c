"""Two nodes, one database: two complete stacks (each a Rasa server with its turn process and an
action server, in process groups, ports and working folders of their own) on the local PostgreSQL
(conversations, and the Zalo inbox and token store through ZALO_DB_URL) and Redis (Rasa's lock
store), serving the same OA, webhooks spread over both as a load balancer would:
- a redelivery landing on the other node is answered once;
- ten quick messages of one user, split over the nodes, are answered in order;
- both nodes refreshing the same OA's token at once use the single-use refresh token once;
- one node SIGKILLed in the middle of a burst: every acknowledged message is answered once, by the
  other node, soon after the dead node's leases run out.

Needs PostgreSQL and Redis on 127.0.0.1 (skipped without them, except with CI=true, where it fails).
"""
from __future__ import annotations

import json
import os
import signal
import threading
import time
from typing import Any, Dict, List

import pytest
import requests

from fake_zalo import FakeZalo
from harness import account_dict, signature_for, text_event
from stack import (ROOT, ProductionStores, RasaStack, StackError, pg_execute, pg_schema_url,
                   require_production_services)

pytestmark = pytest.mark.integration

LEASE = 5.0
FEE_PAYLOAD = '/ask_procedure{"procedure":"cu_tru.tam_tru","aspect":"fee"}'
GREET_PAYLOAD = "/greet"


class Nodes:
    def __init__(self, fake: FakeZalo, nodes: List[RasaStack], account: Dict[str, str], schema: str) -> None:
        self.fake, self.nodes, self.account, self.schema = fake, nodes, account, schema

    def post(self, node: int, data: Dict[str, Any]) -> requests.Response:
        body = json.dumps(data, ensure_ascii=False).encode()
        # A new connection per event, as from a load balancer.
        return requests.post(self.nodes[node].webhook_url, data=body, timeout=10, headers={
            "Content-Type": "application/json",
            "X-ZEvent-Signature": signature_for(self.account, body, data["timestamp"])})

    def say(self, node: int, user: str, text: str, **kwargs: Any) -> Dict[str, Any]:
        resp = self.post(node, text_event(self.account["oa_id"], user, text, **kwargs))
        assert resp.status_code == 200, resp.text
        return resp.json()

    def answers(self, user: str, count: int, timeout: float = 90, settle: float = 2.0) -> List[Dict[str, Any]]:
        found = self.fake.wait_for(count, user, timeout)
        assert len(found) >= count, (f"expected {count} message(s) to {user}, got {len(found)}:\n"
                                     + "\n".join(n.tail("rasa", 30) for n in self.nodes))
        time.sleep(settle)
        return self.fake.messages_to(user)

    def user_texts(self, user: str) -> List[str]:
        rows = pg_execute(f'SELECT data FROM "{self.schema}".events WHERE sender_id = %s AND type_name = %s '
                          "ORDER BY id", f"{self.account['oa_id']}:{user}", "user")
        return [json.loads(data)["text"] for (data,) in rows]

    def inbox(self, user: str) -> List[tuple]:
        return pg_execute(f'SELECT id, owner, outcome FROM "{self.schema}".zalo_inbox WHERE sender = %s ORDER BY id',
                          f"{self.account['oa_id']}:{user}")


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    require_production_services("two-node test")
    stores = ProductionStores("zn", workers=1, redis_db=3)
    fake = FakeZalo().start_in_thread()
    account = account_dict(oa_id="4300000000000999", app_id="1200000000000999", unit="CA-N")
    account["refresh_token"] = fake.issue_tokens(account["oa_id"], account["app_id"],
                                                 account["app_secret_key"])["refresh_token"]
    env = stores.create()
    env["ZALO_DB_URL"] = pg_schema_url(stores.schema)
    stacks: List[RasaStack] = []
    try:
        for name in ("node-a", "node-b"):
            work = tmp_path_factory.mktemp(name)
            stacks.append(RasaStack(work, fake.url, account, endpoints_file=ROOT / "endpoints.production.yml", enable_api=False,
                                    extra_env={**env, "REPORTS_DB_URL": f"sqlite:///{work / 'reports.db'}"},
                                    extra_credentials={"turn_processes": 1, "lease": LEASE, "claim_poll": 0.5}))
        starters = [threading.Thread(target=_start, args=(s,)) for s in stacks]  # model loads overlap
        for t in starters:
            t.start()
        for t in starters:
            t.join()
        failed = [s for s in stacks if getattr(s, "error", None)]
        if failed:
            pytest.fail(str(failed[0].error), pytrace=False)
        yield Nodes(fake, stacks, account, stores.schema)
    finally:
        for s in stacks:
            s.stop()
        fake.stop_thread()
        stores.drop()


def _start(stack: RasaStack) -> None:
    try:
        stack.start()
    except StackError as exc:
        stack.error = exc  # type: ignore[attr-defined]


def _answer_size(nodes: Nodes, user: str, text: str) -> int:
    """How many messages one answer to ``text`` is (asked once, on node A)."""
    nodes.say(0, user, text)
    return len(nodes.answers(user, 1, settle=2.0))


def test_a_redelivery_on_the_other_node_is_answered_once(nodes):
    size = _answer_size(nodes, "n-ref", FEE_PAYLOAD)
    data = text_event(nodes.account["oa_id"], "n-dup", FEE_PAYLOAD, msg_id="n-dup-1")
    assert nodes.post(0, data).json()["status"] == "accepted"
    assert nodes.post(1, data).json()["status"] == "duplicate"  # Zalo's retry reached the other node
    assert len(nodes.answers("n-dup", size, settle=3.0)) == size
    assert nodes.user_texts("n-dup") == [FEE_PAYLOAD]


def test_ten_quick_messages_split_over_the_nodes_are_answered_in_order(nodes):
    texts = [GREET_PAYLOAD if i % 2 == 0 else FEE_PAYLOAD for i in range(10)]
    for i, text in enumerate(texts):
        assert nodes.say(i % 2, "n-order", text)["status"] == "accepted"
    nodes.answers("n-order", 10, timeout=120, settle=3.0)
    assert nodes.user_texts("n-order") == texts
    kinds = ["fee" if "lệ phí" in (m["message"].get("text") or "").lower() else "greet"
             for m in nodes.fake.messages_to("n-order")]
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert collapsed == ["greet" if i % 2 == 0 else "fee" for i in range(10)]
    assert [outcome for _id, _owner, outcome in nodes.inbox("n-order")] == ["ok"] * 10


def test_both_nodes_refreshing_the_token_at_once_use_the_refresh_token_once(nodes):
    fake = nodes.fake
    before = fake.refresh_calls
    fake.expire_access_tokens(nodes.account["oa_id"])  # the next send on either node gets -220
    fake.add_fault(target="oauth", kind="delay", seconds=1.0)  # both nodes are refreshing at once
    for i in range(4):
        nodes.say(i % 2, f"n-token-{i}", FEE_PAYLOAD)
    for i in range(4):
        assert "lệ phí" in nodes.answers(f"n-token-{i}", 1, settle=0)[0]["message"].get("text", "").lower()
    time.sleep(1.0)
    assert fake.refresh_calls == before + 1  # the single-use refresh token was sent once
    assert fake.max_refresh_in_flight == 1
    outcomes = [r["outcome"] for r in fake.requests if r["path"] == "message"]
    assert -220 in outcomes and outcomes[-1] == "ok"
    stored = pg_execute(f'SELECT refresh_token FROM "{nodes.schema}".zalo_tokens')
    assert len(stored) == 1 and stored[0][0] != nodes.account["refresh_token"]


def test_a_node_killed_in_a_burst_leaves_no_message_unanswered_or_answered_twice(nodes):
    size = _answer_size(nodes, "n-kill-ref", FEE_PAYLOAD)
    acked: Dict[str, int] = {}
    unacked: List[tuple] = []
    killed_at = 0.0
    for i in range(40):
        user = f"n-kill-{i % 10}"
        node = i % 2 if not killed_at else 0
        if i == 20:
            for proc in nodes.nodes[1].procs:  # the whole node: server, its turn process, action server
                os.killpg(proc.pid, signal.SIGKILL)
            killed_at = time.monotonic()
            node = 0
        try:
            status = nodes.say(node, user, FEE_PAYLOAD)["status"]
        except (requests.RequestException, AssertionError) as exc:
            unacked.append((i, user, node, type(exc).__name__))
            continue  # not acknowledged: Zalo would deliver it again (it may be stored all the same)
        if status == "accepted":
            acked[user] = acked.get(user, 0) + 1
    assert sum(acked.values()) >= 30
    for user, count in acked.items():
        nodes.answers(user, count * size, timeout=LEASE + 90, settle=0)
    answered_after = time.monotonic() - killed_at
    time.sleep(LEASE + 2.0)  # anything sent twice would have arrived by now
    # Every acknowledged message is stored, and every stored one answered once (a message stored
    # by the node as it died, without the 200, is answered too: Zalo's retry would be a duplicate).
    for user, count in acked.items():
        stored = nodes.inbox(user)
        assert len(stored) >= count, (user, count, stored)
        assert len(nodes.fake.messages_to(user)) == len(stored) * size, (user, count, stored, unacked)
    # The dead node's unfinished rows were taken over by node A once their leases ran out.
    rows = [r for i in range(10) for r in nodes.inbox(f"n-kill-{i}")]
    assert all(outcome == "ok" for _id, _owner, outcome in rows), rows
    assert answered_after < LEASE + 60, answered_after
