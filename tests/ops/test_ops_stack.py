"""Operations and closed doors on the real servers: the Rasa server with the ops and Zalo channels
(one turn process), the action server behind its shared secret, the fake Zalo API.

- the Rasa server sends the shared secret (endpoints file), the action server refuses calls without it;
- 2,000+ malformed webhook bodies: no 5xx, and a normal message is answered afterwards;
- a 1 MB message is cut before the NLU, and another citizen is answered;
- /metrics, /health/live and /health/ready scraped on both servers, turn-process metrics included;
- LOG_FORMAT=json: the servers' logs are JSON lines with phone numbers masked.
"""
from __future__ import annotations

import json
import os
import time
from collections import Counter
from pathlib import Path
from typing import Any, Dict, List

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from fake_zalo import FakeZalo
from fuzz_bodies import bodies
from harness import account_dict, image_event, location_event, signature_for, submit_info_event, text_event
from stack import RasaStack, StackError, find_model

pytestmark = pytest.mark.integration

SECRET = "ops-test-secret-0123456789abcdef"
SECRET_HEADER = "X-Actions-Secret"
PHONE = "0912345678"
QUESTION = "dang ky tam tru can gi"


class OpsStack(RasaStack):
    """The project's stack with the production credentials file (ops channel, Zalo, no REST), the
    secret sent to the actions and no HTTP API: the acknowledging server without Rasa and one turn
    process, as `make run` and the compose file start a node."""

    def _write_configs(self) -> Dict[str, Path]:
        import yaml

        files = super()._write_configs()
        ours = json.loads(files["credentials"].read_text(encoding="utf-8"))["channels.zalo.ZaloInput"]
        production = yaml.safe_load((self.project_dir / "credentials.zalo.yml").read_text(encoding="utf-8"))
        production["channels.zalo.ZaloInput"] = {**(production["channels.zalo.ZaloInput"] or {}), **ours}
        files["credentials"].write_text(json.dumps(production), encoding="utf-8")
        files["endpoints"].write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.actions_port}/webhook"\n'
            f'  headers:\n    {SECRET_HEADER}: {SECRET}\n'
            f'tracker_store:\n  type: components.tracker_store.SQLiteTrackerStore\n'
            f'  db: "{self.work_dir / "tracker.db"}"\n', encoding="utf-8")
        return files


class Env:
    def __init__(self, fake: FakeZalo, stack: OpsStack, account: Dict[str, str]) -> None:
        self.fake, self.stack, self.account = fake, stack, account
        self.http = requests.Session()

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.stack.actions_port}"

    def post(self, body: bytes) -> requests.Response:
        headers = {"Content-Type": "application/json"}
        try:
            data = json.loads(body)
            timestamp = str(data.get("timestamp", "")).strip() if isinstance(data, dict) else ""
        except (ValueError, UnicodeDecodeError, RecursionError):
            timestamp = ""
        try:
            headers["X-ZEvent-Signature"] = signature_for(self.account, body, timestamp)
        except UnicodeEncodeError:  # a lone surrogate in the timestamp: no signature can be made
            headers["X-ZEvent-Signature"] = "0" * 64
        return self.http.post(self.stack.webhook_url, data=body, headers=headers, timeout=30)

    def say(self, user: str, text: str) -> None:
        body = json.dumps(text_event(self.account["oa_id"], user, text), ensure_ascii=False).encode()
        resp = self.post(body)
        assert resp.status_code == 200 and resp.json()["status"] == "accepted", resp.text

    def answers(self, user: str, timeout: float = 120) -> List[Dict[str, Any]]:
        found = self.fake.wait_for(1, user, timeout)
        assert found, f"no answer to {user}:\n" + self.stack.tail("rasa", 40)
        return found

    def metrics(self, base: str) -> Dict[str, float]:
        resp = self.http.get(base + "/metrics", timeout=10)
        assert resp.status_code == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        values: Dict[str, float] = {}
        for family in text_string_to_metric_families(resp.text):
            for sample in family.samples:
                labels = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
                values[f"{sample.name}{{{labels}}}" if labels else sample.name] = sample.value
        return values


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = tmp_path_factory.mktemp("ops")
    probe = RasaStack(work, "", {})
    if find_model(probe.project_dir) is None:
        pytest.fail("no trained model: run make train", pytrace=False)
    fake = FakeZalo().start_in_thread()
    account = account_dict(oa_id="4300000000000555", app_id="1200000000000555", unit="CA-OPS")
    account["refresh_token"] = fake.issue_tokens(account["oa_id"], account["app_id"],
                                                 account["app_secret_key"])["refresh_token"]
    stack = OpsStack(work, fake.url, account, enable_api=False,
                     extra_env={"ACTIONS_SHARED_SECRET": SECRET, "LOG_FORMAT": "json",
                                "REPORTS_DB_URL": f"sqlite:///{work / 'reports.db'}"})
    try:
        stack.start()
    except StackError as exc:
        fake.stop_thread()
        pytest.fail(str(exc), pytrace=False)
    yield Env(fake, stack, account)
    stack.stop()
    fake.stop_thread()


