"""Attachment downloads from a real local HTTP server: stored, too big, wrong type, 404,
timeout, server errors. The report and the URLs are always kept.

The server listens on 127.0.0.1, which the download policy never allows: these tests opt in for
exactly its address and port (``test_only_allow``, see anninh/reports/fetch_policy.py)."""
import asyncio
import hashlib
from pathlib import Path

import pytest
from aiohttp import web

from anninh.reports.attachments import (AttachmentFetcher, download_attachments_sync,
                                        sniff_content_type, start_background_download)
from anninh.reports.model import AttachmentIn, NewReport

from .httpserver import LocalServer

JPEG = b"\xff\xd8\xff\xe0" + b"jpeg-data" * 100
PDF = b"%PDF-1.7\n" + b"pdf-body " * 50
LIMIT = 4096


def _routes(app: web.Application) -> None:
    async def ok_jpg(request):
        return web.Response(body=JPEG, content_type="image/jpeg")

    async def big_declared(request):
        return web.Response(body=b"\x00" * (LIMIT + 1), content_type="video/mp4")

    async def big_streamed(request):  # no Content-Length: the limit must hold while streaming
        resp = web.StreamResponse(headers={"Content-Type": "video/mp4"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for _ in range(10):
            await resp.write(b"\x00" * 1024)
        await resp.write_eof()
        return resp

    async def html_page(request):
        return web.Response(text="<html>login</html>", content_type="text/html")

    async def octet_pdf(request):
        return web.Response(body=PDF, content_type="application/octet-stream")

    async def slow(request):
        await asyncio.sleep(5)
        return web.Response(body=JPEG, content_type="image/jpeg")

    async def boom(request):
        return web.Response(status=503, text="busy")

    app.router.add_get("/ok.jpg", ok_jpg)
    app.router.add_get("/big.mp4", big_declared)
    app.router.add_get("/stream.mp4", big_streamed)
    app.router.add_get("/page.html", html_page)
    app.router.add_get("/doc.pdf", octet_pdf)
    app.router.add_get("/slow.jpg", slow)
    app.router.add_get("/busy.jpg", boom)


@pytest.fixture(scope="module")
def server():
    with LocalServer(_routes) as srv:
        yield srv


def test_downloads_with_every_outcome(db, server, tmp_path):
    store = db.store()
    paths = ["/ok.jpg", "/big.mp4", "/stream.mp4", "/page.html", "/missing.jpg", "/slow.jpg", "/doc.pdf", "/busy.jpg"]
    atts = [AttachmentIn(server.url(p), "image") for p in paths] + ["ftp://example.org/x.jpg"]
    with pytest.raises(Exception):
        store.create_report(NewReport(kind="tin_bao", description="x", attachments=atts))
    sub = store.create_report(NewReport(kind="tin_bao", description="Ảnh hiện trường", sender_id="u1",
                                        attachments=atts[:-1]))
    storage = tmp_path / "attachments"
    fetcher = AttachmentFetcher(storage, max_bytes=LIMIT, timeout=0.5, test_only_allow=[server.netloc])
    results = download_attachments_sync(store, fetcher, max_attempts=2)
    by_pos = {r.position: r for r in results}
    assert {p: by_pos[i + 1].status for i, p in enumerate(paths)} == {
        "/ok.jpg": "stored", "/big.mp4": "rejected", "/stream.mp4": "rejected", "/page.html": "rejected",
        "/missing.jpg": "failed", "/slow.jpg": "retry", "/doc.pdf": "stored", "/busy.jpg": "retry"}

    report = store.get(sub.code)
    assert report.status == "received" and report.description == "Ảnh hiện trường"
    assert [a.url for a in report.attachments] == [server.url(p) for p in paths]  # URLs always kept
    a = {att.position: att for att in report.attachments}
    ok = a[1]
    assert ok.content_type == "image/jpeg" and ok.size_bytes == len(JPEG)
    assert ok.sha256 == hashlib.sha256(JPEG).hexdigest()
    assert Path(ok.local_path).read_bytes() == JPEG and Path(ok.local_path).suffix == ".jpg"
    assert Path(ok.local_path).parent == storage / sub.code
    assert "too large" in a[2].error and "too large" in a[3].error
    assert "text/html" in a[4].error and a[5].error == "HTTP 404" and "timed out" in a[6].error
    assert a[7].content_type == "application/pdf" and Path(a[7].local_path).read_bytes() == PDF
    assert not [p for p in storage.rglob("*") if p.name.startswith(".part")]
    assert sorted(p.name for p in (storage / sub.code).iterdir()) == sorted(
        Path(x.local_path).name for x in (ok, a[7]))

    # a second run retries only the transient failures, and gives up after max_attempts
    again = download_attachments_sync(store, fetcher, max_attempts=2)
    assert sorted((r.position, r.status) for r in again) == [(6, "failed"), (8, "failed")]
    assert download_attachments_sync(store, fetcher, max_attempts=2) == []
    final = {att.position: att for att in store.get(sub.code).attachments}
    assert final[6].attempts == 2 and "gave up" in final[6].error
    audit = [e for e in store.audit_trail(sub.code) if e.action == "attachment"]
    assert len(audit) == 10 and {e.new_value for e in audit} == {"stored", "rejected", "failed", "retry"}
    store.close()


def test_allowed_hosts_and_background_download(db, server, tmp_path):
    store = db.store()
    sub = store.create_report(NewReport(kind="phan_anh", description="x", sender_id="u1",
                                        attachments=[server.url("/ok.jpg")]))
    blocked = AttachmentFetcher(tmp_path)  # the default policy: Zalo's media hosts
    [r] = download_attachments_sync(store, blocked, code=sub.code)
    assert r.status == "rejected" and "not an allowed" in r.error

    sub2 = store.create_report(NewReport(kind="phan_anh", description="y", sender_id="u1",
                                         attachments=[server.url("/ok.jpg")]))
    fetcher = AttachmentFetcher(tmp_path, test_only_allow=[server.netloc])

    async def chat_handler():
        task = start_background_download(store, fetcher, sub2.code)  # fire and forget
        return await task

    results = asyncio.run(chat_handler())
    assert [r.status for r in results] == ["stored"]
    assert store.get(sub2.code).attachments[0].status == "stored"
    assert store.get(sub.code).attachments[0].status == "rejected"
    store.close()


def test_unreachable_server_is_retry_not_loss(db, tmp_path):
    store = db.store()
    sub = store.create_report(NewReport(kind="to_giac", description="x", sender_id="u1",
                                        attachments=["http://127.0.0.1:9/nothing.jpg"]))
    [r] = download_attachments_sync(store, AttachmentFetcher(tmp_path, timeout=2, test_only_allow=["127.0.0.1:9"]))
    assert r.status == "retry" and "connection" in r.error
    assert store.get(sub.code).attachments[0].url == "http://127.0.0.1:9/nothing.jpg"
    store.close()


def test_sniffing():
    assert sniff_content_type(JPEG) == "image/jpeg"
    assert sniff_content_type(PDF) == "application/pdf"
    assert sniff_content_type(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"
    assert sniff_content_type(b"PK\x03\x04...", "https://x/y.docx").endswith("wordprocessingml.document")
    assert sniff_content_type(b"PK\x03\x04...", "https://x/y.zip") == "application/zip"
    assert sniff_content_type(b"hello") is None
