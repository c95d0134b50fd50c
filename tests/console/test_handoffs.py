"""Conversations waiting for an officer and the figures pages, against a real console server
(SQLite and PostgreSQL) and the fake Zalo API: authorisation of every new route (unit A never
sees unit B's conversations or figures), take / reply / hand back, overdue requests, charts,
tables and CSV files."""
from __future__ import annotations

import csv
import io

import pytest

from anninh.reports import figures as F
from anninh.reports.handoff import HandoffStore
from tests.console.harness import Console, add_chat, add_handoff
from tests.console.test_authorization import ROUTES
from tests.console.test_browser import driver  # noqa: F401 (fixture)

HANDOFF_ROUTES = sorted(e for e, v in ROUTES.items() if v[2] == "handoff")
FIGURE_ROUTES = sorted(e for e, v in ROUTES.items() if v[2] == "figures")


def _handoffs(console: Console) -> HandoffStore:
    return HandoffStore(console.store.engine)


def _state(console: Console, hid: int):
    h = _handoffs(console).require(hid)
    return h.status, h.taken_by, len(_handoffs(console).replies(hid))


def _call(browser, method: str, path: str):
    return browser.get(path) if method == "GET" else browser.post(path, {"text": "Dạ", "note": "x"})


@pytest.mark.parametrize("who", ["officer_b", "head_b"])
def test_other_unit_never_sees_or_touches_a_waiting_conversation(console, who):
    hid = add_handoff(console, "A", f"h-other-{who}")
    browser = console.session(who)
    before = _state(console, hid)
    for endpoint in HANDOFF_ROUTES:
        method, template, _ = ROUTES[endpoint]
        r = _call(browser, method, template.format(handoff=hid))
        assert r.status_code == 404, (endpoint, who, r.status_code)
        assert "gap can bo" not in r.text
    assert _state(console, hid) == before
    assert console.fake.messages_to(console.user(f"h-other-{who}")) == []
    assert f"/h/{hid}" not in browser.get("/h/").text
    assert f"/h/{hid}" in console.session("officer_a").get("/h/").text
    assert f"/h/{hid}" in console.session("admin").get("/h/").text


def test_take_reply_poll_and_hand_back(console):
    tag = "h-flow"
    hid = add_handoff(console, "A", tag)
    officer = console.session("officer_a")
    page = officer.get(f"/h/{hid}")
    assert page.status_code == 200
    assert "[PHONE]" in page.text and "0912345678" not in page.text  # phones masked
    assert "Chưa ai nhận" in page.text
    assert officer.post(f"/h/{hid}/take").status_code == 302
    assert _handoffs(console).require(hid).taken_by == "officer_a"
    # a colleague sees who answers and may not reply; the unit head may take over
    colleague = console.session("victim")
    assert "officer_a" in colleague.get(f"/h/{hid}").text
    assert colleague.post(f"/h/{hid}/reply", {"text": "Dạ, chen ngang"}).status_code == 403
    assert colleague.post(f"/h/{hid}/take").status_code == 302
    assert _handoffs(console).require(hid).taken_by == "officer_a"
    # the reply goes to the citizen over Zalo, quoting their last message
    r = officer.post(f"/h/{hid}/reply", {"text": "Dạ, tôi là cán bộ công an xã, xin nghe anh/chị."})
    assert r.status_code == 302
    [sent] = console.fake.messages_to(console.user(tag))
    assert sent["message"]["text"] == "Dạ, tôi là cán bộ công an xã, xin nghe anh/chị."
    assert "Đã gửi tin cho người dân." in officer.get(f"/h/{hid}").text
    [reply] = _handoffs(console).replies(hid)
    assert (reply.actor, reply.outcome, reply.reply_to) == ("officer_a", "ok", f"msg-{console.user(tag)}-0")
    # what the citizen writes meanwhile reaches the page's poll
    add_chat(console, console.user(tag), [("user", "cho toi gap can bo, sdt 0912345678"),
                                          ("bot", "Dạ, cán bộ sẽ trả lời"), ("user", "em o xa Ha Quang")])
    data = officer.get(f"/h/{hid}/poll").json()
    assert data["lines"][-1]["text"] == "em o xa Ha Quang" and data["taken_by"] == "officer_a"
    assert data["replies"][0]["outcome"] == "ok"
    head = console.session("head_a")
    head.get(f"/h/{hid}")
    assert head.post(f"/h/{hid}/take", {"force": "1"}).status_code == 302
    assert _handoffs(console).require(hid).taken_by == "head_a"
    assert head.post(f"/h/{hid}/handback", {"note": "đã hướng dẫn"}).status_code == 302
    h = _handoffs(console).require(hid)
    assert h.status == "closed" and h.closed_by == "account:head_a"
    assert f"/h/{hid}\"" not in officer.get("/h/").text