# ----------------------------------------------------------------------------- closed doors
def test_the_action_server_refuses_calls_without_the_secret_and_rasa_sends_it(env):
    call = {"next_action": "action_listen", "sender_id": "x", "tracker": {}, "domain": {}, "version": "3.6.21"}
    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: SECRET[:-1]}, {"Authorization": SECRET}):
        resp = env.http.post(env.actions_url + "/webhook", json=call, headers=headers, timeout=10)
        assert resp.status_code == 401, (headers, resp.text)
        assert SECRET not in resp.text
    assert env.http.get(env.actions_url + "/actions", timeout=10).status_code == 401
    listed = env.http.get(env.actions_url + "/actions", headers={SECRET_HEADER: SECRET}, timeout=10)
    assert listed.status_code == 200 and {"name": "action_submit_report"} in listed.json()
    # A question answered by a custom action: Rasa reached the action server with the secret.
    env.say("door1", QUESTION)
    answer = " ".join(m["message"].get("text", "") for m in env.answers("door1"))
    assert "tạm trú" in answer.lower(), answer
    assert env.metrics(env.actions_url)["action_calls_refused_total"] >= 5


def test_the_rest_channel_is_off_with_the_production_credentials(env):
    resp = env.http.post(env.stack.rasa_url + "/webhooks/rest/webhook", json={"sender": "x", "message": "hi"},
                         timeout=10)
    assert resp.status_code == 404


def test_reports_received_are_counted_by_the_action_server(env):
    sender = f"{env.account['oa_id']}:reporter1"
    tracker = {"sender_id": sender, "slots": {
        "report_confirmed": True, "report_kind": "tin_bao", "report_description": "Có người lạ đột nhập kho",
        "report_place": "phường Sông Hiến", "report_contact": {"anonymous": True}},
        "latest_message": {"text": "/affirm", "intent": {"name": "affirm"}, "entities": [],
                           "metadata": {"zalo": {"oa_id": env.account["oa_id"], "user_id": "reporter1"}}},
        "latest_input_channel": "zalo",
        "events": [{"event": "user", "text": "/affirm", "input_channel": "zalo",
                    "metadata": {"zalo": {"oa_id": env.account["oa_id"], "user_id": "reporter1"}}}],
        "paused": False, "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen"}
    call = {"next_action": "action_submit_report", "sender_id": sender, "tracker": tracker, "domain": {},
            "version": "3.6.21"}
    before = env.metrics(env.actions_url).get('reports_received_total{kind="tin_bao"}', 0)
    resp = env.http.post(env.actions_url + "/webhook", json=call, headers={SECRET_HEADER: SECRET}, timeout=30)
    assert resp.status_code == 200, resp.text
    assert env.metrics(env.actions_url)['reports_received_total{kind="tin_bao"}'] == before + 1


