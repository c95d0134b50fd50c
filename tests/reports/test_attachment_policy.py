"""The attachment download policy against real local HTTP servers: a file served on 127.0.0.1 is
never fetched (literal address, a name that resolves to it, a redirect to it), nor private,
link-local or other non-public addresses; too big and wrong types are refused. Each refusal is
recorded on the attachment and in the audit trail, and the server proves it was not asked."""
import asyncio

import pytest
from aiohttp import web

from anninh.reports.attachments import AttachmentFetcher, download_attachments_sync
from anninh.reports.fetch_policy import DEFAULT_HOSTS, DownloadPolicy, address_problem
from anninh.reports.model import AttachmentIn, NewReport

from .httpserver import LocalServer

JPEG = b"\xff\xd8\xff\xe0" + b"secret-photo" * 50


class Served:
    """A local server that counts what it was asked for."""

    def __init__(self, redirect_to=None):
        self.hits = []
        self.redirect_to = redirect_to or {}

    def setup(self, app: web.Application) -> None:
        async def handle(request):
            self.hits.append(request.path)
            if request.path in self.redirect_to:
                raise web.HTTPFound(self.redirect_to[request.path]())
            if request.path == "/page.html":
                return web.Response(text="<html>admin</html>", content_type="text/html")
            if request.path == "/big.jpg":
                return web.Response(body=JPEG * 100, content_type="image/jpeg")
            return web.Response(body=JPEG, content_type="image/jpeg")
        app.router.add_get("/{tail:.*}", handle)


@pytest.fixture(scope="module")
def inner():
    """The server that must never be reached (stands for an internal service)."""
    served = Served()
    with LocalServer(served.setup) as srv:
        srv.served = served
        yield srv


@pytest.fixture(scope="module")
def outer(inner):
    """A server the tests exempt explicitly (stands for the Zalo CDN), which redirects."""
    served = Served(redirect_to={
        "/to-loopback.jpg": lambda: inner.url("/secret.jpg"),
        "/to-localhost.jpg": lambda: f"http://localhost:{inner.port}/secret.jpg",
        "/to-metadata.jpg": lambda: "http://169.254.169.254/latest/meta-data/",
        "/to-elsewhere.jpg": lambda: "https://attacker.example.org/x.jpg",
        "/loop.jpg": lambda: "/loop.jpg",
    })
    with LocalServer(served.setup) as srv:
        srv.served = served
        yield srv


def _outcomes(store, fetcher, urls):
    code = store.create_report(NewReport(kind="tin_bao", description="Ảnh", sender_id="u-ssrf",
                                         attachments=[AttachmentIn(u, "image") for u in urls])).code
    results = download_attachments_sync(store, fetcher, code=code)
    by_pos = {r.position: (r.status, r.error) for r in results}
    return code, [by_pos[i + 1] for i in range(len(urls))]


def test_loopback_private_and_link_local_are_never_fetched(db, inner, tmp_path):
    store = db.store()
    # Even with the hosts on the allow-list, the addresses are refused.
    fetcher = AttachmentFetcher(tmp_path, allowed_hosts=["127.0.0.1", "localhost", "*"])
    urls = [inner.url("/secret.jpg"),                               # loopback literal
            f"http://localhost:{inner.port}/secret.jpg",            # a name resolving to loopback
            f"http://[::ffff:127.0.0.1]:{inner.port}/secret.jpg",   # IPv4-mapped IPv6
            f"http://2130706433:{inner.port}/secret.jpg",           # 127.0.0.1 as one number
            f"http://127.1:{inner.port}/secret.jpg",                # short form
            "http://10.20.30.40/x.jpg", "http://192.168.1.1/x.jpg",  # private
            "http://169.254.169.254/latest/meta-data/",             # link-local (cloud metadata)
            "http://[fe80::1]/x.jpg", "http://100.64.0.1/x.jpg", "http://0.0.0.0:80/x.jpg"]
    code, outcomes = _outcomes(store, fetcher, urls)
    assert [s for s, _ in outcomes] == ["rejected"] * len(urls), outcomes
    assert "127.0.0.1 is loopback" in outcomes[0][1]
    assert "localhost resolves to 127.0.0.1, which is loopback" in outcomes[1][1]
    assert "private" in outcomes[5][1] and "link-local" in outcomes[7][1]
    assert inner.served.hits == []  # the server was never asked
    report = store.get(code)
    assert all(a.status == "rejected" and a.local_path is None for a in report.attachments)
    audit = [e for e in store.audit_trail(code) if e.action == "attachment"]
    assert [e.new_value for e in audit] == ["rejected"] * len(urls)
    assert not list(tmp_path.rglob("*.jpg"))
    store.close()


def test_redirects_are_checked_at_every_hop(db, inner, outer, tmp_path):
    store = db.store()
    # The hosts are on the list, so it is the address check that refuses each redirect.
    fetcher = AttachmentFetcher(tmp_path, test_only_allow=[outer.netloc],
                                allowed_hosts=["127.0.0.1", "localhost", "169.254.169.254"])
    urls = [outer.url(p) for p in ("/to-loopback.jpg", "/to-localhost.jpg", "/to-metadata.jpg",
                                   "/to-elsewhere.jpg", "/loop.jpg", "/fine.jpg")]
    _, outcomes = _outcomes(store, fetcher, urls)
    assert [s for s, _ in outcomes] == ["rejected", "rejected", "rejected", "rejected", "failed", "stored"]
    assert "redirected" in outcomes[0][1] and "loopback" in outcomes[0][1]
    assert "localhost resolves to 127.0.0.1" in outcomes[1][1]
    assert "link-local" in outcomes[2][1] and "not an allowed attachment host" in outcomes[3][1]
    assert "redirects" in outcomes[4][1]
    assert inner.served.hits == []
    store.close()


