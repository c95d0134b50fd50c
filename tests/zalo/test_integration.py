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

    def step(self, user: str, event_or_text: Any) -> str:
        """Send a text or a webhook event as ``user``; the text of all the answers it got."""
        before = len(self.fake.messages_to(user))
        if isinstance(event_or_text, str):
            self.say(user, event_or_text)
        else:
            event_or_text["app_id"] = self.account["app_id"]
            assert self.post(event_or_text).status_code == 200
        return "\n".join(text_of(m) for m in self.answers(user, before + 1, settle=1.5)[before:])

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
    # The acknowledging server (no HTTP API) with two turn processes (one is the default), to prove
    # the multi-process path: order, takeover.
    stack = RasaStack(tmp_path_factory.mktemp("rasa"), fake.url, account, extra_credentials={"turn_processes": 2},
                      enable_api=False, extra_env={"REPORTS_DB_URL": f"sqlite:///{reports_db}"})
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
    assert any("lệ phí" in text_of(m).lower() for m in messages), messages


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
    kinds = ["fee" if "lệ phí" in text_of(m).lower() else "greet" for m in env.fake.messages_to("it-burst")]
    collapsed = [k for i, k in enumerate(kinds) if i == 0 or kinds[i - 1] != k]
    assert collapsed == ["greet" if i % 2 == 0 else "fee" for i in range(30)]


def test_token_refresh_during_a_conversation(env):
    env.say("it-token", "xin chào")
    before = len(env.answers("it-token"))
    refreshes = env.fake.refresh_calls
    env.fake.expire_access_tokens(env.account["oa_id"])
    env.say("it-token", FEE_PAYLOAD)
    messages = env.answers("it-token", before + 1)
    assert any("lệ phí" in text_of(m).lower() for m in messages[before:])
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
        return env.step(user, event_or_text)

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


def test_a_citizen_who_only_types_files_a_report_over_zalo(env):
    """Issue 11: no button pressed, no diacritics in most answers. The kind comes from the opening
    message, the photo and the Zalo location reach the stored report, "xong" and "gui" (the titles
    of the buttons "Xong" and "Gửi") act as the buttons, and the citizen gets a code and how to ask
    for the status."""
    import re

    from anninh.reports import ReportStore, load_reports_content

    user = "it-typed"

    def step(event_or_text: Any) -> str:
        return env.step(user, event_or_text)

    description = "co nguoi cam dao doa chem nguoi o cho Soc Giang roi bo chay ve phia cau"
    asked = step("em muon to giac mot vu cam dao doa chem nguoi")
    assert "kể lại sự việc" in asked and "nội dung nào" not in asked, asked  # kind not asked again
    assert "ở đâu" in step(description)
    assert "khi nào" in step(location_event(env.account["oa_id"], user, lat="22.66568", lon="106.25790"))
    step("khoang 8 gio toi qua")
    evidence = step(image_event(env.account["oa_id"], user, url="https://photo.zdn.vn/dao.jpg"))
    assert "1 tệp" in evidence, evidence
    assert "họ tên" in step("xong")
    summary = step("Lý Văn Sáng 0912 345 678")
    assert "22.66568" in summary and "Lý Văn Sáng" in summary and "0912345678" not in summary, summary
    done = step("gui")
    code = re.search(r"\bTG-\d{4}-\d{6}\b", done).group()
    assert f"tra cứu {code}" in done, done
    store = ReportStore.open(env.stack.reports_db_url)
    try:
        report = store.get(code)
        assert report.kind == "to_giac" and report.description == description
        assert report.place_text == "Vị trí gửi qua Zalo (22.66568, 106.25790)"
        assert (report.latitude, report.longitude) == (22.66568, 106.2579)
        assert report.unit == load_reports_content().default_unit  # a location names no commune
        assert [a.url for a in report.attachments] == ["https://photo.zdn.vn/dao.jpg"]
        assert (report.contact_name, report.contact_phone) == ("Lý Văn Sáng", "0912345678")
        assert report.channel == "zalo" and report.sender_id == env.sender(user)
    finally:
        store.close()
    typed = [e["text"] for e in env.user_events(user)]
    assert typed[-1] == "/affirm" and "/affirm" in typed  # "xong" and "gui" became the buttons' payloads
    sent = env.fake.messages_to(user)
    assert all(m["user_id"] == user for m in sent) and code in text_of(sent[-1])

    # The officer handles it with the command-line tool, configured only as an operator would
    # (ZALO_* and the files of the running server): the status change and the published result
    # reach the citizen in Zalo as replies to their last message.
    import subprocess
    import sys

    cli_env = {**env.stack.env(), "REPORTS_DB_URL": env.stack.reports_db_url,
               "REPORTS_ZALO_CREDENTIALS": str(env.stack.work_dir / "credentials.yml"),
               "REPORTS_TRACKER_ENDPOINTS": str(env.stack.work_dir / "endpoints.yml")}

    def officer(*args: str, extra: Dict[str, str] = None) -> subprocess.CompletedProcess:
        res = subprocess.run([sys.executable, "-m", "anninh.officer", *args], capture_output=True,
                             text=True, timeout=180, env={**cli_env, **(extra or {})})
        assert res.returncode == 0, (args, res.stdout, res.stderr)
        return res

    last_user_msg = env.user_events(user)[-1]["metadata"]["zalo"]["msg_id"]
    env.fake.note_inbound(env.account["oa_id"], user, last_user_msg)  # what Zalo knows of it
    before = len(env.fake.messages_to(user))
    assert "sent to the citizen" in officer("status", code, "dang_xu_ly").stdout
    result = "Công an xã Hòa An đã xác minh, xử lý đối tượng Nông Văn Tài theo quy định."
    assert "sent to the citizen" in officer("status", code, "da_giai_quyet").stdout
    officer("publish", code, "--text", result, "--yes")
    news = env.fake.messages_to(user)[before:]
    assert len(news) == 3 and all(m["reply_to"] == last_user_msg for m in news), news
    assert "Đang xử lý" in text_of(news[0]) and "Đã giải quyết" in text_of(news[1])
    assert "Công an xã Hòa An đã xác minh" in text_of(news[2]) and "Nông Văn Tài" not in text_of(news[2])

    # Outside the reply window nothing is sent; the audit trail (officer show) says so.
    time.sleep(1.0)
    officer("notify", code, extra={"REPORTS_REPLY_WINDOW_HOURS": "0.0001"})
    assert len(env.fake.messages_to(user)) == before + 3
    assert "not delivered: outside the reply window" in officer("show", code).stdout


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


