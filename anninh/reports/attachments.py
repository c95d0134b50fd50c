"""Local copies of attachments (Zalo CDN URLs expire).

The report always keeps the URL; ``download_attachments`` tries to store a copy under the
attachments directory (``var/attachments/<code>/`` by default, or ``$REPORTS_ATTACHMENTS_DIR``)
and records the outcome on the attachment and in the audit trail:

* ``stored``: copy kept (size, content type, sha256 recorded);
* ``rejected``: bigger than the limit (20 MB by default), content type not allowed, or URL not
  allowed: never retried;
* ``failed``: permanent HTTP error (404, 403, 410, ...) or out of attempts;
* ``retry``: timeout, connection error, HTTP 5xx/429: ``fetch-attachments`` tries again later.

A download problem never touches the report itself. Downloads are async (aiohttp); use
``start_background_download`` from a running event loop (the action server) or
``download_attachments_sync`` from synchronous code (CLI, tests).
"""
from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, List, Optional, Sequence, Tuple
from urllib.parse import urlsplit

import aiohttp

from anninh import PROJECT_ROOT
from anninh.reports.model import Attachment
from anninh.reports.privacy import get_logger

log = get_logger(__name__)

ENV_ATTACHMENTS_DIR = "REPORTS_ATTACHMENTS_DIR"
DEFAULT_ATTACHMENTS_DIR = PROJECT_ROOT / "var" / "attachments"
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_TIMEOUT_S = 60.0
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_ALLOWED_TYPES: Tuple[str, ...] = (
    "image/*",
    "video/*",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
)
_GENERIC_TYPES = {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
_EXT = {"image/jpeg": ".jpg", "image/png": ".png", "image/gif": ".gif", "image/webp": ".webp",
        "image/heic": ".heic", "video/mp4": ".mp4", "video/quicktime": ".mov", "video/webm": ".webm",
        "video/3gpp": ".3gp", "application/pdf": ".pdf", "application/msword": ".doc",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx"}
_CHUNK = 64 * 1024


def default_attachments_dir() -> Path:
    """Absolute, because the path of each copy is stored in the (shared) database and read by other
    processes and nodes, whose working directory may differ."""
    return Path(os.environ.get(ENV_ATTACHMENTS_DIR) or DEFAULT_ATTACHMENTS_DIR).expanduser().resolve()


def sniff_content_type(head: bytes, url: str = "") -> Optional[str]:
    """Content type from the first bytes, for servers that answer application/octet-stream."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"mif1", b"msf1"):
            return "image/heic"
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "video/webm"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "application/msword"
    if head.startswith(b"PK\x03\x04"):
        if urlsplit(url).path.lower().endswith(".docx"):
            return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        return "application/zip"
    return None


def type_allowed(content_type: str, allowed: Iterable[str]) -> bool:
    ct = content_type.lower()
    for pattern in allowed:
        pattern = pattern.lower()
        if pattern.endswith("/*") and ct.startswith(pattern[:-1]):
            return True
        if ct == pattern:
            return True
    return False


@dataclass(frozen=True)
class FetchOutcome:
    status: str  # stored | rejected | failed | retry
    local_path: Optional[str] = None
    content_type: Optional[str] = None
    size_bytes: Optional[int] = None
    sha256: Optional[str] = None
    error: Optional[str] = None


class _Reject(Exception):
    def __init__(self, status: str, error: str, content_type: Optional[str] = None,
                 size: Optional[int] = None):
        super().__init__(error)
        self.status, self.error, self.content_type, self.size = status, error, content_type, size


class AttachmentFetcher:
    """Downloads one URL into the storage directory with size, type and time limits."""

    def __init__(self, storage_dir: "str | Path | None" = None, *, max_bytes: int = DEFAULT_MAX_BYTES,
                 allowed_types: Sequence[str] = DEFAULT_ALLOWED_TYPES,
                 timeout: float = DEFAULT_TIMEOUT_S, allowed_hosts: Optional[Sequence[str]] = None):
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        self.storage_dir = Path(storage_dir).expanduser().resolve() if storage_dir else default_attachments_dir()
        self.max_bytes = max_bytes
        self.allowed_types = tuple(allowed_types)
        self.timeout = timeout
        # e.g. (".zdn.vn", ".zadn.vn", "zalo.me"): a leading dot allows subdomains. None: any host.
        self.allowed_hosts = tuple(h.lower() for h in allowed_hosts) if allowed_hosts else None

    def _host_ok(self, host: str) -> bool:
        if self.allowed_hosts is None:
            return True
        host = host.lower()
        return any(host == h.lstrip(".") or (h.startswith(".") and host.endswith(h))
                   for h in self.allowed_hosts)

    async def fetch(self, url: str, dest_dir: "str | Path", stem: str,
                    session: Optional[aiohttp.ClientSession] = None) -> FetchOutcome:
        """Download ``url`` to ``dest_dir/<stem><ext>``. Never raises for network or server
        problems: they come back as an outcome."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return FetchOutcome("rejected", error="only http(s) URLs are downloaded")
        if not self._host_ok(parts.hostname):
            return FetchOutcome("rejected", error=f"host {parts.hostname} is not an allowed attachment host")
        own = session is None
        if own:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        try:
            return await asyncio.wait_for(self._download(session, url, Path(dest_dir), stem),
                                          timeout=self.timeout)
        except asyncio.TimeoutError:
            return FetchOutcome("retry", error=f"timed out after {self.timeout:g} s")
        except aiohttp.ClientError as exc:
            return FetchOutcome("retry", error=f"connection problem: {type(exc).__name__}")
        except _Reject as rej:
            return FetchOutcome(rej.status, content_type=rej.content_type, size_bytes=rej.size,
                                error=rej.error)
        except OSError as exc:  # local disk problem: keep trying later
            return FetchOutcome("retry", error=f"cannot write the local copy: {exc.strerror or exc}")
        finally:
            if own:
                await session.close()  # type: ignore[union-attr]

    async def _download(self, session: aiohttp.ClientSession, url: str, dest_dir: Path,
                        stem: str) -> FetchOutcome:
        async with session.get(url, allow_redirects=True) as resp:
            if resp.status != 200:
                transient = resp.status >= 500 or resp.status in (408, 429)
                raise _Reject("retry" if transient else "failed", f"HTTP {resp.status}")
            length = resp.content_length
            if length is not None and length > self.max_bytes:
                raise _Reject("rejected", f"too large: {length} bytes (limit {self.max_bytes})", size=length)
            header_type = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            dest_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".part-", dir=dest_dir)
            tmp = Path(tmp_name)
            try:
                digest = hashlib.sha256()
                size = 0
                content_type: Optional[str] = None
                with os.fdopen(fd, "wb") as out:
                    async for chunk in resp.content.iter_chunked(_CHUNK):
                        if content_type is None:
                            content_type = header_type
                            if header_type in _GENERIC_TYPES:
                                content_type = sniff_content_type(chunk, url) or header_type or "application/octet-stream"
                            if not type_allowed(content_type, self.allowed_types):
                                raise _Reject("rejected", f"content type {content_type} is not allowed",
                                              content_type=content_type)
                        size += len(chunk)
                        if size > self.max_bytes:
                            raise _Reject("rejected", f"too large: more than {self.max_bytes} bytes",
                                          content_type=content_type, size=size)
                        digest.update(chunk)
                        out.write(chunk)
                    out.flush()
                    os.fsync(out.fileno())
                if content_type is None:  # empty body
                    raise _Reject("failed", "empty response")
                sha = digest.hexdigest()
                ext = _EXT.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"
                final = dest_dir / f"{stem}-{sha[:12]}{ext}"
                os.replace(tmp, final)
                return FetchOutcome("stored", local_path=str(final), content_type=content_type,
                                    size_bytes=size, sha256=sha)
            finally:
                if tmp.exists():
                    tmp.unlink()


@dataclass(frozen=True)
class DownloadResult:
    attachment_id: int
    report_code: str
    position: int
    status: str
    error: Optional[str]


def _safe_dir_name(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9\-]", "_", code)


async def download_attachments(store: Any, fetcher: AttachmentFetcher, *, code: Optional[str] = None,
                               limit: Optional[int] = None, max_attempts: int = DEFAULT_MAX_ATTEMPTS,
                               concurrency: int = 4) -> List[DownloadResult]:
    """Download pending attachments (of one report, or all) and record the outcomes."""
    todo: List[Tuple[Attachment, str]] = await asyncio.to_thread(
        store.attachments_to_download, code=code, limit=limit, max_attempts=max_attempts)
    if not todo:
        return []
    sem = asyncio.Semaphore(max(1, concurrency))
    results: List[DownloadResult] = []

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=fetcher.timeout)) as session:
        async def one(att: Attachment, report_code: str) -> None:
            async with sem:
                outcome = await fetcher.fetch(att.url, fetcher.storage_dir / _safe_dir_name(report_code),
                                              f"{att.position:02d}", session=session)
            status = outcome.status
            error = outcome.error
            if status == "retry" and att.attempts + 1 >= max_attempts:
                status, error = "failed", f"{error} (gave up after {max_attempts} attempts)"
            await asyncio.to_thread(
                store.record_attachment_result, att.id, status=status, local_path=outcome.local_path,
                content_type=outcome.content_type, size_bytes=outcome.size_bytes, sha256=outcome.sha256,
                error=error)
            if status != "stored":
                log.warning("report %s attachment %d: %s (%s)", report_code, att.position, status, error)
            results.append(DownloadResult(att.id, report_code, att.position, status, error))

        await asyncio.gather(*(one(a, c) for a, c in todo))
    results.sort(key=lambda r: r.attachment_id)
    return results


def download_attachments_sync(store: Any, fetcher: AttachmentFetcher, **kwargs: Any) -> List[DownloadResult]:
    """``download_attachments`` for synchronous callers."""
    return asyncio.run(download_attachments(store, fetcher, **kwargs))


def start_background_download(store: Any, fetcher: AttachmentFetcher, code: str) -> "asyncio.Task[List[DownloadResult]]":
    """From a running event loop (the action server): download one report's attachments in the
    background. Failures are recorded, never raised; the returned task can be ignored."""
    async def run() -> List[DownloadResult]:
        try:
            return await download_attachments(store, fetcher, code=code)
        except Exception:
            log.exception("background attachment download for %s failed", code)
            return []
    task = asyncio.get_running_loop().create_task(run())
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)
    return task


_BACKGROUND: "set[asyncio.Task[Any]]" = set()