def test_size_and_type_limits(db, outer, tmp_path, monkeypatch):
    monkeypatch.setenv("REPORTS_ATTACHMENT_MAX_MB", str(len(JPEG) * 10 / 1048576))
    store = db.store()
    fetcher = AttachmentFetcher(tmp_path, test_only_allow=[outer.netloc])
    assert fetcher.max_bytes == len(JPEG) * 10
    _, outcomes = _outcomes(store, fetcher, [outer.url("/big.jpg"), outer.url("/page.html"), outer.url("/ok.jpg")])
    assert [s for s, _ in outcomes] == ["rejected", "rejected", "stored"]
    assert "too large" in outcomes[0][1] and "text/html is not allowed" in outcomes[1][1]
    store.close()


def test_default_policy_and_settings(inner, monkeypatch):
    for name in ("REPORTS_ATTACHMENT_HOSTS", "REPORTS_ATTACHMENT_MAX_MB", "REPORTS_ATTACHMENT_TYPES",
                 "REPORTS_ATTACHMENT_TIMEOUT", "REPORTS_ATTACHMENTS_TEST_ONLY_ALLOW"):
        monkeypatch.delenv(name, raising=False)
    policy = DownloadPolicy.from_env()
    assert policy.allowed_hosts == DEFAULT_HOSTS and not policy.test_only_allow
    assert policy.url_problem("https://photo-stal-2.zdn.vn/a.jpg") is None
    assert policy.url_problem("https://s120-ava-talk.zadn.vn/a.jpg") is None
    assert "not an allowed" in policy.url_problem("https://evil-zdn.vn/a.jpg")
    assert "not an allowed" in policy.url_problem(inner.url("/secret.jpg"))
    assert "http(s)" in policy.url_problem("file:///etc/passwd")
    custom = DownloadPolicy.from_env({"REPORTS_ATTACHMENT_HOSTS": "cdn.example.vn, .zdn.vn",
                                      "REPORTS_ATTACHMENT_MAX_MB": "5", "REPORTS_ATTACHMENT_TIMEOUT": "9",
                                      "REPORTS_ATTACHMENT_TYPES": "image/*"})
    assert (custom.allowed_hosts, custom.max_bytes, custom.timeout, custom.allowed_types) == (
        ("cdn.example.vn", ".zdn.vn"), 5 * 1048576, 9.0, ("image/*",))
    assert DownloadPolicy.from_env({"REPORTS_ATTACHMENT_HOSTS": "*"}).allowed_hosts is None
    for bad in ({"REPORTS_ATTACHMENT_MAX_MB": "0"}, {"REPORTS_ATTACHMENT_TIMEOUT": "soon"}):
        with pytest.raises(ValueError):
            DownloadPolicy.from_env(bad)
    assert address_problem("8.8.8.8") is None and address_problem("2001:4860:4860::8888") is None
    assert address_problem("::1") == "loopback" and address_problem("172.16.5.4") == "private"
    assert address_problem("224.0.0.1") == "multicast"


def test_a_zalo_host_whose_dns_answer_is_internal_is_refused(db, inner, tmp_path):
    """DNS answers are checked and the connection goes to the checked address: a Zalo-looking
    name that resolves to 127.0.0.1 (or rebinds there) is never connected to."""
    asked = []

    async def dns(host, port, family):
        asked.append(host)
        return [{"hostname": host, "host": "127.0.0.1", "port": inner.port, "family": family,
                 "proto": 0, "flags": 0}]

    store = db.store()
    fetcher = AttachmentFetcher(tmp_path, policy=DownloadPolicy(dns=dns))
    _, outcomes = _outcomes(store, fetcher, [f"http://photo-stal.zdn.vn:{inner.port}/secret.jpg"])
    assert outcomes == [("rejected", "photo-stal.zdn.vn resolves to 127.0.0.1, which is loopback: not fetched")]
    assert asked == ["photo-stal.zdn.vn"] and inner.served.hits == []
    store.close()


def test_the_action_servers_default_fetcher_refuses_loopback(inner, tmp_path, monkeypatch):
    """What actions/reports.py builds (``AttachmentFetcher()``) follows the default policy."""
    monkeypatch.delenv("REPORTS_ATTACHMENTS_TEST_ONLY_ALLOW", raising=False)
    monkeypatch.delenv("REPORTS_ATTACHMENT_HOSTS", raising=False)
    outcome = asyncio.run(AttachmentFetcher().fetch(inner.url("/secret.jpg"), tmp_path, "01"))
    assert outcome.status == "rejected" and inner.served.hits == []


def test_a_bad_setting_falls_back_to_the_strict_defaults_in_the_action_server(monkeypatch):
    monkeypatch.setenv("REPORTS_ATTACHMENT_MAX_MB", "lots")
    monkeypatch.setenv("REPORTS_ATTACHMENT_HOSTS", "*")
    fetcher = AttachmentFetcher()  # as actions/ builds it: never raises
    assert fetcher.policy == DownloadPolicy()
    with pytest.raises(ValueError, match="REPORTS_ATTACHMENT_MAX_MB"):
        DownloadPolicy.from_env()
