"""A real browser (headless Chromium + Selenium) against the real console server: log in, open a
report with a photo, see it, transfer it, reply to the citizen, publish; on a PC-sized and a
phone-sized window. Screenshots go to results/console/ (not committed)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from anninh import PROJECT_ROOT
from tests.console.harness import PASSWORD

CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
SHOTS = PROJECT_ROOT / "results" / "console"
SIZES = {"pc": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def driver(request):
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("Chromium and ChromeDriver are needed (apt-get install chromium chromium-driver)")
        pytest.skip("Chromium/ChromeDriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    profile = tempfile.mkdtemp(prefix="console-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    drv = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    drv.set_page_load_timeout(60)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shot(drv, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    drv.save_screenshot(str(SHOTS / f"{name}.png"))


def login(drv, console, username: str, shot_name: str = "") -> None:
    from selenium.webdriver.common.by import By
    drv.get(console.url("/login"))
    drv.find_element(By.ID, "username").send_keys(username)
    drv.find_element(By.ID, "password").send_keys(PASSWORD)
    if shot_name:
        shot(drv, shot_name)
    click_and_wait(drv, drv.find_element(By.ID, "login-submit"))
    assert "/login" not in drv.current_url


def logout(drv) -> None:
    from selenium.webdriver.common.by import By
    click_and_wait(drv, drv.find_element(By.ID, "logout"))


def submit(drv, form_id: str, **fields) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select
    form = drv.find_element(By.ID, form_id)
    for name, value in fields.items():
        el = form.find_element(By.NAME, name)
        if el.tag_name == "select":
            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)
    click_and_wait(drv, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))


def click_and_wait(drv, element) -> None:
    """Click and wait until the next page has replaced this one and finished loading. The old
    page is marked in JavaScript: asking the old element whether it is stale can itself fail
    in Chromium ("Node with given id does not belong to the document") while the page changes."""
    from selenium.webdriver.support.ui import WebDriverWait
    drv.execute_script("window.__consoleOldPage = true;")
    element.click()

    def next_page_loaded(d) -> bool:
        try:
            return bool(d.execute_script(
                "return window.__consoleOldPage === undefined && document.readyState === 'complete';"))
        except Exception:  # noqa: BLE001 - the page is being replaced: not yet
            return False

    WebDriverWait(drv, 60).until(next_page_loaded)


@pytest.mark.parametrize("size", sorted(SIZES))
def test_browser_flow(console, driver, size):
    from selenium.webdriver.common.by import By
    driver.set_window_size(*SIZES[size])
    tag = f"browser-{size}"
    from tests.console.harness import add_chat
    code = console.new_report("P", "Phát hiện nhóm người tụ tập đánh bạc tại bãi đất trống.", photo=True, tag=tag)
    add_chat(console, console.user(tag), [("user", "co nhom nguoi danh bac o bai dat"), ("bot", "Dạ, xin gửi ảnh")])
    prefix = f"{console.store.engine.dialect.name}-{size}"

    login(driver, console, "head_p", f"{prefix}-0-login")
    shot(driver, f"{prefix}-1-inbox")
    click_and_wait(driver, driver.find_element(By.LINK_TEXT, code))
    img = driver.find_element(By.CSS_SELECTOR, "img.photo")
    driver.execute_script("arguments[0].scrollIntoView()", img)
    from selenium.webdriver.support.ui import WebDriverWait
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return arguments[0].complete", img))
    assert driver.execute_script("return arguments[0].naturalWidth", img) == 64  # the photo, decoded
    shot(driver, f"{prefix}-2-report")

    submit(driver, "form-transfer", to_unit=console.units["B"].name, reason="Địa bàn thuộc xã B")
    assert console.store.require(code).unit == console.units["B"].name
    shot(driver, f"{prefix}-3-transferred")
    logout(driver)

    login(driver, console, "head_b")
    driver.get(console.url(f"/r/{code}"))
    assert driver.find_element(By.ID, "report-unit").text == console.units["B"].name
    submit(driver, "form-reply", text="Dạ, Công an xã đã nhận tin và đang xác minh.")
    flash = driver.find_element(By.CSS_SELECTOR, ".flash").text
    notify = [e for e in console.store.audit_trail(code) if e.action == "notify"]
    assert [(e.new_value, e.actor) for e in notify] == [("ok", "account:head_b")]
    assert flash == "Đã gửi trả lời đến người dân."  # the delivery outcome is shown
    [sent] = console.fake.messages_to(console.user(tag))  # the citizen receives it in Zalo
    assert sent["message"]["text"] == "Dạ, Công an xã đã nhận tin và đang xác minh."
    shot(driver, f"{prefix}-4-replied")

    submit(driver, "form-status", status="in_progress", note="Đã cử tổ công tác xác minh")
    submit(driver, "form-status", status="resolved", note="Đã xác minh và xử lý")
    assert console.store.require(code).status == "resolved"
    submit(driver, "form-publish", text="Đã xử lý nhóm đánh bạc; gọi 0912 345 678 nếu cần")
    from selenium.webdriver.support.ui import WebDriverWait
    masked = WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.ID, "publish-masked"),
                                             message=lambda: driver.page_source[:3000])
    assert "[số điện thoại]" in masked[0].text
    shot(driver, f"{prefix}-5-preview")
    click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "#form-publish-confirm button"))
    assert driver.find_element(By.ID, "published-result").text == "Đã xử lý nhóm đánh bạc; gọi [số điện thoại] nếu cần"
    assert console.store.require(code).published_result.endswith("[số điện thoại] nếu cần")
    shot(driver, f"{prefix}-6-published")