def test_status_change_reaches_the_citizen_through_the_connector_inside_the_window_only(env):
    """The production notifier beside the running server: the same token store (zalo.db), the
    conversation the channel stored in the tracker store, the fake API. Inside the reply window
    the status change quotes the citizen's last message; outside it nothing is sent and the
    report's audit trail says so."""
    from anninh.reports import NewReport, ReportStore, load_reports_content
    from anninh.reports.notify import default_notifier, notify_report_sync

    user, msg_id = "it-notify", f"it-notify-{int(time.time() * 1000)}"
    env.fake.note_inbound(env.account["oa_id"], user, msg_id)  # what Zalo knows of the message
    env.say(user, "xin chào", msg_id=msg_id)
    env.answers(user)
    answered = len(env.fake.messages_to(user))
    settings = {k: v for k, v in env.stack.env().items() if k.startswith("ZALO_")}
    settings.update({"REPORTS_ZALO_CREDENTIALS": str(env.stack.work_dir / "credentials.yml"),
                     "REPORTS_TRACKER_ENDPOINTS": str(env.stack.work_dir / "endpoints.yml")})
    store = ReportStore.open(env.stack.reports_db_url, migrate=True)
    try:
        code = store.create_report(NewReport(kind="phan_anh", description="Karaoke ồn ào sau 23 giờ",
                                             oa_id=env.account["oa_id"], sender_id=env.sender(user))).code
        report = store.transition(code, "in_progress", actor="Đại úy Nông Văn A")
        text = load_reports_content().status_changed_text(report)
        inside = notify_report_sync(store, code, text, default_notifier(settings), trigger="status:in_progress",
                                    actor="Đại úy Nông Văn A")
        assert inside.ok, inside
        [sent] = env.fake.messages_to(user)[answered:]
        assert sent["reply_to"] == msg_id and code in text_of(sent)

        time.sleep(1.0)  # a window of 0.36 s has now passed since the citizen's message
        narrow = default_notifier({**settings, "REPORTS_REPLY_WINDOW_HOURS": "0.0001"})
        outside = notify_report_sync(store, code, text, narrow, trigger="status:in_progress",
                                     actor="Đại úy Nông Văn A")
        assert outside.not_sent and outside.error.startswith("not delivered: outside the reply window")
        assert len(env.fake.messages_to(user)) == answered + 1
        trail = [(e.new_value, e.details.get("reply_to")) for e in store.audit_trail(code) if e.action == "notify"]
        assert trail == [("ok", msg_id), ("skipped", None)]
    finally:
        store.close()
