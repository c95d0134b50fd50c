"""A real console server on a free port, over a real database (SQLite file or a PostgreSQL
schema), with units, accounts, reports, a stored photo and a conversation seeded."""
from __future__ import annotations

import io
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

import requests

from anninh.reports.model import AttachmentIn, NewReport
from anninh.reports.store import ReportStore
from devtools.servers import Server, free_port

PASSWORD = "mat-khau-thu-nghiem-1"
SECRET = "console-test-secret-key-" + "x" * 32
ACCOUNTS = {  # username: (unit key, role)
    "admin": ("P", "admin"),
    "head_p": ("P", "unit_head"),
    "head_a": ("A", "unit_head"),
    "officer_a": ("A", "officer"),
    "head_b": ("B", "unit_head"),
    "officer_b": ("B", "officer"),
    "victim": ("A", "officer"),
}
OA, APP, APP_KEY = "4300000000000777", "1200000000000777", "app-secret-777"


def png_bytes(width: int = 64, height: int = 48) -> bytes:
    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def pick_units():
    from anninh.reports.units import all_units
    units = all_units()
    province = next(u for u in units if u.kind == "province")
    communes = [u for u in units if u.kind == "commune"]
    return {"P": province, "A": communes[0], "B": communes[1]}


def tracker_endpoints(tmp: Path) -> Path:
    endpoints = tmp / "endpoints.yml"
    endpoints.write_text("tracker_store:\n  type: components.tracker_store.SQLiteTrackerStore\n"
                         f"  db: {tmp / 'tracker.db'}\n", encoding="utf-8")
    return endpoints


def add_chat(console: "Console", user: str, lines, *, age_hours: float = 1.0) -> str:
    """The citizen ``user`` talked with the assistant ``age_hours`` ago (Rasa's tracker store and
    the fake Zalo API agree on the last message); returns the citizen's last msg_id."""
    import asyncio
    from rasa.shared.core.events import BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from anninh.reports.conversations import TrackerConversations
    at = time.time() - age_hours * 3600
    events, msg_id = [], None
    for i, (who, body) in enumerate(lines):
        if who == "user":
            msg_id = f"msg-{user}-{i}"
            events.append(UserUttered(body, timestamp=at + i, input_channel="zalo", message_id=msg_id,
                                      metadata={"zalo": {"oa_id": OA, "user_id": user, "msg_id": msg_id,
                                                         "timestamp": str(int((at + i) * 1000))}}))
            console.fake.note_inbound(OA, user, msg_id, at=at + i)
        else:
            events.append(BotUttered(body, timestamp=at + i))
    store = TrackerConversations.from_endpoints(str(console.endpoints))._store
    asyncio.run(store.save(DialogueStateTracker.from_events(f"{OA}:{user}", events)))
    return msg_id


@dataclass
class Console:
    base_url: str
    store: ReportStore
    units: Dict[str, object]
    attachments_dir: Path
    endpoints: Path
    fake: object
    server: Optional[Server] = None
    reports: Dict[str, str] = field(default_factory=dict)

    @property
    def accounts(self):
        from anninh.reports.accounts import AccountStore
        return AccountStore(self.store.engine)

    def user(self, tag: str) -> str:
        """The Zalo user id of the citizen behind the reports tagged ``tag`` (one per backend)."""
        return f"{tag}-{self.store.engine.dialect.name}"

    def url(self, path: str) -> str:
        return self.base_url + path

    def session(self, username: Optional[str] = None, password: str = PASSWORD) -> "Browser":
        b = Browser(self)
        if username:
            r = b.login(username, password)
            assert r.status_code == 200 and "/login" not in r.url, (username, r.status_code, r.url)
        return b

    def new_report(self, unit_key: str, description: str = "Mất trộm xe máy trước nhà", *,
                   photo: bool = False, tag: str = "x", **extra) -> str:
        atts = [AttachmentIn(url=f"https://zalo.example/{tag}.png", media_type="image")] if photo else []
        sub = self.store.create_report(NewReport(
            kind=extra.pop("kind", "tin_bao"), description=description, place_text="thôn Nà Pồng",
            latitude=22.6657, longitude=106.2579, attachments=atts, channel="zalo", oa_id=OA,
            sender_id=f"{OA}:{self.user(tag)}", unit=self.units[unit_key].name, **extra))
        if photo:
            report = self.store.require(sub.code)
            folder = self.attachments_dir / sub.code
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "1.png"
            data = png_bytes()
            path.write_bytes(data)
            self.store.record_attachment_result(report.attachments[0].id, status="stored", local_path=str(path),
                                                content_type="image/png", size_bytes=len(data))
        return sub.code


