"""Notifications through a real local HTTP server answering like the Zalo OA API."""
import asyncio
import os

import pytest

from anninh.reports.model import NewReport, NotifyResult
from anninh.reports.notify import (Notifier, ZaloNotifier, load_notifier, notify_report,
                                   notify_report_sync, send_text_via_client)
from anninh.reports.texts import load_reports_content

from . import fakezalo
from .httpserver import LocalServer

OFFICER = "Thiếu tá Bế Văn Long"


@pytest.fixture(scope="module")
def zalo():
    received = []
    with LocalServer(lambda app: fakezalo.setup_zalo_app(app, received)) as srv:
        old = os.environ.get("FAKE_ZALO_URL")
        os.environ["FAKE_ZALO_URL"] = srv.url()
        srv.received = received
        try:
            yield srv
        finally:
            if old is None:
                os.environ.pop("FAKE_ZALO_URL", None)
            else:
                os.environ["FAKE_ZALO_URL"] = old


def test_status_change_notifies_through_zalo(db, zalo):
    store = db.store()
    content = load_reports_content()
    ok_code = store.create_report(NewReport(kind="to_giac", description="x", oa_id="oa-1", sender_id="user-active")).code
    old_code = store.create_report(NewReport(kind="phan_anh", description="y", oa_id="oa-1", sender_id="user-silent")).code
    notifier = ZaloNotifier(fakezalo.send_text)
    assert isinstance(notifier, Notifier)
    zalo.received.clear()

    for code in (ok_code, old_code):
        report = store.transition(code, "in_progress", actor=OFFICER)
        text = content.status_changed_text(report)
        assert code in text and "Đang xử lý" in text
        result = notify_report_sync(store, code, text, notifier, trigger="status:in_progress", actor=OFFICER)
        if code == ok_code:
            assert result == NotifyResult(True, None, None)
        else:
            assert not result.ok and result.error_code == -230 and "7 days" in result.error

    assert [(m["user_id"], m["token"]) for m in zalo.received] == [("user-active", "token-for-oa-1"),
                                                                   ("user-silent", "token-for-oa-1")]
    assert ok_code in zalo.received[0]["text"]
    [ok_entry] = [e for e in store.audit_trail(ok_code) if e.action == "notify"]
    assert ok_entry.new_value == "ok" and ok_entry.actor == OFFICER
    assert ok_entry.details["trigger"] == "status:in_progress" and ok_code in ok_entry.details["text"]
    [refused] = [e for e in store.audit_trail(old_code) if e.action == "notify"]
    assert refused.new_value == "failed" and refused.details["error_code"] == -230
    store.close()


def test_failures_are_recorded_never_raised(db, zalo):
    store = db.store()
    code = store.create_report(NewReport(kind="to_giac", description="x", oa_id="oa-1", sender_id="user-active")).code
    web_code = store.create_report(NewReport(kind="to_giac", description="x", channel="web", sender_id="w1")).code
    no_sender = store.create_report(NewReport(kind="to_giac", description="x", oa_id="oa-1")).code

    async def refused_connection(oa, user, text):
        return await fakezalo_send_to("http://127.0.0.1:9", oa, user, text)

    async def hangs(oa, user, text):
        await asyncio.sleep(10)

    async def raises(oa, user, text):
        raise RuntimeError("token expired for 0912345678")

    r1 = notify_report_sync(store, code, "t", ZaloNotifier(refused_connection), trigger="test")
    r2 = notify_report_sync(store, code, "t", ZaloNotifier(hangs, timeout=0.2), trigger="test")
    r3 = notify_report_sync(store, code, "t", ZaloNotifier(raises), trigger="test")
    r4 = notify_report_sync(store, web_code, "t", ZaloNotifier(fakezalo.send_text), trigger="test")
    r5 = notify_report_sync(store, no_sender, "t", ZaloNotifier(fakezalo.send_text), trigger="test")
    r6 = notify_report_sync(store, code, "t", None, trigger="test")
    assert not any(r.ok for r in (r1, r2, r3, r4, r5, r6))
    assert "ClientConnectorError" in r1.error or "Connect" in r1.error
    assert "within 0.2 s" in r2.error
    assert r3.error == "RuntimeError: token expired for [PHONE]"
    assert "not handled" in r4.error and "sender" in r5.error and "no notifier" in r6.error
    outcomes = [e.new_value for e in store.audit_trail(code) if e.action == "notify"]
    assert outcomes == ["failed", "failed", "failed", "skipped"]
    assert [e.new_value for e in store.audit_trail(no_sender) if e.action == "notify"] == ["skipped"]
    store.close()


async def fakezalo_send_to(base, oa, user, text):
    old = os.environ["FAKE_ZALO_URL"]
    os.environ["FAKE_ZALO_URL"] = base
    try:
        return await fakezalo.send_text(oa, user, text)
    finally:
        os.environ["FAKE_ZALO_URL"] = old


def test_async_notify_from_a_running_loop(db, zalo):
    store = db.store()
    code = store.create_report(NewReport(kind="kien_nghi", description="x", oa_id="oa-2", sender_id="user-active")).code
    result = asyncio.run(notify_report(store, code, "Xin chào", ZaloNotifier(fakezalo.send_text), trigger="t"))
    assert result.ok and zalo.received[-1]["text"] == "Xin chào"
    store.close()


def test_load_notifier_specs(monkeypatch):
    monkeypatch.delenv("REPORTS_NOTIFIER", raising=False)
    assert load_notifier(None) is None and load_notifier("none") is None
    n = load_notifier("zalo:tests.reports.fakezalo:send_text")
    assert isinstance(n, ZaloNotifier)
    monkeypatch.setenv("REPORTS_NOTIFIER", "zalo:tests.reports.fakezalo:send_text")
    assert isinstance(load_notifier(None), ZaloNotifier)
    for bad in ("zalo", "sms:x:y", "zalo:no.such.module:f", "zalo:tests.reports.fakezalo:nope",
                "factory:tests.reports.fakezalo:SEND_PATH"):
        with pytest.raises(ValueError):
            load_notifier(bad)


def test_adapter_for_a_connector_client(db):
    class ApiError(Exception):
        def __init__(self, code, message):
            super().__init__(message)
            self.code, self.message = code, message

    class Client:
        def __init__(self):
            self.sent = []

        async def send_message(self, oa_id, user_id, message):
            if user_id == "user-silent":
                raise ApiError(-230, "user has not interacted with the OA in the last 7 days")
            self.sent.append((oa_id, user_id, message))
            return {"message_id": "1"}

    client = Client()
    notifier = ZaloNotifier(send_text_via_client(client))
    store = db.store()
    ok = store.create_report(NewReport(kind="to_giac", description="x", oa_id="oa", sender_id="user-a")).code
    no = store.create_report(NewReport(kind="to_giac", description="x", oa_id="oa", sender_id="user-silent")).code
    assert notify_report_sync(store, ok, "hello", notifier, trigger="t").ok
    assert client.sent == [("oa", "user-a", {"text": "hello"})]
    refused = notify_report_sync(store, no, "hello", notifier, trigger="t")
    assert (refused.ok, refused.error_code) == (False, -230) and "7 days" in refused.error
    store.close()
