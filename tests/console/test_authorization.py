"""Authorisation, route by route, against a real console server (SQLite and PostgreSQL).

``ROUTES`` names every endpoint of the application with how to call it and what protects it;
``test_every_route_has_an_authorisation_test`` fails when a route is added without an entry."""
from __future__ import annotations

import pytest

from tests.console.harness import PASSWORD, Console

# endpoint: (method, path template, scope)
#   public        open to everyone
#   login         any logged-in account
#   report        any account that may see the report ({code}, {att})
#   report_manage unit head of the report's unit or admin
#   export        unit heads and admins
#   admin         admins only
#   handoff       any account of the handoff request's unit ({handoff}; tests/console/test_handoffs.py)
#   figures       unit heads (their unit) and admins (tests/console/test_handoffs.py)
ROUTES = {
    "healthz": ("GET", "/healthz", "public"),
    "static": ("GET", "/static/console.css", "public"),
    "auth.login": ("GET", "/login", "public"),
    "auth.logout": ("POST", "/logout", "login"),
    "reports.inbox": ("GET", "/", "login"),
    "reports.report": ("GET", "/r/{code}", "report"),
    "reports.conversation": ("GET", "/r/{code}/conversation", "report"),
    "attachments.attachment": ("GET", "/r/{code}/a/{att}", "report"),
    "handling.status": ("POST", "/r/{code}/status", "report"),
    "handling.note": ("POST", "/r/{code}/note", "report"),
    "handling.reply": ("POST", "/r/{code}/reply", "report"),
    "handling.assign": ("POST", "/r/{code}/assign", "report_manage"),
    "handling.transfer": ("POST", "/r/{code}/transfer", "report_manage"),
    "handling.publish_preview": ("POST", "/r/{code}/publish", "report_manage"),
    "handling.publish_confirm": ("POST", "/r/{code}/publish/confirm", "report_manage"),
    "exports.form": ("GET", "/exports/", "export"),
    "exports.download": ("POST", "/exports/download", "export"),
    "accounts.index": ("GET", "/accounts/", "admin"),
    "accounts.create": ("POST", "/accounts/new", "admin"),
    "accounts.update": ("POST", "/accounts/{account}", "admin"),
    "handoffs.waiting": ("GET", "/h/", "login"),
    "handoffs.conversation": ("GET", "/h/{handoff}", "handoff"),
    "handoffs.poll": ("GET", "/h/{handoff}/poll", "handoff"),
    "handoffs.take": ("POST", "/h/{handoff}/take", "handoff"),
    "handoffs.reply": ("POST", "/h/{handoff}/reply", "handoff"),
    "handoffs.handback": ("POST", "/h/{handoff}/handback", "handoff"),
    "figures.index": ("GET", "/figures/", "figures"),
    "figures.chart": ("GET", "/figures/chart/reports_kind.svg", "figures"),
    "figures.csv_file": ("GET", "/figures/csv/reports_kind", "figures"),
    "figures.summary": ("GET", "/figures/summary", "figures"),
    "figures.compare": ("GET", "/figures/compare", "admin"),
}
FORM = {"status": "in_progress", "note": "ghi chú", "text": "Dạ, công an đã nhận tin", "assignee": "officer_b",
        "to_unit": "Công an tỉnh Cao Bằng", "reason": "chuyển", "masked": "Đã xử lý", "original": "Đã xử lý", "format": "csv",
        "contact": "1", "username": "mallory", "password": "0123456789abc", "role": "admin", "active": "1"}


def _path(console: Console, template: str, code: str) -> str:
    report = console.store.require(code)
    att = report.attachments[0].id if report.attachments else 0
    victim = console.accounts.by_username("officer_a")
    return template.format(code=code, att=att, account=victim.id, handoff=_handoff(console))


def _handoff(console: Console) -> int:
    """One waiting conversation of unit A, for the routes that name one."""
    from anninh.reports.handoff import HandoffStore
    from tests.console.harness import OA, add_handoff
    found = HandoffStore(console.store.engine).current("zalo", f"{OA}:{console.user('auth-h')}")
    return found.id if found else add_handoff(console, "A", "auth-h")


def _call(browser, method: str, path: str):
    return browser.get(path) if method == "GET" else browser.post(path, FORM)


def _state(console: Console, code: str):
    report = console.store.require(code)
    return (report.status, report.unit, report.assigned_to, report.published_result,
            len(console.store.audit_trail(code)), len(console.store.notes(code)))


@pytest.fixture(scope="module")
def report_a(console) -> str:
    return console.new_report("A", "Trộm gà ở thôn, gọi 0912345678", photo=True, tag="auth-a")


@pytest.fixture(scope="module")
def report_b(console) -> str:
    return console.new_report("B", "Đánh nhau ở chợ", photo=True, tag="auth-b")


def test_every_route_has_an_authorisation_test(console):
    from anninh.console.app import create_app
    from anninh.console.settings import Settings
    app = create_app(Settings(secret_key="x" * 40, tracker_db_url=None), store=console.store)
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = endpoints - set(ROUTES)
    assert not missing, f"routes without an authorisation test: {sorted(missing)}"
    assert not set(ROUTES) - endpoints, "ROUTES names endpoints that no longer exist"


@pytest.mark.parametrize("endpoint", sorted(e for e, v in ROUTES.items() if v[2] != "public"))
def test_anonymous_requests_go_to_login(console, report_a, endpoint):
    method, template, _ = ROUTES[endpoint]
    browser = console.session()
    before = _state(console, report_a)
    r = _call(browser, method, _path(console, template, report_a))
    assert r.status_code == 302, (endpoint, r.status_code)
    assert "/login" in r.headers["Location"]
    assert _state(console, report_a) == before