def add_handoff(console: "Console", unit_key: str, tag: str, *, minutes_ago: float = 1.0,
                chat_age_hours: float = 0.1) -> int:
    """A citizen (``tag``) who talked with the assistant and asked for an officer of unit
    ``unit_key``; returns the handoff request id."""
    from datetime import timedelta

    from anninh.reports.handoff import HandoffStore
    from anninh.reports.timeutil import utcnow
    user = console.user(tag)
    add_chat(console, user, [("user", "cho toi gap can bo, sdt 0912345678"), ("bot", "Dạ, cán bộ sẽ trả lời")],
             age_hours=chat_age_hours)
    h = HandoffStore(console.store.engine).request(
        channel="zalo", sender_id=f"{OA}:{user}", oa_id=OA, unit=console.units[unit_key].name, hours=8,
        reason="gặp cán bộ", transcript=[{"who": "citizen", "text": "cho toi gap can bo"}],
        now=utcnow() - timedelta(minutes=minutes_ago))
    return h.id


class Browser:
    """An HTTP client with a session cookie that knows how to find the CSRF token of a page."""

    def __init__(self, console: Console):
        self.console = console
        self.http = requests.Session()
        self.token: Optional[str] = None

    def _keep_token(self, r: requests.Response) -> requests.Response:
        m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', r.text or "")
        if m:
            self.token = m.group(1)
        return r

    def get(self, path: str, **kw) -> requests.Response:
        kw.setdefault("allow_redirects", False)
        return self._keep_token(self.http.get(self.console.url(path), timeout=30, **kw))

    def post(self, path: str, data: Optional[dict] = None, *, csrf: bool = True, **kw) -> requests.Response:
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login" if not self.http.cookies else "/")
            data["csrf_token"] = self.token
        kw.setdefault("allow_redirects", False)
        return self._keep_token(self.http.post(self.console.url(path), data=data, timeout=30, **kw))

    def login(self, username: str, password: str) -> requests.Response:
        self.get("/login")
        return self.post("/login", {"username": username, "password": password}, allow_redirects=True)


def start_console(tmp: Path, db_url: str, schema: Optional[str], fake, *,
                  extra_env: Optional[dict] = None, command: Optional[list] = None) -> Console:
    """``command``: the server to start (default: ``python -m anninh.console``)."""
    store = ReportStore.open(db_url, schema=schema, migrate=True, use_content=False,
                             default_unit=pick_units()["P"].name)
    units = pick_units()
    accounts = __import__("anninh.reports.accounts", fromlist=["AccountStore"]).AccountStore(store.engine)
    for username, (unit_key, role) in ACCOUNTS.items():
        accounts.create(username, PASSWORD, display_name=f"Đồng chí {username}", unit_id=units[unit_key].id,
                        role=role, actor="test")
    att_dir = tmp / "attachments"
    att_dir.mkdir(parents=True, exist_ok=True)
    endpoints = tracker_endpoints(tmp)
    console = Console("", store, units, att_dir, endpoints, fake)
    port = free_port()
    pair = fake.issue_tokens(OA, APP, APP_KEY)
    env = {"REPORTS_DB_URL": db_url, "REPORTS_DB_SCHEMA": schema or "", "CONSOLE_PORT": str(port),
           "CONSOLE_HOST": "127.0.0.1", "CONSOLE_SECRET_KEY": SECRET, "REPORTS_ATTACHMENTS_DIR": str(att_dir),
           "REPORTS_TRACKER_ENDPOINTS": str(endpoints), "CONSOLE_MAX_FAILURES_PER_ADDRESS": "1000",
           "CONSOLE_PAGE_SIZE": "5",
           # the reply to the citizen goes through the production notifier to the fake Zalo API
           "ZALO_OA_ID": OA, "ZALO_APP_ID": APP, "ZALO_OA_SECRET_KEY": "oa-secret", "ZALO_APP_SECRET_KEY": APP_KEY,
           "ZALO_REFRESH_TOKEN": pair["refresh_token"], "ZALO_API_BASE_URL": fake.url,
           "ZALO_OAUTH_BASE_URL": fake.url, "ZALO_DB_PATH": str(tmp / "zalo.db"),
           "REPORTS_ZALO_CREDENTIALS": str(tmp / "no-credentials.yml")}
    env.update(extra_env or {})
    console.server = Server("console", command or [sys.executable, "-m", "anninh.console"],
                            f"http://127.0.0.1:{port}/healthz", tmp / "console.log", env).wait_ready(60)
    console.base_url = f"http://127.0.0.1:{port}"
    return console
