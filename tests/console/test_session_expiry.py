"""A login lasts CONSOLE_SESSION_MINUTES (480 by default): a session cookie older than that is
refused and the officer is sent to the login page. The cookie's age is the timestamp Flask signs
into it; the test re-signs the server's own cookie with an older timestamp (it knows the test
server's secret key) instead of waiting eight hours."""
from __future__ import annotations

import time

from flask import Flask
from flask.sessions import SecureCookieSessionInterface

from tests.console.harness import SECRET

SESSION_MINUTES = 480  # the default the harness's server runs with
COOKIE = "anninh_console"


def _aged(cookie: str, age_s: float) -> str:
    """The same session, signed ``age_s`` seconds ago with the server's key."""
    app = Flask(__name__)
    app.secret_key = SECRET
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    data = serializer.loads(cookie)  # also checks that the key is the server's
    signer = serializer.make_signer()
    signer.get_timestamp = lambda: int(time.time() - age_s)
    return signer.sign(serializer.dump_payload(data)).decode("ascii")


def _with_cookie(console, value: str):
    browser = console.session()
    browser.http.cookies.set(COOKIE, value, domain="127.0.0.1", path="/")
    return browser


def test_expired_session_is_sent_to_login(console):
    browser = console.session("officer_a")
    cookie = browser.http.cookies.get(COOKIE)
    assert cookie and browser.get("/").status_code == 200

    # Re-signed a minute before the end of its life: still a valid login (the forging works).
    fresh = _with_cookie(console, _aged(cookie, (SESSION_MINUTES - 1) * 60))
    assert fresh.get("/").status_code == 200

    # A minute past its life: sent to the login page, for a page and for an action.
    expired = _with_cookie(console, _aged(cookie, (SESSION_MINUTES + 1) * 60))
    r = expired.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    page = expired.get("/login")
    assert page.status_code == 200 and 'name="password"' in page.text
    r = expired.get("/?tab=all")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    # Logging in again gives a new session that works.
    again = console.session("officer_a")
    assert again.get("/").status_code == 200
