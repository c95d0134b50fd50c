"""End to end: the real Rasa server (trained model in models/, zalo channel configured from ZALO_*
environment variables) and the action server, driven by signed webhook events; what the OA sends is
read back from the fake Zalo API.

Slow (the servers take a minute or more to start): ``pytest -m integration tests/zalo``.
"""
import json
import time
from typing import Any, Dict, List

import pytest
import requests

from fake_zalo import FakeZalo
from harness import account_dict, follow_event, image_event, location_event, signature_for, text_event
from stack import RasaStack, StackError, find_model

pytestmark = pytest.mark.integration

FEE_PAYLOAD = '/ask_procedure{"procedure":"cu_tru.tam_tru","aspect":"fee"}'
PROCEDURE_QUESTION = "dang ky tam tru can gi"


class Env:
    def __init__(self, fake: FakeZalo, stack: RasaStack, account: Dict[str, str]) -> None:
        self.fake, self.stack, self.account = fake, stack, account
        self.http = requests.Session()

    def post(self, data: Any, signature: Any = "auto") -> requests.Response:
        body = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if signature == "auto":
            signature = signature_for(self.account, body, str(data["timestamp"]))
        if signature is not None:
            headers["X-ZEvent-Signature"] = signature
        return self.http.post(self.stack.webhook_url, data=body, headers=headers, timeout=10)

    def say(self, user: str, text: str, **kwargs: Any) -> requests.Response:
        resp = self.post(text_event(self.account["oa_id"], user, text, **kwargs))
        assert resp.status_code == 200, resp.text
        return resp

    def answers(self, user: str, count: int = 1, timeout: float = 60, settle: float = 1.0) -> List[Dict[str, Any]]:
        """Wait for ``count`` messages to ``user``, then ``settle`` s more for the rest of the answer."""
        found = self.fake.wait_for(count, user, timeout)
        assert len(found) >= count, f"expected {count} message(s) to {user}, got {len(found)}:\n" + \
            self.stack.tail("rasa", 30)
        time.sleep(settle)
        return self.fake.messages_to(user)

    def sender(self, user: str) -> str:
        return f"{self.account['oa_id']}:{user}"

    def user_events(self, user: str) -> List[Dict[str, Any]]:
        return [e for e in self.stack.tracker(self.sender(user))["events"] if e["event"] == "user"]


@pytest.fixture(scope="session")
def env(tmp_path_factory):
    if find_model(RasaStack(tmp_path_factory.mktemp("probe"), "", {}).project_dir) is None:
        pytest.fail("no trained model: run make train", pytrace=False)
    fake = FakeZalo().start_in_thread()
    account = account_dict(oa_id="4300000000000777", app_id="1200000000000777", unit="CA-IT")
    account["refresh_token"] = fake.issue_tokens(account["oa_id"], account["app_id"],
                                                 account["app_secret_key"])["refresh_token"]
    reports_db = tmp_path_factory.mktemp("reports") / "reports.db"
    stack = RasaStack(tmp_path_factory.mktemp("rasa"), fake.url, account,
                      extra_env={"REPORTS_DB_URL": f"sqlite:///{reports_db}"})
    stack.reports_db_url = f"sqlite:///{reports_db}"
    try:
        stack.start()
    except StackError as exc:
        fake.stop_thread()
        pytest.fail(str(exc), pytrace=False)
    yield Env(fake, stack, account)
    stack.stop()
    fake.stop_thread()


def text_of(message: Dict[str, Any]) -> str:
    return message["message"].get("text") or ""


def buttons_of(message: Dict[str, Any]) -> List[Dict[str, Any]]:
    attachment = message["message"].get("attachment") or {}
    return (attachment.get("payload") or {}).get("buttons") or []


def test_greeting_is_answered_with_buttons(env):
    env.say("it-greet", "xin chào")
    messages = env.answers("it-greet")
    assert any(buttons_of(m) for m in messages), messages
    events = env.user_events("it-greet")
    assert events[-1]["metadata"]["zalo"]["unit"] == "CA-IT"
    assert events[-1]["metadata"]["zalo"]["oa_id"] == env.account["oa_id"]


def test_procedure_question_is_answered_with_buttons(env):
    env.say("it-proc", PROCEDURE_QUESTION)
    first = env.answers("it-proc")[0]
    assert "Đăng ký tạm trú" in text_of(first).splitlines()[0], first
    assert buttons_of(first), first
    assert all(len(text_of(m)) <= 2000 for m in env.fake.messages_to("it-proc"))


