"""End to end: a citizen over Zalo (fake Zalo API, the real Rasa server and action server) asks
for an officer; an officer of the citizen's unit takes the conversation in a real browser
(headless Chromium) on the console, replies, and the fake API receives the reply; the citizen
writes again, the message appears in the console (its poll) and the assistant stays silent; an
emergency is still answered at once; the officer hands back and the assistant answers again.

Slow (the servers take a minute or more to start): ``pytest -m integration tests/zalo``."""
from __future__ import annotations

import time

import pytest

from fake_zalo import FakeZalo
from harness import account_dict
from stack import RasaStack, StackError, find_model
from tests.console.harness import APP, APP_KEY, OA, pick_units, start_console
from tests.console.test_browser import click_and_wait, driver, login, submit  # noqa: F401 (fixture)
from test_integration import Env, text_of

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def desk(tmp_path_factory):
    rasa_dir = tmp_path_factory.mktemp("rasa-desk")
    if find_model(RasaStack(rasa_dir, "", {}).project_dir) is None:
        pytest.fail("no trained model: run make train", pytrace=False)
    fake = FakeZalo().start_in_thread()
    unit = pick_units()["A"].name
    account = account_dict(oa_id=OA, app_id=APP, unit=unit, app_secret_key=APP_KEY)
    account["refresh_token"] = fake.issue_tokens(OA, APP, APP_KEY)["refresh_token"]
    console_dir = tmp_path_factory.mktemp("console-desk")
    db_url = f"sqlite:///{console_dir / 'reports.db'}"
    # The console replies through the assistant's own token store and reads its conversations.
    console = start_console(console_dir, db_url, None, fake, extra_env={
        "REPORTS_TRACKER_ENDPOINTS": str(rasa_dir / "endpoints.yml"),
        "TRACKER_DB_URL": f"sqlite:///{rasa_dir / 'tracker.db'}",
        "ZALO_DB_PATH": str(rasa_dir / "zalo.db"), "ZALO_REFRESH_TOKEN": account["refresh_token"]})
    stack = RasaStack(rasa_dir, fake.url, account, extra_env={"REPORTS_DB_URL": db_url})
    try:
        stack.start()
    except StackError as exc:
        console.server.stop()
        fake.stop_thread()
        pytest.fail(str(exc), pytrace=False)
    yield Env(fake, stack, account), console
    stack.stop()
    console.server.stop()
    console.store.close()
    fake.stop_thread()


def _wait(predicate, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.5)
    return False


def say(env: Env, user: str, text: str) -> None:
    """The citizen writes; Zalo (the fake API) knows the message, so a reply may quote it."""
    msg_id = f"{user}-{time.time_ns()}"
    env.fake.note_inbound(env.account["oa_id"], user, msg_id)
    env.say(user, text, msg_id=msg_id)


def test_officer_answers_a_waiting_citizen_from_the_console(desk, driver):  # noqa: F811
    from selenium.webdriver.common.by import By

    env, console = desk
    user = "e2e-desk"
    say(env, user, "cho tôi gặp cán bộ")
    first = env.answers(user)
    assert "đã chuyển yêu cầu" in text_of(first[-1]), first

    driver.set_window_size(390, 844)  # a phone
    login(driver, console, "officer_a")
    driver.get(console.url("/h/"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#handoff-list tbody tr[id^=handoff-]")
    assert len(rows) == 1, driver.page_source
    click_and_wait(driver, rows[0].find_element(By.TAG_NAME, "a"))
    assert "cho tôi gặp cán bộ" in driver.find_element(By.ID, "transcript").text
    click_and_wait(driver, driver.find_element(By.ID, "take"))
    assert "officer_a" in driver.find_element(By.ID, "handoff-owner").text

    submit(driver, "form-reply", text="Dạ, tôi là cán bộ công an xã, anh/chị cần hỗ trợ gì ạ?")
    sent = env.answers(user, len(first) + 1)
    assert text_of(sent[len(first)]) == "Dạ, tôi là cán bộ công an xã, anh/chị cần hỗ trợ gì ạ?"
    assert "Đã gửi tin cho người dân." in driver.page_source

    say(env, user, "dang ky tam tru can gi")
    # the console's poll shows the new message without reloading the page
    assert _wait(lambda: "dang ky tam tru can gi" in driver.find_element(By.ID, "transcript").text), \
        driver.find_element(By.ID, "transcript").text
    time.sleep(3)
    assert len(env.fake.messages_to(user)) == len(sent)  # the assistant stays silent

    say(env, user, "cháy nhà rồi cứu với")
    during = env.answers(user, len(sent) + 1)
    assert "114" in text_of(during[len(sent)]), during  # emergencies are answered at once

    click_and_wait(driver, driver.find_element(By.ID, "handback"))
    assert "Đã trả lại cuộc trò chuyện cho trợ lý tự động." in driver.page_source
    say(env, user, "xin chào")
    after = env.answers(user, len(during) + 1, settle=2.0)
    texts = [text_of(m) for m in after[len(during):]]
    assert any("xin chào" in t.lower() for t in texts), texts