# ------------------------------------------------------------------------------------ fuzz
def _templates(env: Env) -> List[Dict[str, Any]]:
    oa = env.account["oa_id"]
    return [text_event(oa, "fuzz1", "xin chao"), image_event(oa, "fuzz2", caption="ảnh"),
            location_event(oa, "fuzz3"), submit_info_event(oa, "fuzz4"),
            {"oa_id": oa, "follower": {"id": "fuzz5"}, "event_name": "follow", "timestamp": "0"}]


def test_malformed_webhook_bodies_get_4xx_never_5xx(env):
    counter = iter(range(10 ** 9))

    def fresh(template: Dict[str, Any]) -> Dict[str, Any]:
        event = json.loads(json.dumps(template))
        event["timestamp"] = str(int(time.time() * 1000))
        if isinstance(event.get("message"), dict):
            event["message"]["msg_id"] = f"fz{next(counter)}"
        return event

    statuses: Dict[str, Counter] = {}
    failures = []
    sent = 0
    for category, body in bodies(_templates(env), fresh):
        resp = env.post(body)
        sent += 1
        statuses.setdefault(category, Counter())[resp.status_code] += 1
        if resp.status_code >= 500:
            failures.append((category, body[:120], resp.status_code, resp.text[:200]))
    assert sent >= 2000, sent
    assert not failures, f"{len(failures)} of {sent} bodies got 5xx, e.g. {failures[:5]}\n" + env.stack.tail("rasa", 30)
    assert statuses["surrogate"][400] > 0 and statuses["deep"][400] > 0 and statuses["bad bytes"][400] > 0
    assert set(statuses["surrogate"]) <= {400, 401}, statuses["surrogate"]  # never stored
    assert set(statuses["deep"]) <= {400, 401}, statuses["deep"]
    # and the server still answers a citizen
    env.say("after-fuzz", QUESTION)
    assert env.answers("after-fuzz")
    assert env.http.get(env.stack.rasa_url + "/health/ready", timeout=10).status_code == 200