def test_reply_outside_the_window_is_not_sent_and_says_so(console):
    tag = "h-old"
    hid = add_handoff(console, "A", tag, chat_age_hours=60)
    officer = console.session("officer_a")
    officer.get(f"/h/{hid}")
    officer.post(f"/h/{hid}/reply", {"text": "Dạ"})
    assert console.fake.messages_to(console.user(tag)) == []
    [reply] = _handoffs(console).replies(hid)
    assert reply.outcome == "not_sent" and "outside the reply window" in reply.error
    assert "Chưa gửi được" in officer.get(f"/h/{hid}").text


def test_nobody_took_it_in_time_is_overdue(console):
    hid = add_handoff(console, "B", "h-late", minutes_ago=45)
    page = console.session("officer_b").get("/h/").text
    assert f'id="handoff-{hid}" class="overdue"' in page
    assert 'id="handoff-overdue-count" class="late">Quá hạn chưa ai nhận: 1' in page
    assert 'id="handoff-overdue-count" class="">' in console.session("officer_a").get("/h/").text
    # every page's menu tells that citizens wait, in red when one waits too long (the count is
    # at most BADGE_TTL_S old: an earlier page of this module may have cached the count before)
    import time

    from anninh.console.views.handoffs import BADGE_TTL_S
    deadline = time.monotonic() + BADGE_TTL_S + 2
    while '<span class="badge late">1</span>' not in (home := console.session("head_b").get("/").text):
        assert time.monotonic() < deadline, home
        time.sleep(0.5)


def test_figures_are_for_heads_of_their_unit_and_admins(console):
    console.new_report("A", "Mất trộm", tag="fig-a")
    console.new_report("B", "Đánh nhau", tag="fig-b")
    for who in ("officer_a", "officer_b"):
        for endpoint in FIGURE_ROUTES:
            assert console.session(who).get(ROUTES[endpoint][1]).status_code == 403, (who, endpoint)
    head_b = console.session("head_b")
    unit_a = console.units["A"].name
    for endpoint in FIGURE_ROUTES:
        path = ROUTES[endpoint][1]
        assert head_b.get(path, params={"unit": unit_a}).status_code == 403, endpoint
        assert head_b.get(path).status_code == 200, endpoint
    page = head_b.get("/figures/").text
    assert console.units["B"].name in page and unit_a not in page
    svg = head_b.get("/figures/chart/reports_kind.svg")
    assert svg.headers["Content-Type"].startswith("image/svg+xml") and b"<svg" in svg.content
    rows = list(csv.reader(io.StringIO(head_b.get("/figures/csv/handling").content.decode("utf-8-sig"))))
    month = F.Month.parse(None)
    expected = F.compute(console.store.engine, month, console.units["B"].name)
    assert rows[1][:3] == [month.key, console.units["B"].name, "Tin tiếp nhận trong tháng"]
    assert int(rows[1][3]) == expected.received >= 1
    assert {r[1] for r in rows[1:]} == {console.units["B"].name}
    summary = head_b.get("/figures/summary")
    assert summary.status_code == 200
    assert "@media print" in head_b.get("/static/console.css").text
    assert "Báo cáo kết quả tiếp nhận" in summary.text
    admin = console.session("admin")
    assert admin.get("/figures/", params={"unit": unit_a}).status_code == 200
    province = list(csv.reader(io.StringIO(admin.get("/figures/csv/handling").content.decode("utf-8-sig"))))
    assert int(province[1][3]) == F.compute(console.store.engine, month, None).received
    compare = list(csv.reader(io.StringIO(admin.get("/figures/csv/compare").content.decode("utf-8-sig"))))
    assert {unit_a, console.units["B"].name} <= {r[2] for r in compare[1:]}
    assert admin.get("/figures/?month=2026-13").status_code == 400


def test_figures_charts_render_in_a_real_browser_on_a_phone(console, driver):  # noqa: F811
    """Headless Chromium, phone-sized: every chart of the figures page loads (an SVG the browser
    can draw) and nothing is wider than the screen; the waiting list fits as well."""
    from tests.console.test_browser import login, shot
    console.new_report("A", "Trộm chó", tag="fig-browser")
    driver.set_window_size(390, 844)
    login(driver, console, "head_a")
    for path in ("/figures/", "/h/", "/figures/summary"):
        driver.get(console.url(path))
        driver.execute_script("return document.readyState")
        loaded = driver.execute_script(
            "return Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
        assert all(loaded), (path, loaded)
        wide = driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 1, (path, wide)
        shot(driver, f"desk-{path.strip('/').replace('/', '-') or 'root'}-{console.store.engine.dialect.name}")
    driver.get(console.url("/figures/"))
    assert len(driver.find_elements("css selector", "img.chart")) == 6
    # printed (or saved as PDF), the summary drops the console's menu and links
    driver.get(console.url("/figures/summary"))
    assert driver.find_element("css selector", "header.top").is_displayed()
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert not driver.find_element("css selector", "header.top").is_displayed()
    assert not driver.find_element("css selector", ".no-print").is_displayed()
    assert driver.find_element("css selector", ".summary h1").is_displayed()
    import base64
    assert base64.b64decode(driver.print_page()).startswith(b"%PDF")