def test_button_payload_round_trip(env):
    env.say("it-btn", PROCEDURE_QUESTION)
    messages = env.answers("it-btn")
    query_buttons = [b for m in messages for b in buttons_of(m) if b["type"] == "oa.query.show"]
    assert query_buttons, messages
    clicked = query_buttons[0]["payload"]
    before = len(messages)
    env.say("it-btn", clicked)  # what Zalo sends when the user taps the button
    assert len(env.answers("it-btn", before + 1)) > before
    last = env.user_events("it-btn")[-1]
    assert last["text"] == clicked
    assert last["parse_data"]["intent"]["name"] == clicked[1:].split("{")[0]


def test_fee_payload_answers_the_fee(env):
    env.say("it-fee", FEE_PAYLOAD)
    messages = env.answers("it-fee")
    assert any("Lệ phí" in text_of(m) for m in messages), messages


def test_follow_event_gets_the_welcome_menu(env):
    assert env.post(follow_event(env.account["oa_id"], "it-follow", app_id=env.account["app_id"])).status_code == 200
    messages = env.answers("it-follow")
    assert any(buttons_of(m) for m in messages), messages
    assert env.user_events("it-follow")[-1]["text"] == "/greet"


def test_image_reaches_the_bot_with_its_attachment(env):
    data = image_event(env.account["oa_id"], "it-image", url="https://photo.zdn.vn/cccd.jpg", caption="CCCD")
    data["app_id"] = env.account["app_id"]
    assert env.post(data).status_code == 200
    env.answers("it-image")
    event = env.user_events("it-image")[-1]
    assert event["text"] == "/send_attachment"
    zalo = event["metadata"]["zalo"]
    assert zalo["attachments"][0]["url"] == "https://photo.zdn.vn/cccd.jpg" and zalo["caption"] == "CCCD"


def test_bad_signature_is_rejected_and_nothing_is_sent(env):
    data = text_event(env.account["oa_id"], "it-badsig", "xin chào")
    assert env.post(data, signature="mac=" + "0" * 64).status_code == 401
    assert env.post(data, signature=None).status_code == 401
    time.sleep(2)
    assert env.fake.messages_to("it-badsig") == []
    assert env.user_events("it-badsig") == []


def test_malformed_json_is_400(env):
    assert env.post(b"{not json", signature="mac=" + "0" * 64).status_code == 400


def test_duplicate_delivery_gets_one_answer(env):
    env.say("it-ref", "xin chào")
    reference = len(env.answers("it-ref", settle=2.0))
    data = text_event(env.account["oa_id"], "it-dup", "xin chào", msg_id="it-dup-1")
    assert env.post(data).status_code == 200
    second = env.post(data)  # Zalo's redelivery
    assert second.status_code == 200 and second.json()["status"] == "duplicate"
    assert len(env.answers("it-dup", settle=2.0)) == reference
    assert len(env.user_events("it-dup")) == 1


def test_burst_of_30_from_one_user_is_answered_in_order(env):
    texts = ["xin chào" if i % 2 == 0 else FEE_PAYLOAD for i in range(30)]
    for text in texts:
        env.say("it-burst", text)
    env.answers("it-burst", 30, timeout=120, settle=3.0)
    # The bot saw them in the order sent ...
    assert [e["text"] for e in env.user_events("it-burst")] == texts
    # ... and the answers went out in that order: greeting answers and fee answers alternate.
    kinds = ["fee" if "Lệ phí" in text_of(m) else "greet" for m in env.fake.messages_to("it-burst")]
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert collapsed == ["greet" if i % 2 == 0 else "fee" for i in range(30)]


def test_token_refresh_during_a_conversation(env):
    env.say("it-token", "xin chào")
    before = len(env.answers("it-token"))
    refreshes = env.fake.refresh_calls
    env.fake.expire_access_tokens(env.account["oa_id"])
    env.say("it-token", FEE_PAYLOAD)
    messages = env.answers("it-token", before + 1)
    assert any("Lệ phí" in text_of(m) for m in messages[before:])
    assert env.fake.refresh_calls == refreshes + 1
    outcomes = [r["outcome"] for r in env.fake.requests]
    assert -220 in outcomes and outcomes[-1] == "ok"


def test_talk_to_an_officer_silence_emergency_and_hand_back(env):
    from anninh.reports.db import make_engine
    from anninh.reports.handoff import HandoffStore

    user = "it-handoff"
    env.say(user, "cho tôi gặp cán bộ")
    first = env.answers(user)
    assert "đã chuyển yêu cầu" in text_of(first[-1]), first
    env.say(user, "dang ky tam tru can gi")
    time.sleep(4)  # the officer answers in the OA inbox: the assistant says nothing
    assert len(env.fake.messages_to(user)) == len(first)
    env.say(user, "cháy nhà rồi cứu với")
    during = env.answers(user, len(first) + 1)
    assert "114" in text_of(during[len(first)]), during
    engine = make_engine(env.stack.reports_db_url)
    try:
        store = HandoffStore(engine)
        request = store.current("zalo", env.sender(user))
        assert request is not None and "cho tôi gặp cán bộ" in [l["text"] for l in request.transcript]
        store.close(request.id, actor="Đại úy Nam")
    finally:
        engine.dispose()
    env.say(user, "xin chào")
    after = env.answers(user, len(during) + 1, settle=2.0)
    texts = [text_of(m) for m in after[len(during):]]
    assert any("kết thúc" in t for t in texts) and any("xin chào" in t.lower() for t in texts), texts