def test_a_huge_message_is_cut_before_the_nlu_and_others_are_answered(env):
    from channels.zalo.events import MAX_TEXT_CHARS

    huge = (QUESTION + " ") * (1024 * 1024 // (len(QUESTION) + 1))
    assert len(huge.encode()) > 1_000_000
    env.say("huge1", huge)
    env.say("other1", QUESTION)
    assert env.answers("other1")
    assert env.answers("huge1")
    deadline = time.monotonic() + 30  # the turn stores its events after it sent the answer
    while True:
        events = env.stack.tracker(f"{env.account['oa_id']}:huge1")["events"]
        texts = [e["text"] for e in events if e["event"] == "user"]
        if texts or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert texts and all(len(t) <= min(MAX_TEXT_CHARS, 10_000) for t in texts), ([len(t) for t in texts], events[:5])


# ---------------------------------------------------------------------- metrics and health
def test_metrics_of_the_rasa_server_include_the_turn_processes(env):
    env.fake.add_fault(code=-230, times=1, oa_id=env.account["oa_id"])
    env.say("metrics1", QUESTION)  # its first answer is refused with -230
    deadline = time.monotonic() + 60
    while True:  # refused before the next user speaks: the two turn processes would race for the fault
        values = env.metrics(env.stack.rasa_url)
        if values.get('zalo_api_errors_total{code="-230"}', 0) >= 1 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    env.say("metrics2", QUESTION)
    assert env.post(b"{not json").status_code == 400
    env.answers("metrics2")
    deadline = time.monotonic() + 30
    while True:  # the rest of the answer's messages, and their counts, follow the first
        values = env.metrics(env.stack.rasa_url)
        if (values.get('zalo_messages_total{outcome="sent"}', 0) >= len(env.fake.messages)
                and values.get('assistant_turns_total{channel="zalo",outcome="ok"}', 0) >= 2) \
                or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    oa = env.account["oa_id"]
    assert values['zalo_webhook_requests_total{outcome="accepted"}'] >= 3
    assert values['zalo_webhook_requests_total{outcome="bad_request"}'] >= 1
    assert values['zalo_api_errors_total{code="-230"}'] >= 1
    # counted in the turn process, scraped from the server process (multiprocess mode)
    # (this test's two turns at least, in whichever turn process ran them)
    assert values['assistant_turns_total{channel="zalo",outcome="ok"}'] >= 2
    assert values['assistant_turn_seconds_count{channel="zalo"}'] >= 2
    # every message the fake API took (metrics2's answer and earlier tests'), and no more
    assert values['zalo_messages_total{outcome="sent"}'] == len(env.fake.messages) >= 1
    assert values["zalo_inbox_backlog"] >= 0
    assert values["zalo_turn_processes_ready"] == 2
    assert 0 <= values[f'zalo_token_age_seconds{{oa_id="{oa}"}}'] < 3600
    assert values[f'zalo_access_token_expires_in_seconds{{oa_id="{oa}"}}'] > 0


def test_the_node_is_an_acknowledging_server_without_the_model_and_two_turn_processes(env):
    health = env.http.get(env.stack.rasa_url + "/webhooks/zalo/", timeout=10).json()
    pool = health["turn_processes"]
    assert pool["processes"] == 2 and pool["ready"] == 2  # the channel's default
    server_pid = env.stack.procs[1].pid
    assert "tensorflow" not in Path(f"/proc/{server_pid}/maps").read_text()
    for pid in pool["pids"]:
        assert "tensorflow" in Path(f"/proc/{pid}/maps").read_text()
        # a turn process sits below the acknowledging server (nice 10), never at the idle priority
        assert os.getpriority(os.PRIO_PROCESS, pid) == os.getpriority(os.PRIO_PROCESS, server_pid) + 10
        assert os.sched_getscheduler(pid) == os.SCHED_OTHER


def test_liveness_and_readiness_of_both_servers(env):
    for base in (env.stack.rasa_url, env.actions_url):
        assert env.http.get(base + "/health/live", timeout=10).json() == {"status": "ok"}
        ready = env.http.get(base + "/health/ready", timeout=10)
        assert ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
    checks = env.http.get(env.stack.rasa_url + "/health/ready", timeout=10).json()["checks"]
    assert checks["model"]["ready"] and checks["zalo"]["ready"]


# ------------------------------------------------------------------------------ JSON logs
def _json_lines(path: Path) -> List[Dict[str, Any]]:
    lines = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except ValueError:
                pass
    return lines


def test_logs_are_json_with_phone_numbers_masked(env):
    # The Rasa server logs the OA id of an event for an OA it does not serve; here a phone number.
    event = text_event(PHONE, "u1", "xin chao")
    env.post(json.dumps(event).encode())
    # The action server logs the name of an action it does not know.
    env.http.post(env.actions_url + "/webhook", headers={SECRET_HEADER: SECRET}, timeout=10, json={
        "next_action": f"action_{PHONE}", "sender_id": "x", "version": "3.6.21", "domain": {},
        "tracker": {"sender_id": "x", "slots": {}, "latest_message": {}, "events": [], "paused": False,
                    "followup_action": None, "active_loop": {}, "latest_action_name": None}})
    time.sleep(1.0)
    for name, process in (("rasa", "rasa"), ("actions", "actions")):
        log = env.stack.logs[name]
        text = log.read_text(encoding="utf-8", errors="replace")
        assert PHONE not in text, f"{name} log shows the phone number"
        lines = [line for line in _json_lines(log) if line.get("process") == process]
        assert any("[PHONE]" in line["message"] for line in lines), f"{name}:\n" + text[-3000:]
        assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    turn_lines = [line for line in _json_lines(env.stack.logs["rasa"]) if line.get("process") == "zalo-turns"]
    assert any("ready" in line["message"] for line in turn_lines), "no JSON line from the turn process"
    assert any(line["logger"] == "channels.zalo.runtime" for line in turn_lines)  # INFO after the model loaded
