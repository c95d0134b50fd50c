"""News: the feed reader over real HTTP on 127.0.0.1 (RSS 2.0, Atom, broken, 404, timeout), the
cache, the local fallback file content/news.yml, and action_news with the real domain."""
import asyncio
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.news import ActionNews
from anninh import news
from anninh.content import ContentError
from anninh.news import NewsReader
from anninh.render import MAX_MESSAGE_CHARS

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
SLOW_SECONDS = 3.0
TIMEOUT = 0.5


class FeedServer:
    """A real HTTP server on 127.0.0.1 serving the feeds in tests/data/."""

    def __init__(self):
        self.hits = {}
        self.flaky_ok = True
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep test output clean
                pass

            def _send(self, status, body=b"", ctype="application/xml; charset=utf-8"):
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (the timeout test)

            def do_GET(self):
                server.hits[self.path] = server.hits.get(self.path, 0) + 1
                files = {"/rss.xml": "news_rss.xml", "/atom.xml": "news_atom.xml",
                         "/broken.xml": "news_broken.xml"}
                route = self.path.split("?")[0]
                if route in files:
                    self._send(200, (DATA / files[route]).read_bytes())
                elif route == "/slow.xml":
                    server.release.wait(SLOW_SECONDS)
                    self._send(200, (DATA / "news_rss.xml").read_bytes())
                elif route == "/flaky.xml":
                    if server.flaky_ok:
                        self._send(200, (DATA / "news_atom.xml").read_bytes())
                    else:
                        self._send(500, b"Internal Server Error", "text/plain")
                elif route == "/html":
                    self._send(200, b"<html><body>Trang chu</body></html>", "text/html")
                else:
                    self._send(404, b"Not Found", "text/plain")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server():
    with FeedServer() as s:
        yield s


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("NEWS_FEED_URL", "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy",
                 "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


LOCAL = """\
feed_url: ""
items:
  - title: Tin trong tệp số 1 (dữ liệu thử)
    url: https://example.org/tin-1
    date: 2026-01-02
  - title: Tin trong tệp số 2 (dữ liệu thử)
    url: https://example.org/tin-2
    date: "05/01/2026"
  - title: Tin trong tệp không có ngày
    url: https://example.org/tin-3
"""


@pytest.fixture
def local(tmp_path):
    path = tmp_path / "news.yml"
    path.write_text(LOCAL, encoding="utf-8")
    return path


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def latest(reader, limit=news.MAX_ITEMS):
    return asyncio.run(reader.latest(limit))


def reader_for(local, **kw):
    kw.setdefault("timeout", TIMEOUT)
    return NewsReader(path=local, **kw)


def check_replies(replies):
    assert replies and replies[0].text.startswith("Dạ")
    assert all(len(r.text) <= MAX_MESSAGE_CHARS for r in replies)


# --- the feed over HTTP ---------------------------------------------------------------------

def test_rss_feed_gives_the_five_newest_titles_with_links(server, local, monkeypatch):
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/rss.xml"))
    result = latest(reader_for(local))
    assert result.source == "feed" and result.feed_title == "Tin tức thử nghiệm (RSS)"
    assert [i.title.split(":")[0] for i in result.items] == [
        "Tin thử RSS số 6", "Tin thử RSS số 5", "Tin thử RSS số 4", "Tin thử RSS số 3",
        "Tin thử RSS số 2"]
    assert result.items[1].url == server.url("/tin/5")          # relative link resolved
    assert result.items[3].date.isoformat() == "2026-01-08"    # 23:30 GMT is the 8th in Vietnam
    replies = news.render(result)
    check_replies(replies)
    text = replies[0].text
    assert text.startswith("Dạ, các tin mới nhất từ Tin tức thử nghiệm (RSS):")
    assert "1. Tin thử RSS số 6: bài mới nhất (11/01/2026)\nhttp://127.0.0.1/tin/6" in text
    assert "không có đường dẫn" not in text and "RSS số 1" not in text


def test_atom_feed(server, local, monkeypatch):
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/atom.xml"))
    result = latest(reader_for(local))
    assert result.source == "feed"
    assert [(i.title, i.url) for i in result.items] == [
        ("Tin thử Atom A: thông báo lịch tiếp công dân", "http://127.0.0.1/atom/a"),
        ("Tin thử Atom B: phòng chống cháy nổ mùa khô", "http://127.0.0.1/atom/b")]


@pytest.mark.parametrize("path", ["/broken.xml", "/missing.xml", "/html"])
def test_broken_feed_or_http_error_falls_back_to_the_local_file(server, local, monkeypatch, path):
    monkeypatch.setenv("NEWS_FEED_URL", server.url(path))
    result = latest(reader_for(local))
    assert result.source == "local"
    assert [i.title for i in result.items] == ["Tin trong tệp số 2 (dữ liệu thử)",
                                               "Tin trong tệp số 1 (dữ liệu thử)",
                                               "Tin trong tệp không có ngày"]
    text = news.render(result)[0].text
    assert text.startswith("Dạ, các tin mới nhất:") and "https://example.org/tin-2" in text


def test_timeout_falls_back_quickly(server, local, monkeypatch):
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/slow.xml"))
    started = time.monotonic()
    result = latest(reader_for(local))
    assert time.monotonic() - started < TIMEOUT + 1.5 < SLOW_SECONDS
    assert result.source == "local" and result.items


def test_unreachable_host_falls_back(local, monkeypatch):
    import socket
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("NEWS_FEED_URL", f"http://127.0.0.1:{port}/rss.xml")
    assert latest(reader_for(local)).source == "local"


def test_fetch_errors_are_feed_errors(server):
    with pytest.raises(news.FeedError, match="HTTP 404"):
        asyncio.run(news.fetch_bytes(server.url("/missing.xml"), TIMEOUT))
    with pytest.raises(news.FeedError, match="larger than"):
        asyncio.run(news.fetch_bytes(server.url("/rss.xml"), TIMEOUT, max_bytes=100))
    with pytest.raises(news.FeedError, match="not an http"):
        asyncio.run(news.fetch_bytes("file:///etc/passwd", TIMEOUT))


# --- cache ----------------------------------------------------------------------------------

def test_results_are_cached_for_ten_minutes(server, local, monkeypatch):
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/rss.xml") + "?cache")
    clock = Clock()
    reader = reader_for(local, clock=clock)
    assert news.CACHE_SECONDS == 600 and reader.ttl == 600
    before = server.hits.get("/rss.xml?cache", 0)
    latest(reader)
    clock.now += 599
    assert latest(reader).source == "feed"
    assert server.hits["/rss.xml?cache"] == before + 1
    clock.now += 2
    latest(reader)
    assert server.hits["/rss.xml?cache"] == before + 2


def test_a_failing_feed_is_not_retried_on_every_question(server, local, monkeypatch):
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/missing.xml") + "?again")
    clock = Clock()
    reader = reader_for(local, clock=clock)
    latest(reader)
    latest(reader)
    assert server.hits["/missing.xml?again"] == 1
    clock.now += news.FAILURE_SECONDS + 1
    latest(reader)
    assert server.hits["/missing.xml?again"] == 2


def test_a_recent_good_result_outlives_a_short_outage(server, local, monkeypatch):
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/flaky.xml"))
    clock = Clock()
    reader = reader_for(local, clock=clock)
    server.flaky_ok = True
    try:
        assert latest(reader).source == "feed"
        server.flaky_ok = False
        clock.now += 601
        assert latest(reader).source == "feed"          # last good result, under an hour old
        clock.now += news.STALE_SECONDS
        assert latest(reader).source == "local"
    finally:
        server.flaky_ok = True


# --- configuration and the local file -------------------------------------------------------

def test_feed_url_from_the_file_and_env_override(server, tmp_path, monkeypatch):
    path = tmp_path / "news.yml"
    path.write_text(f'feed_url: "{server.url("/atom.xml")}"\nitems: []\n', encoding="utf-8")
    result = latest(reader_for(path))
    assert result.source == "feed" and result.feed_title == "Tin tức thử nghiệm (Atom)"
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/rss.xml"))
    assert latest(reader_for(path)).feed_title == "Tin tức thử nghiệm (RSS)"


def test_no_feed_configured_uses_the_local_file(local):
    result = latest(reader_for(local), limit=2)
    assert result.source == "local" and len(result.items) == 2


def test_the_content_file_is_valid_and_empty_by_default():
    content = news.load_local_news(news.NEWS_FILE)
    assert content.feed_url == "" and content.items == ()
    replies = news.render(latest(NewsReader(path=news.NEWS_FILE)))
    check_replies(replies)
    assert "chưa có tin mới" in replies[0].text


@pytest.mark.parametrize("item, field", [
    ("{title: A, url: 'ftp://x/y'}", "url"),
    ("{title: A}", "url"),
    ("{title: '', url: 'https://x/y'}", "title"),
    ("{title: A, url: 'https://x/y', date: 2026-13-40}", "date"),
    ("{title: A, url: 'https://x/y', date: 'hôm qua'}", "date"),
])
def test_local_file_errors_name_entry_and_field(tmp_path, item, field):
    path = tmp_path / "news.yml"
    path.write_text(f"items:\n  - {{title: Tốt, url: 'https://x/ok'}}\n  - {item}\n", encoding="utf-8")
    with pytest.raises(ContentError) as exc:
        news.load_local_news(path)
    assert (exc.value.entry, exc.value.field) == ("items[1]", field)
    assert [(p.entry, p.field) for p in news.validate_news(path)] == [("items[1]", field)]


def test_a_broken_local_file_with_a_working_feed_still_answers(server, tmp_path, monkeypatch):
    path = tmp_path / "news.yml"
    path.write_text("items: [\n", encoding="utf-8")
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/rss.xml"))
    assert latest(reader_for(path)).source == "feed"
    monkeypatch.delenv("NEWS_FEED_URL")
    assert news.render(latest(reader_for(path)))[0].text.startswith("Dạ, hiện em chưa có tin mới")


def test_long_titles_and_many_items_fit_zalo():
    items = tuple(news.NewsItem(news.clean_title("Tiêu đề rất dài " * 40), "https://example.org/"
                                + "a" * 900 + str(i)) for i in range(5))
    replies = news.render(news.NewsResult(items, "local"))
    assert len(replies) > 1
    check_replies(replies)
    assert all(len(i.title) <= news.TITLE_CHARS for i in items)


# --- the action -----------------------------------------------------------------------------

def run_action(text="tin tức mới"):
    latest_message = {"text": text, "intent": {"name": "ask_news", "confidence": 0.9},
                      "entities": [], "intent_ranking": [{"name": "ask_news", "confidence": 0.9}]}
    t = Tracker("test-user", {}, latest_message, [{"event": "user", "parse_data": latest_message}],
                False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionNews().run(dispatcher, t, DOMAIN))
    for m in dispatcher.messages:
        assert len(m["text"]) <= MAX_MESSAGE_CHARS
    return dispatcher.messages, events


def test_action_news_from_the_feed_and_from_the_fallback(server, local, monkeypatch):
    assert ActionNews().name() == "action_news"
    monkeypatch.setattr(news, "_READER", reader_for(local))
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/rss.xml"))
    messages, events = run_action()
    assert events == [] and "Tin thử RSS số 6" in messages[0]["text"]
    monkeypatch.setenv("NEWS_FEED_URL", server.url("/broken.xml"))
    messages, _ = run_action("co tin gi moi k ad")
    assert "Tin trong tệp số 2" in messages[0]["text"]


def test_action_news_with_the_real_content_is_honest(monkeypatch):
    monkeypatch.setattr(news, "_READER", None)
    messages, _ = run_action()
    assert messages[0]["text"].startswith("Dạ, hiện em chưa có tin mới")
