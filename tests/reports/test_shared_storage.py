"""Several nodes, one database: what the production setup (scripts/run.sh with RASA_WORKERS > 1 or
RASA_ENDPOINTS=production) relies on for reports, handoffs and attachments.

- Attachments are copied into ``REPORTS_ATTACHMENTS_DIR``, a directory every node mounts at the
  same path; the path stored in the (shared) database is absolute, so a copy made by one node's
  action server is read by another node, whatever their working directories.
- scripts/prepare_db.py creates the shared PostgreSQL database when it is missing and migrates it.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from aiohttp import web

from anninh import PROJECT_ROOT

from .httpserver import LocalServer
from .helpers import PG_URL

JPEG = b"\xff\xd8\xff\xe0" + b"evidence" * 200

NODE_A = """
import sys
from anninh.reports.attachments import AttachmentFetcher, download_attachments_sync
from anninh.reports.model import AttachmentIn, NewReport
from anninh.reports.store import ReportStore
store = ReportStore.open(migrate=True, use_content=False, default_unit="CA tỉnh")
sub = store.create_report(NewReport(kind="tin_bao", description="Ảnh hiện trường vụ trộm",
                                    attachments=[AttachmentIn(sys.argv[1], "image")]))
[result] = download_attachments_sync(store, AttachmentFetcher())
assert result.status == "stored", result
print(sub.code)
"""

NODE_B = """
import hashlib, sys
from anninh.reports.store import ReportStore
store = ReportStore.open(use_content=False, default_unit="CA tỉnh")
[att] = store.get(sys.argv[1]).attachments
assert store.attachments_to_download() == []  # nothing left for this node to fetch again
print(att.local_path)
print(hashlib.sha256(open(att.local_path, "rb").read()).hexdigest())
"""


def _node(script: str, cwd: Path, env_extra: dict, *args: str) -> str:
    cwd.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    env.update(PYTHONPATH=str(PROJECT_ROOT), PYTHONIOENCODING="utf-8", **env_extra)
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.parametrize("where", ["absolute", "relative"])
def test_an_attachment_stored_by_one_node_is_read_by_another(db, tmp_path, where):
    def routes(app: web.Application) -> None:
        async def photo(request):
            return web.Response(body=JPEG, content_type="image/jpeg")
        app.router.add_get("/photo.jpg", photo)

    shared = tmp_path / "shared-attachments"  # on a real cluster: the same mount on every node
    env = {"REPORTS_DB_URL": db.url, **({"REPORTS_DB_SCHEMA": db.schema} if db.schema else {})}
    # A relative setting is resolved against the node's working directory once, then stored whole.
    env_a = {**env, "REPORTS_ATTACHMENTS_DIR": str(shared) if where == "absolute" else "../shared-attachments"}
    with LocalServer(routes) as server:
        # The download policy refuses loopback addresses; this local stand-in for Zalo's media
        # host is exempted explicitly, as tests must (REPORTS_ATTACHMENTS_TEST_ONLY_ALLOW).
        host_port = server.url("/").split("/")[2]
        env_a["REPORTS_ATTACHMENTS_TEST_ONLY_ALLOW"] = host_port
        env_a["REPORTS_ATTACHMENT_HOSTS"] = "*"
        code = _node(NODE_A, tmp_path / "node-a", env_a, server.url("/photo.jpg")).strip()
    path, digest = _node(NODE_B, tmp_path / "node-b" / "deeper", {**env, "REPORTS_ATTACHMENTS_DIR": str(shared)},
                         code).split()
    assert Path(path).is_absolute() and Path(path).resolve().parent.parent == shared.resolve()
    assert digest == hashlib.sha256(JPEG).hexdigest()


def test_prepare_db_creates_the_shared_database_and_migrates_it(pg_error):
    from .conftest import require_pg

    require_pg(pg_error)
    import psycopg2

    name = f"zt_prepare_{uuid.uuid4().hex[:10]}"
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("REPORTS_")}
    env.update(PYTHONPATH=str(PROJECT_ROOT), REPORTS_DB_URL=url, TRACKER_DB_LOGIN_DB="test")
    try:
        first = subprocess.run([sys.executable, "scripts/prepare_db.py"], cwd=PROJECT_ROOT, env=env,
                               capture_output=True, text=True, timeout=120)
        assert first.returncode == 0, first.stderr[-2000:]
        assert "created the database" in first.stdout and "upgraded" in first.stdout
        again = subprocess.run([sys.executable, "scripts/prepare_db.py"], cwd=PROJECT_ROOT, env=env,
                               capture_output=True, text=True, timeout=120)
        assert again.returncode == 0 and "created" not in again.stdout and "up to date" in again.stdout
    finally:
        conn = psycopg2.connect(PG_URL.replace("postgresql://", "postgresql://", 1))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.close()
