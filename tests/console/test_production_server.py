"""The production command (docker-compose.yml's console service): gunicorn with the app factory
and several worker processes, bound to $CONSOLE_HOST:$CONSOLE_PORT, serves the console."""
from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.console.conftest import running_console

ROOT = Path(__file__).resolve().parents[2]


def compose_command() -> list:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    return [str(c) for c in compose["services"]["console"]["command"]]


@pytest.fixture(scope="module")
def production(tmp_path_factory, fake_zalo):
    cmd = compose_command()
    assert cmd[0] == "gunicorn"
    cmd[0] = str(Path(sys.executable).with_name("gunicorn"))
    yield from running_console("sqlite", tmp_path_factory, fake_zalo, command=cmd,
                               extra_env={"CONSOLE_WORKERS": "3"})


def test_gunicorn_serves_the_login_page_and_the_console(production):
    log = ""
    for _ in range(100):  # the workers boot side by side; the first one answered the health check
        log = production.server.log_path.read_text(encoding="utf-8")
        if log.count("Booting worker") >= 3:
            break
        time.sleep(0.1)
    assert f"Listening at: {production.base_url} " in log  # $CONSOLE_HOST:$CONSOLE_PORT
    assert log.count("Booting worker") == 3  # $CONSOLE_WORKERS
    browser = production.session()
    page = browser.get("/login")
    assert page.status_code == 200 and 'name="csrf_token"' in page.text and 'name="password"' in page.text
    # A login made by one worker is honoured by the others (one key, one database): many
    # requests over fresh connections land on several workers.
    browser = production.session("officer_a")
    code = production.new_report("A", "Mất trộm xe máy ở chợ", tag="gunicorn")
    for _ in range(12):
        browser.http.close()  # a new connection each time
        assert browser.get("/").status_code == 200
        assert browser.get(f"/r/{code}").status_code == 200
    assert production.session().get("/").status_code == 302  # anonymous: to login