def test_crime_report_with_a_photo_and_a_location_over_zalo(env):
    """The whole form through the connector: the photo and the Zalo location reach the stored
    report, the citizen gets a code, and only they can look it up."""
    import re

    from anninh.reports import Requester, ReportStore

    user = "it-report"

    def step(event_or_text: Any) -> str:
        before = len(env.fake.messages_to(user))
        if isinstance(event_or_text, str):
            env.say(user, event_or_text)
        else:
            event_or_text["app_id"] = env.account["app_id"]
            assert env.post(event_or_text).status_code == 200
        return "\n".join(text_of(m) for m in env.answers(user, before + 1, settle=1.5)[before:])

    step("tôi muốn tố giác một vụ lừa đảo qua mạng")
    step('/report_crime{"report_kind":"to_giac"}')
    step("Có người gọi điện giả danh công an bắt chuyển 20 triệu đồng vào tài khoản lạ")
    step(location_event(env.account["oa_id"], user, lat="22.66568", lon="106.25790"))
    step("tối qua khoảng 8 giờ")
    evidence = step(image_event(env.account["oa_id"], user, url="https://photo.zdn.vn/bang-chung.jpg"))
    assert "1 tệp" in evidence, evidence
    step("/affirm")
    summary = step("/deny")  # anonymous
    assert "22.66568" in summary, summary
    done = step("/affirm")
    code = re.search(r"\bTG-\d{4}-\d{6}\b", done).group()
    store = ReportStore.open(env.stack.reports_db_url)
    try:
        report = store.get(code)
        assert report.channel == "zalo" and report.sender_id == env.sender(user)
        assert (report.latitude, report.longitude) == (22.66568, 106.2579)
        assert [a.url for a in report.attachments] == ["https://photo.zdn.vn/bang-chung.jpg"]
        assert report.anonymous and report.contact_phone is None
        assert store.lookup(code, Requester("zalo", env.sender(user))) is not None
        assert store.lookup(code, Requester("zalo", env.sender("someone-else"))) is None
    finally:
        store.close()
    assert code in step(f"kiểm tra tố giác {code}")


def _health(env: Env) -> Dict[str, Any]:
    return requests.get(env.stack.rasa_url + "/webhooks/zalo/", timeout=5).json()


def _inbox_owners(env: Env, user: str) -> set:
    import sqlite3

    conn = sqlite3.connect(str(env.stack.work_dir / "zalo.db"))
    try:
        return {r[0] for r in conn.execute("SELECT DISTINCT owner FROM zalo_inbox WHERE sender = ?",
                                           (env.sender(user),)).fetchall()}
    finally:
        conn.close()


def test_turns_run_in_the_turn_processes_not_in_the_server(env):
    health = _health(env)
    assert health["ready"] is True
    pool = health["turn_processes"]
    assert pool["processes"] == 2 and pool["ready"] == 2
    for text in ("xin chào", FEE_PAYLOAD, "xin chào"):
        env.say("it-where", text)
    env.answers("it-where", 3)
    owners = _inbox_owners(env, "it-where")
    server_pid = env.stack.procs[1].pid
    owner_pids = {int(owner.split(":")[0]) for owner in owners}
    assert owner_pids <= set(pool["pids"]) and server_pid not in owner_pids
    import os

    # turn processes give way to the acknowledging server process at once
    assert all(os.sched_getscheduler(pid) == os.SCHED_IDLE for pid in pool["pids"])
    assert os.sched_getscheduler(server_pid) == os.SCHED_OTHER


def test_a_killed_turn_process_is_replaced_and_users_are_still_answered(env):
    import os
    import signal

    before = _health(env)["turn_processes"]
    os.kill(before["pids"][0], signal.SIGKILL)
    for i in range(3):  # meanwhile the other process takes new users
        env.say(f"it-kill-{i}", "xin chào")
    for i in range(3):
        env.answers(f"it-kill-{i}", settle=0)
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        pool = _health(env)["turn_processes"]
        if pool["restarts"] >= 1 and pool["ready"] == 2:
            break
        time.sleep(1)
    assert pool["restarts"] == 1 and pool["ready"] == 2, (pool, env.stack.tail("rasa", 40))
    assert pool["pids"][0] != before["pids"][0] and pool["pids"][1] == before["pids"][1]
    env.say("it-kill-after", FEE_PAYLOAD)
    assert "phí" in text_of(env.answers("it-kill-after")[0]).lower()
