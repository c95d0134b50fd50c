"""The production Zalo notifier end to end: the connector's token store and client against the fake
Zalo API over real HTTP, the citizen's last message from a real Rasa tracker store (SQLite file),
the reports on SQLite and PostgreSQL. Inside the reply window the notification quotes the
citizen's last message_id; outside it nothing is sent and the audit trail says why."""
import asyncio
import os
import time

import pytest

from anninh.reports.conversations import TrackerConversations
from anninh.reports.model import NewReport
from anninh.reports.notify import default_notifier, notify_report_sync
from anninh.reports.reply_window import OUTSIDE, LastInbound, ReplyWindow
from anninh.reports.texts import load_reports_content
from anninh.reports.zalo_notifier import ZaloConnectorNotifier
from tests.fakes.fake_zalo import FakeZalo

OA, APP, APP_KEY = "4300000000000123", "1200000000000123", "app-secret-123"
OFFICER = "Thiếu tá Bế Văn Long"
HOUR = 3600.0


@pytest.fixture(scope="module")
def fake():
    fake = FakeZalo().start_in_thread()
    yield fake
    fake.stop_thread()


SQLITE_TRACKER = "tracker_store:\n  type: components.tracker_store.SQLiteTrackerStore\n  db: {tmp}/tracker.db\n"
PG_TRACKER = ("tracker_store:\n  type: components.tracker_store.CachingSQLTrackerStore\n  dialect: postgresql\n"
              "  url: 127.0.0.1\n  port: 5432\n  db: test\n  username: postgres\n")


@pytest.fixture
def zalo_env(fake, tmp_path):
    return _zalo_env(fake, tmp_path, SQLITE_TRACKER.format(tmp=tmp_path))


@pytest.fixture
def pg_tracker_env(fake, tmp_path, pg_error, monkeypatch):
    """Conversations in PostgreSQL (as endpoints.production.yml), in a schema of this test's own."""
    import uuid

    from sqlalchemy import create_engine, text

    from .conftest import _drop_schema, require_pg
    from .helpers import PG_URL

    require_pg(pg_error)
    schema = f"rtest_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(PG_URL, future=True)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    monkeypatch.setenv("POSTGRESQL_SCHEMA", schema)  # how Rasa's SQL tracker store takes a schema
    try:
        yield _zalo_env(fake, tmp_path, PG_TRACKER)
    finally:
        _drop_schema(schema)


def _zalo_env(fake, tmp_path, tracker_store: str):
    pair = fake.issue_tokens(OA, APP, APP_KEY)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(tracker_store, encoding="utf-8")
    return {"ZALO_OA_ID": OA, "ZALO_APP_ID": APP, "ZALO_OA_SECRET_KEY": "oa-secret",
            "ZALO_APP_SECRET_KEY": APP_KEY, "ZALO_REFRESH_TOKEN": pair["refresh_token"],
            "ZALO_API_BASE_URL": fake.url, "ZALO_OAUTH_BASE_URL": fake.url,
            "ZALO_DB_PATH": str(tmp_path / "zalo.db"), "REPORTS_TRACKER_ENDPOINTS": str(endpoints),
            "REPORTS_ZALO_CREDENTIALS": str(tmp_path / "no-credentials.yml")}


def converse(env, fake, user: str, age_hours: float, bot_replies: int = 1, shared_phone: str = "") -> str:
    """The citizen wrote ``age_hours`` ago (tracker store and fake API agree), after sharing
    ``shared_phone`` through request_user_info if given; the assistant answered ``bot_replies``
    times. Returns the citizen's msg_id."""
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    at = time.time() - age_hours * HOUR
    msg_id = f"msg-{user}-{int(at)}"
    fake.note_inbound(OA, user, msg_id, at=at)
    events = []
    if shared_phone:
        events.append(UserUttered("/share_info", timestamp=at - 60, input_channel="zalo", metadata={"zalo": {
            "oa_id": OA, "user_id": user, "event_name": "user_submit_info", "msg_id": f"info-{user}",
            "timestamp": str(int((at - 60) * 1000)), "user_info": {"name": "Nông Văn A", "phone": shared_phone}}}))
    events.append(UserUttered("em muốn tố giác", timestamp=at, input_channel="zalo", message_id=msg_id,
                              metadata={"zalo": {"oa_id": OA, "user_id": user, "msg_id": msg_id,
                                                 "event_name": "user_send_text",
                                                 "timestamp": str(int(at * 1000))}}))
    events += [BotUttered(f"Dạ {i}", timestamp=at + 1 + i) for i in range(bot_replies)]
    store = TrackerConversations.from_endpoints(environ=env)._store
    asyncio.run(store.save(DialogueStateTracker.from_events(f"{OA}:{user}", events)))
    return msg_id


