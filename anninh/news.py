"""Latest news: a configured RSS/Atom feed, else the editors' list in ``content/news.yml``.

The feed URL is env ``NEWS_FEED_URL`` or ``feed_url`` in the file. The bytes are fetched here with
aiohttp and a short total timeout (feedparser's own fetching has none), limited in size, then given
to ``feedparser.parse``. A good result is cached for ``NEWS_CACHE_SECONDS`` (10 minutes); a failure
(unreachable, timeout, HTTP error, not a feed, no entries) is remembered for a minute, so a broken
feed does not make every question wait for the timeout. On failure the last good result of the
feed is used if it is less than an hour old, else the local list.
"""
from __future__ import annotations

import asyncio
import calendar
import html
import logging
import os
import re
import time
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple
from urllib.parse import urljoin, urlparse

import aiohttp
import feedparser

from anninh import CONTENT_DIR
from anninh.content import ContentError, content_date, load_dated_yaml, problems_of, require_mapping
from anninh.render import Reply, split_text
from anninh.texts import load_texts
from anninh.timeutil import VN_TZ, fmt_day

logger = logging.getLogger(__name__)

NEWS_FILE = CONTENT_DIR / "news.yml"
FEED_ENV = "NEWS_FEED_URL"
MAX_ITEMS = 5
TITLE_CHARS = 200


def _env_seconds(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name) or default)
        return value if value > 0 else default
    except ValueError:
        logger.warning("%s is not a number of seconds; using %g", name, default)
        return default


CACHE_SECONDS = _env_seconds("NEWS_CACHE_SECONDS", 600)
FAILURE_SECONDS = 60.0
STALE_SECONDS = 3600.0
TIMEOUT_SECONDS = _env_seconds("NEWS_FEED_TIMEOUT", 3)
MAX_FEED_BYTES = 2 * 1024 * 1024
USER_AGENT = "ZaloAnNinh/1.0 (+news reader)"


class FeedError(Exception):
    """The feed could not be used (the message is for the log, not for citizens)."""


@dataclass(frozen=True)
class NewsItem:
    title: str
    url: str
    date: Optional[date] = None


@dataclass(frozen=True)
class LocalNews:
    feed_url: str
    items: Tuple[NewsItem, ...]


@dataclass(frozen=True)
class NewsResult:
    items: Tuple[NewsItem, ...]
    source: str          # "feed" or "local"
    feed_title: str = ""


def _is_web_url(url: str) -> bool:
    parsed = urlparse(url)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


_TAGS = re.compile(r"<[^>]+>")


def clean_title(raw: str) -> str:
    text = " ".join(html.unescape(_TAGS.sub(" ", raw or "")).split())
    if len(text) > TITLE_CHARS:
        text = text[:TITLE_CHARS - 1].rsplit(" ", 1)[0] + "…"
    return text


def _sorted(items: Sequence[NewsItem]) -> Tuple[NewsItem, ...]:
    """Newest first; undated items keep their order after the dated ones (stable sort)."""
    return tuple(sorted(items, key=lambda i: (i.date is None, -(i.date.toordinal() if i.date else 0))))


# --- the local file ---------------------------------------------------------------------------

def load_local_news(path: "str | Path" = None) -> LocalNews:
    """``feed_url`` and ``items`` of the editors' file; raises ContentError naming entry and field."""
    path = Path(path or NEWS_FILE)
    data = load_dated_yaml(path)
    data = require_mapping(data if data is not None else {}, path)
    feed_url = data.get("feed_url") or ""
    if not isinstance(feed_url, str) or (feed_url.strip() and not _is_web_url(feed_url.strip())):
        raise ContentError(path, "cần địa chỉ bắt đầu bằng http:// hoặc https://", field="feed_url")
    raw = data.get("items")
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise ContentError(path, "cần một danh sách (để trống: items: [])", field="items")
    items = []
    for i, item in enumerate(raw):
        entry = f"items[{i}]"
        if not isinstance(item, dict):
            raise ContentError(path, "cần một bảng có title, url, date", entry=entry)
        title = item.get("title")
        if not isinstance(title, str) or not clean_title(title):
            raise ContentError(path, "thiếu tiêu đề", entry=entry, field="title")
        url = item.get("url")
        if not isinstance(url, str) or not _is_web_url(url.strip()):
            raise ContentError(path, "cần đường dẫn bắt đầu bằng http:// hoặc https://", entry=entry,
                               field="url")
        when = content_date(item.get("date"), path, entry, "date", required=False)
        items.append(NewsItem(clean_title(title), url.strip(), when or None))
    return LocalNews(feed_url.strip(), _sorted(items))


def validate_news(path: "str | Path" = None) -> List[ContentError]:
    return problems_of(load_local_news, path)


# --- the feed ---------------------------------------------------------------------------------

