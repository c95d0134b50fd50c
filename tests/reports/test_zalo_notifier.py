"""The production Zalo notifier end to end: the connector's token store and client against the fake
Zalo API over real HTTP, the citizen's last message from a real Rasa tracker store (SQLite file),
the reports on SQLite and PostgreSQL. Inside the reply window the notification quotes the
citizen's last message_id; outside it nothing is sent and the audit trail says why."""
import asyncio
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


@pytest.fixture
def zalo_env(fake, tmp_path):
    pair = fake.issue_tokens(OA, APP, APP_KEY)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: components.tracker_store.SQLiteTrackerStore\n"
                         f"  db: {tmp_path / 'tracker.db'}\n", encoding="utf-8")
    return {"ZALO_OA_ID": OA, "ZALO_APP_ID": APP, "ZALO_OA_SECRET_KEY": "oa-secret",
            "ZALO_APP_SECRET_KEY": APP_KEY, "ZALO_REFRESH_TOKEN": pair["refresh_token"],
            "ZALO_API_BASE_URL": fake.url, "ZALO_OAUTH_BASE_URL": fake.url,
            "ZALO_DB_PATH": str(tmp_path / "zalo.db"), "REPORTS_TRACKER_ENDPOINTS": str(endpoints),
            "REPORTS_ZALO_CREDENTIALS": str(tmp_path / "no-credentials.yml")}


def converse(env, fake, user: str, age_hours: float, bot_replies: int = 1) -> str:
    """The citizen wrote ``age_hours`` ago (tracker store and fake API agree); the assistant
    answered ``bot_replies`` times. Returns the citizen's msg_id."""
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    at = time.time() - age_hours * HOUR
    msg_id = f"msg-{user}-{int(at)}"
    fake.note_inbound(OA, user, msg_id, at=at)
    events = [UserUttered("em muốn tố giác", timestamp=at, input_channel="zalo", message_id=msg_id,
                          metadata={"zalo": {"oa_id": OA, "user_id": user, "msg_id": msg_id,
                                             "timestamp": str(int(at * 1000))}})]
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

    sent = fake.messages_to(user)
    assert [(m["reply_to"], m["oa_id"]) for m in sent] == [(msg_id, OA), (msg_id, OA)]
    assert code in sent[0]["message"]["text"] and "giấy đăng ký xe" in sent[1]["message"]["text"]
    trail = notes(store, code)
    assert [(e.new_value, e.actor, e.details["trigger"], e.details["reply_to"]) for e in trail] == [
        ("ok", OFFICER, "status:in_progress", msg_id), ("ok", "account:lan", "officer_reply", msg_id)]
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
    store.close()


def test_default_notifier_without_zalo(monkeypatch):
    assert default_notifier({}) is None
    env = {"REPORTS_NOTIFIER": "zalo:tests.reports.fakezalo:send_text"}
    assert type(default_notifier(env)).__name__ == "ZaloNotifier"
    with pytest.raises(ValueError, match="ZALO_APP_ID"):
        default_notifier({"ZALO_OA_ID": "1", "REPORTS_ZALO_CREDENTIALS": "/nonexistent.yml"})


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