def report(store, user: str) -> str:
    return store.create_report(NewReport(kind="to_giac", description="Trộm xe máy ở chợ", oa_id=OA,
                                         sender_id=f"{OA}:{user}")).code


def notes(store, code):
    return [e for e in store.audit_trail(code) if e.action == "notify"]


def test_status_change_and_officer_reply_inside_the_window(db, fake, zalo_env):
    store = db.store()
    user = f"u-in-{db.backend}"
    msg_id = converse(zalo_env, fake, user, age_hours=2)
    code = report(store, user)
    notifier = default_notifier(zalo_env)
    assert isinstance(notifier, ZaloConnectorNotifier)

    changed = store.transition(code, "in_progress", actor=OFFICER)
    text = load_reports_content().status_changed_text(changed)
    result = notify_report_sync(store, code, text, notifier, trigger="status:in_progress", actor=OFFICER)
    assert result.ok and result.reply_to == msg_id, result
    reply = notify_report_sync(store, code, "Dạ, mời anh mang giấy đăng ký xe đến trụ sở.",
                               default_notifier(zalo_env), trigger="officer_reply", actor="account:lan")
    assert reply.ok, reply

    store.transition(code, "resolved", actor=OFFICER)
    published = store.publish_result(code, "Đã xác minh, trả lại xe cho người bị hại.", actor=OFFICER)
    result = notify_report_sync(store, code, load_reports_content().result_published_text(published),
                                notifier, trigger="published", actor=OFFICER)
    assert result.ok, result

    sent = fake.messages_to(user)
    assert [(m["reply_to"], m["oa_id"]) for m in sent] == [(msg_id, OA)] * 3
    assert code in sent[0]["message"]["text"] and "giấy đăng ký xe" in sent[1]["message"]["text"]
    assert "trả lại xe cho người bị hại" in sent[2]["message"]["text"]
    trail = notes(store, code)
    assert [(e.new_value, e.actor, e.details["trigger"], e.details["reply_to"]) for e in trail] == [
        ("ok", OFFICER, "status:in_progress", msg_id), ("ok", "account:lan", "officer_reply", msg_id),
        ("ok", OFFICER, "published", msg_id)]
    store.close()


def test_conversations_in_postgresql(fake, pg_tracker_env, sqlite_db):
    """The citizen's last message read from a PostgreSQL tracker store: inside, then outside."""
    store = sqlite_db.store()
    inside, outside = "u-pg-in", "u-pg-out"
    msg_id = converse(pg_tracker_env, fake, inside, age_hours=3)
    converse(pg_tracker_env, fake, outside, age_hours=50)
    notifier = default_notifier(pg_tracker_env)
    ok = notify_report_sync(store, report(store, inside), "Dạ, đã nhận.", notifier, trigger="t", actor=OFFICER)
    no = notify_report_sync(store, report(store, outside), "Dạ, đã nhận.", notifier, trigger="t", actor=OFFICER)
    assert ok.ok and ok.reply_to == msg_id and [m["reply_to"] for m in fake.messages_to(inside)] == [msg_id]
    assert no.not_sent and "50.0 h old" in no.error and fake.messages_to(outside) == []
    store.close()