async def fetch_bytes(url: str, timeout: float = TIMEOUT_SECONDS,
                      max_bytes: int = MAX_FEED_BYTES) -> bytes:
    """The body of ``url`` within ``timeout`` seconds in all; FeedError otherwise."""
    if not _is_web_url(url):
        raise FeedError(f"not an http(s) URL: {url!r}")
    try:
        client_timeout = aiohttp.ClientTimeout(total=timeout)
        async with aiohttp.ClientSession(timeout=client_timeout, trust_env=True,
                                         headers={"User-Agent": USER_AGENT}) as session:
            async with session.get(url, headers={
                    "Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, "
                              "text/xml;q=0.8, */*;q=0.5"}) as response:
                if response.status != 200:
                    raise FeedError(f"HTTP {response.status} from {url}")
                chunks, size = [], 0
                async for chunk in response.content.iter_chunked(65536):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FeedError(f"feed larger than {max_bytes} bytes: {url}")
                    chunks.append(chunk)
                return b"".join(chunks)
    except asyncio.TimeoutError:
        raise FeedError(f"no answer within {timeout:g} s from {url}") from None
    except aiohttp.ClientError as exc:
        raise FeedError(f"cannot fetch {url}: {exc.__class__.__name__}: {exc}") from None


def _entry_date(entry) -> Optional[date]:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            try:
                utc = datetime.fromtimestamp(calendar.timegm(value), tz=timezone.utc)
                return utc.astimezone(VN_TZ).date()
            except (OverflowError, ValueError, TypeError):
                continue
    return None


def parse_feed(data: bytes, base_url: str = "") -> Tuple[str, Tuple[NewsItem, ...]]:
    """(feed title, items with a title and a web link); FeedError if it is not a usable feed."""
    parsed = feedparser.parse(data)
    items = []
    for entry in parsed.entries:
        title = clean_title(entry.get("title", ""))
        link = entry.get("link") or ""
        if not link:
            link = next((l.get("href") for l in entry.get("links", []) if l.get("href")), "")
        link = urljoin(base_url, link.strip()) if link else ""
        if title and _is_web_url(link):
            items.append(NewsItem(title, link, _entry_date(entry)))
    if not items:
        problem = parsed.get("bozo_exception")
        raise FeedError("not a feed or no entries with a title and link"
                        + (f" ({problem.__class__.__name__}: {problem})" if problem else ""))
    return clean_title(parsed.feed.get("title", "")), _sorted(items)


@dataclass
class _CacheEntry:
    at: float
    ok: bool
    result: Optional[NewsResult] = None


class NewsReader:
    """Feed with cache and fallbacks; one per process (``get_reader``), or per test."""

    def __init__(self, path: "str | Path" = None, ttl: float = CACHE_SECONDS,
                 failure_ttl: float = FAILURE_SECONDS, stale: float = STALE_SECONDS,
                 timeout: float = TIMEOUT_SECONDS, clock: Callable[[], float] = time.monotonic):
        self.path = Path(path) if path else None
        self.ttl, self.failure_ttl, self.stale, self.timeout = ttl, failure_ttl, stale, timeout
        self.clock = clock
        self._cache: Dict[str, _CacheEntry] = {}
        self._last_good: Dict[str, _CacheEntry] = {}

    def _local(self) -> Optional[LocalNews]:
        try:
            return load_local_news(self.path)
        except ContentError as exc:
            logger.error("local news file unusable: %s", exc)
            return None

    def feed_url(self, local: Optional[LocalNews] = None) -> str:
        env = (os.environ.get(FEED_ENV) or "").strip()
        return env or (local.feed_url if local else "")

    async def _from_feed(self, url: str) -> Optional[NewsResult]:
        now = self.clock()
        cached = self._cache.get(url)
        if cached and now - cached.at < (self.ttl if cached.ok else self.failure_ttl):
            if cached.ok:
                return cached.result
        else:
            try:
                title, items = parse_feed(await fetch_bytes(url, self.timeout), url)
                result = NewsResult(items, "feed", title)
                entry = _CacheEntry(self.clock(), True, result)
                self._cache[url] = self._last_good[url] = entry
                return result
            except FeedError as exc:
                logger.warning("news feed unavailable, using the fallback: %s", exc)
                self._cache[url] = _CacheEntry(self.clock(), False)
            except Exception:  # noqa: BLE001 - a feed must never break the answer
                logger.exception("news feed %s failed unexpectedly, using the fallback", url)
                self._cache[url] = _CacheEntry(self.clock(), False)
        good = self._last_good.get(url)
        if good and self.clock() - good.at < self.stale:
            return good.result
        return None

    async def latest(self, limit: int = MAX_ITEMS) -> NewsResult:
        local = self._local()
        url = self.feed_url(local)
        result = await self._from_feed(url) if url else None
        if result is None:
            result = NewsResult(local.items if local else (), "local")
        return NewsResult(result.items[:limit], result.source, result.feed_title)


_READER: Optional[NewsReader] = None


def get_reader() -> NewsReader:
    global _READER
    if _READER is None:
        _READER = NewsReader()
    return _READER


def render(result: NewsResult) -> List[Reply]:
    t = load_texts()
    if not result.items:
        return [Reply(t.get("news", "empty"))]
    lines = [t.get("news", "head_from", feed=result.feed_title) if result.feed_title
             else t.get("news", "head")]
    for n, item in enumerate(result.items, start=1):
        when = f" ({fmt_day(item.date)})" if item.date else ""
        lines.append(f"{n}. {item.title}{when}\n{item.url}")
    lines.append(t.get("news", "read_more"))
    return [Reply(x) for x in split_text("\n\n".join(lines))]


async def answer(reader: Optional[NewsReader] = None, limit: int = MAX_ITEMS) -> List[Reply]:
    return render(await (reader or get_reader()).latest(limit))