@pytest.mark.parametrize("endpoint", sorted(e for e, v in ROUTES.items() if v[2].startswith("report")))
@pytest.mark.parametrize("who", ["officer_b", "head_b"])
def test_other_unit_cannot_see_or_touch_a_report(console, report_a, endpoint, who):
    method, template, _ = ROUTES[endpoint]
    browser = console.session(who)
    before = _state(console, report_a)
    r = _call(browser, method, _path(console, template, report_a))
    assert r.status_code in (403, 404), (endpoint, who, r.status_code)
    assert report_a not in r.text
    assert _state(console, report_a) == before


@pytest.mark.parametrize("endpoint", sorted(e for e, v in ROUTES.items() if v[2] == "report_manage"))
def test_officer_cannot_manage_own_unit_report(console, report_a, endpoint):
    method, template, _ = ROUTES[endpoint]
    browser = console.session("officer_a")
    before = _state(console, report_a)
    r = _call(browser, method, _path(console, template, report_a))
    assert r.status_code == 403, (endpoint, r.status_code)
    assert _state(console, report_a) == before


@pytest.mark.parametrize("endpoint", sorted(e for e, v in ROUTES.items() if v[2] in ("export", "admin")))
def test_officers_get_403_for_exports_and_accounts(console, report_a, endpoint):
    method, template, scope = ROUTES[endpoint]
    users = ["officer_a", "officer_b"] + (["head_a"] if scope == "admin" else [])
    for who in users:
        r = _call(console.session(who), method, _path(console, template, report_a))
        assert r.status_code == 403, (endpoint, who, r.status_code)
    assert console.accounts.by_username("mallory") is None
    assert console.accounts.by_username("officer_a").role == "officer"


def test_export_is_limited_to_own_unit_and_contact_exports_are_audited(console, report_a, report_b):
    browser = console.session("head_b")
    browser.get("/exports/")
    r = browser.post("/exports/download", {"format": "csv", "unit": console.units["A"].name})
    assert r.status_code == 403
    r = browser.post("/exports/download", {"format": "csv", "contact": "1"})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert report_b in r.text and report_a not in r.text
    assert [e.actor for e in console.store.audit_trail(report_b) if e.action == "exported"] == ["account:head_b"]
    assert not [e for e in console.store.audit_trail(report_a) if e.action == "exported"]
    r = browser.post("/exports/download", {"format": "json"})
    assert r.status_code == 200 and report_b in r.text and "contact_phone" not in r.text


def test_own_unit_officer_sees_report_photo_and_conversation(console, report_a, report_b):
    from tests.console.harness import add_chat
    add_chat(console, console.user("auth-a"),
             [("user", "toi muon bao tin, sdt 0912345678"), ("bot", "Dạ, xin mô tả sự việc")])
    browser = console.session("officer_a")
    page = browser.get(f"/?tab=all&q={report_a}")
    assert page.status_code == 200 and f'class="code">{report_a}<' in page.text
    assert f'class="code">{report_b}<' not in browser.get(f"/?tab=all&q={report_b}").text
    page = browser.get(f"/r/{report_a}")
    assert page.status_code == 200
    assert "openstreetmap.org/?mlat=22.665700" in page.text
    att = console.store.require(report_a).attachments[0]
    assert f"/r/{report_a}/a/{att.id}" in page.text
    assert "Dạ, xin mô tả sự việc" in page.text and "[PHONE]" in page.text and "0912345678" not in page.text.split("report-description")[0]
    img = browser.get(f"/r/{report_a}/a/{att.id}")
    assert img.status_code == 200 and img.headers["Content-Type"] == "image/png"
    assert img.content.startswith(b"\x89PNG")
    assert browser.get(f"/r/{report_a}/a/999999").status_code == 404


def test_form_without_csrf_token_is_refused(console, report_a):
    browser = console.session("head_a")
    before = _state(console, report_a)
    r = browser.post(f"/r/{report_a}/note", {"text": "không có mã chống giả mạo"}, csrf=False)
    assert r.status_code == 400
    r = browser.post(f"/r/{report_a}/note", {"text": "mã sai", "csrf_token": "forged"}, csrf=False)
    assert r.status_code == 400
    assert _state(console, report_a) == before
    r = browser.post(f"/r/{report_a}/note", {"text": "có mã"})
    assert r.status_code == 302
    assert [n.text for n in console.store.notes(report_a)][-1] == "có mã"
    assert console.store.notes(report_a)[-1].actor == "account:head_a"


def test_brute_force_is_slowed(console):
    browser = console.session()
    for _ in range(5):
        r = browser.login("victim", "sai-mat-khau")
        assert r.status_code == 401
    r = browser.login("victim", PASSWORD)  # the right password, too late
    assert r.status_code == 429
    assert browser.get("/").status_code == 302
    other = console.session("officer_a")  # another account from the same address still works
    assert other.get("/").status_code == 200


def test_script_in_a_description_is_shown_as_text(console):
    code = console.new_report("A", '<script>alert("x")</script><img src=x onerror=alert(1)>', tag="xss")
    browser = console.session("officer_a")
    for path in ("/", f"/r/{code}"):
        page = browser.get(path)
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        assert "&lt;script&gt;alert(" in page.text


def test_session_cookie_flags_and_logout(console):
    browser = console.session()
    browser.get("/login")
    r = browser.post("/login", {"username": "officer_a", "password": PASSWORD})
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Expires=" in cookie
    assert browser.get("/").status_code == 200
    assert browser.post("/logout").status_code == 302
    assert browser.get("/").status_code == 302