def test_outside_the_window_nothing_is_sent_and_the_trail_says_so(db, fake, zalo_env):
    store = db.store()
    old_user, busy_user = f"u-old-{db.backend}", f"u-busy-{db.backend}"
    converse(zalo_env, fake, old_user, age_hours=49)
    converse(zalo_env, fake, busy_user, age_hours=1, bot_replies=6)
    old_code, busy_code = report(store, old_user), report(store, busy_user)
    notifier = default_notifier(zalo_env)

    result = notify_report_sync(store, old_code, "Dạ, tin của anh đang được xử lý.", notifier,
                                trigger="status:in_progress", actor=OFFICER)
    assert not result.ok and result.not_sent and result.error.startswith(OUTSIDE), result
    assert "49.0 h old" in result.error

    # 6 assistant replies + 1 notification = 7 < 8; the next one would be the 9th OA message.
    outcomes = [notify_report_sync(store, busy_code, f"Tin {i}", notifier, trigger="officer_reply",
                                   actor="account:lan") for i in range(3)]
    assert [r.ok for r in outcomes] == [True, True, False]
    assert outcomes[2].not_sent and "8 OA messages" in outcomes[2].error

    assert fake.messages_to(old_user) == [] and len(fake.messages_to(busy_user)) == 2
    [skipped] = notes(store, old_code)
    assert skipped.new_value == "skipped" and skipped.details["error"].startswith(OUTSIDE)
    assert [e.new_value for e in notes(store, busy_code)] == ["ok", "ok", "skipped"]
    store.close()


def test_a_window_wider_than_zalos_is_refused_by_zalo_and_recorded(db, fake, zalo_env):
    """The operator chose 7 days; Zalo (here the fake, 48 h) refuses the quoted reply: -232."""
    store = db.store()
    user = f"u-wide-{db.backend}"
    converse(zalo_env, fake, user, age_hours=60)
    code = report(store, user)
    env = {**zalo_env, "REPORTS_REPLY_WINDOW_HOURS": "168", "REPORTS_REPLY_WINDOW_MESSAGES": "0"}
    result = notify_report_sync(store, code, "Dạ", default_notifier(env), trigger="t", actor=OFFICER)
    assert not result.ok and not result.not_sent and result.error_code == -232, result
    [entry] = notes(store, code)
    assert entry.new_value == "failed" and entry.details["error_code"] == -232
    store.close()


def test_no_conversation_on_record_is_outside_the_window(db, fake, zalo_env):
    store = db.store()
    code = report(store, f"u-none-{db.backend}")
    result = notify_report_sync(store, code, "Dạ", default_notifier(zalo_env), trigger="t", actor=OFFICER)
    assert result.not_sent and "no message from the citizen" in result.error
    rest = store.create_report(NewReport(kind="kien_nghi", description="x", channel="rest", sender_id="web-1")).code
    result = notify_report_sync(store, rest, "Dạ", default_notifier(zalo_env), trigger="t", actor=OFFICER)
    assert result.not_sent and "not handled" in result.error
    assert [e.new_value for e in notes(store, rest)] == ["skipped"]
    store.close()


def test_zns_template_outside_the_window_with_the_citizens_consent(db, fake, zalo_env):
    """Outside the window, a citizen who shared their phone through request_user_info gets the
    operator's ZNS template (code and status); one who did not gets nothing, recorded."""
    store = db.store()
    fake.add_zns_template("tpl-123456")
    env = {**zalo_env, "REPORTS_ZNS_TEMPLATE_ID": "tpl-123456", "REPORTS_ZNS_BASE_URL": fake.url}
    consented, silent = f"u-zns-{db.backend}", f"u-nozns-{db.backend}"
    converse(env, fake, consented, age_hours=100, shared_phone="0912 345 678")
    converse(env, fake, silent, age_hours=100)
    code, silent_code = report(store, consented), report(store, silent)
    store.transition(code, "in_progress", actor=OFFICER)
    before = len(fake.zns_messages)

    result = notify_report_sync(store, code, "Dạ, tin đang được xử lý.", default_notifier(env),
                                trigger="status:in_progress", actor=OFFICER)
    assert result.ok and result.via == "zns", result
    [zns] = fake.zns_messages[before:]
    assert (zns["oa_id"], zns["phone"], zns["template_id"]) == (OA, "84912345678", "tpl-123456")
    assert zns["template_data"] == {"code": code, "status": "Đang xử lý"}
    assert fake.messages_to(consented) == []  # no consultation message outside the window
    [entry] = notes(store, code)
    assert entry.new_value == "ok" and entry.details["via"] == "zns"

    refused = notify_report_sync(store, silent_code, "Dạ", default_notifier(env), trigger="t", actor=OFFICER)
    assert refused.not_sent and "no phone shared" in refused.error and len(fake.zns_messages) == before + 1
    wrong = {**env, "REPORTS_ZNS_TEMPLATE_ID": "tpl-unknown"}
    failed = notify_report_sync(store, code, "Dạ", default_notifier(wrong), trigger="t", actor=OFFICER)
    assert not failed.ok and failed.error_code == -124 and failed.via == "zns"
    store.close()


def test_default_notifier_without_zalo(monkeypatch):
    assert default_notifier({}) is None
    env = {"REPORTS_NOTIFIER": "zalo:tests.reports.fakezalo:send_text"}
    assert type(default_notifier(env)).__name__ == "ZaloNotifier"
    with pytest.raises(ValueError, match="ZALO_APP_ID"):
        default_notifier({"ZALO_OA_ID": "1", "REPORTS_ZALO_CREDENTIALS": "/nonexistent.yml"})


def test_a_tracker_store_that_cannot_be_read_is_a_clear_error(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: no.such.module.Store\n", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot be loaded"):
        TrackerConversations.from_endpoints(str(endpoints))
    (tmp_path / "none.yml").write_text("action_endpoint:\n  url: http://localhost:1/webhook\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no tracker_store"):
        TrackerConversations.from_endpoints(str(tmp_path / "none.yml"))
    with pytest.raises(ValueError, match="does not exist"):
        TrackerConversations.from_endpoints(str(tmp_path / "missing.yml"))


def test_reply_window_rules():
    window = ReplyWindow.from_env({"REPORTS_REPLY_WINDOW_HOURS": "48", "REPORTS_REPLY_WINDOW_MESSAGES": "8"})
    now = 1_000_000.0
    assert window.outside_reason(LastInbound("m", now - 47 * HOUR, 7), now) is None
    assert OUTSIDE in window.outside_reason(LastInbound("m", now - 49 * HOUR, 0), now)
    assert OUTSIDE in window.outside_reason(LastInbound("m", now - HOUR, 8), now)
    assert OUTSIDE in window.outside_reason(None, now)
    assert ReplyWindow(hours=168, messages=0).outside_reason(LastInbound("m", now - 100 * HOUR, 50), now) is None
    for bad in ({"REPORTS_REPLY_WINDOW_HOURS": "0"}, {"REPORTS_REPLY_WINDOW_MESSAGES": "-1"},
                {"REPORTS_REPLY_WINDOW_HOURS": "two days"}):
        with pytest.raises(ValueError):
            ReplyWindow.from_env(bad)


def test_officer_cli_status_reply_and_show(db, fake, zalo_env):
    """``python -m anninh.officer`` with only the ZALO_* settings (no --notifier): the status
    change and the officer's reply reach the citizen as quoted replies;
    for a citizen outside the window, ``reply`` sends nothing and ``show`` says so."""
    from .helpers import run_cli

    store = db.store()
    user, old_user = f"u-cli-{db.backend}", f"u-cli-old-{db.backend}"
    msg_id = converse(zalo_env, fake, user, age_hours=1)
    converse(zalo_env, fake, old_user, age_hours=72)
    code, old_code = report(store, user), report(store, old_user)
    store.close()
    env = dict(zalo_env)

    def cli(*args):
        res = run_cli(db.cli_args() + list(args), env_extra=env)
        assert res.returncode == 0, (args, res.stdout, res.stderr)
        return res

    assert "sent to the citizen" in cli("status", code, "dang_xu_ly").stdout
    assert "sent to the citizen" in cli("reply", code, "--text", "Dạ, mời anh đến trụ sở xã Hà Quảng.").stdout
    texts = [m["message"]["text"] for m in fake.messages_to(user)]
    assert len(texts) == 2 and code in texts[0] and texts[1] == "Dạ, mời anh đến trụ sở xã Hà Quảng."
    assert {m["reply_to"] for m in fake.messages_to(user)} == {msg_id}

    res = cli("reply", old_code, "--text", "Dạ, anh cho xin số điện thoại.")
    assert "not delivered: outside the reply window" in res.stderr
    assert fake.messages_to(old_user) == []
    show = cli("show", old_code).stdout
    assert "skipped: not delivered: outside the reply window" in show and "officer_reply" in show
    bad = run_cli(db.cli_args() + ["reply", code, "--text", "   "], env_extra=env)
    assert bad.returncode == 2 and "empty" in bad.stderr
