"""Test support: Zalo event builders, signed posting, and the real channel served by Sanic in-process
against the fake Zalo API, with a small stand-in bot in place of the Rasa agent."""
from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Union

import aiohttp
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from channels.zalo.channel import ZaloInput
from channels.zalo.config import ZaloAccount
from channels.zalo.signature import SIGNATURE_HEADER, sign
from fake_zalo import FakeZalo

_msg_ids = itertools.count(int(time.time() * 1000))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def account_dict(oa_id: str = "4300000000000001", app_id: str = "1200000000000001", unit: str = "CA-P1",
                 **extra: Any) -> Dict[str, Any]:
    return {"oa_id": oa_id, "app_id": app_id, "oa_secret_key": f"oa-secret-{oa_id}",
            "app_secret_key": f"app-secret-{app_id}", "unit": unit, **extra}


def to_account(d: Dict[str, Any]) -> ZaloAccount:
    return ZaloAccount(**d)


def now_ms() -> str:
    return str(int(time.time() * 1000))


def base_event(event_name: str, oa_id: str, user_id: str, app_id: str = "1200000000000001") -> Dict[str, Any]:
    return {"app_id": app_id, "sender": {"id": user_id}, "recipient": {"id": oa_id},
            "user_id_by_app": "9" + user_id, "event_name": event_name, "timestamp": now_ms()}


def text_event(oa_id: str, user_id: str, text: str, msg_id: Optional[str] = None) -> Dict[str, Any]:
    data = base_event("user_send_text", oa_id, user_id)
    data["message"] = {"text": text, "msg_id": msg_id or f"m{next(_msg_ids)}"}
    return data


def image_event(oa_id: str, user_id: str, url: str = "https://photo.zdn.vn/a.jpg",
                caption: Optional[str] = None) -> Dict[str, Any]:
    data = base_event("user_send_image", oa_id, user_id)
    data["message"] = {"msg_id": f"m{next(_msg_ids)}", "attachments": [
        {"type": "image", "payload": {"url": url, "thumbnail": url + "?thumb"}}]}
    if caption:
        data["message"]["text"] = caption
    return data


def location_event(oa_id: str, user_id: str, lat: str = "21.0285", lon: str = "105.8542") -> Dict[str, Any]:
    data = base_event("user_send_location", oa_id, user_id)
    data["message"] = {"msg_id": f"m{next(_msg_ids)}", "attachments": [
        {"type": "location", "payload": {"coordinates": {"latitude": lat, "longitude": lon}}}]}
    return data


def follow_event(oa_id: str, user_id: str, app_id: str = "1200000000000001") -> Dict[str, Any]:
    return {"oa_id": oa_id, "follower": {"id": user_id}, "user_id_by_app": "9" + user_id,
            "event_name": "follow", "source": "oa_profile", "app_id": app_id, "timestamp": now_ms()}


def submit_info_event(oa_id: str, user_id: str) -> Dict[str, Any]:
    data = base_event("user_submit_info", oa_id, user_id)
    data["info"] = {"name": "Nguyễn Văn A", "phone": "84912345678", "address": "12 Lê Lợi",
                    "city": "Huế", "district": "", "ward": "Phú Hội"}
    return data


def encode(data: Union[Dict[str, Any], bytes]) -> bytes:
    return data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode("utf-8")


def signature_for(account: Dict[str, Any], body: bytes, timestamp: str) -> str:
    return sign(to_account(account), body, timestamp)


async def post_signed(session: aiohttp.ClientSession, url: str, data: Union[Dict[str, Any], bytes],
                      account: Dict[str, Any], signature: Optional[str] = None,
                      with_signature: bool = True) -> aiohttp.ClientResponse:
    body = encode(data)
    headers = {"Content-Type": "application/json"}
    if with_signature:
        if signature is None:
            timestamp = str(json.loads(body)["timestamp"]) if isinstance(data, dict) else ""
            signature = signature_for(account, body, timestamp)
        headers[SIGNATURE_HEADER] = signature
    async with session.post(url, data=body, headers=headers) as resp:
        await resp.read()
        return resp


@dataclass
class StandInBot:
    """Plays the Rasa agent: records each UserMessage and answers through its output channel.

    ``echo:<text>`` is the answer to any text; ``buttons`` answers with three buttons;
    ``slow`` takes 0.3 s. Small random pauses shake up timing so that ordering bugs show.
    """

    received: List[UserMessage] = field(default_factory=list)
    jitter: float = 0.005

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.jitter:
            await asyncio.sleep(random.random() * self.jitter)
        text = message.text or ""
        out = message.output_channel
        if text == "slow":
            await asyncio.sleep(0.3)
        if text == "buttons":
            await out.send_text_with_buttons(message.sender_id, "Chọn thủ tục:", [
                {"title": "Tạm trú", "payload": '/ask_procedure{"procedure":"cu_tru.tam_tru"}'},
                {"title": "Cổng DVC", "type": "web_url", "url": "https://dichvucong.gov.vn"},
                {"title": "Gọi tổng đài", "payload": "tel:18001096"},
            ])
            return
        await out.send_text_message(message.sender_id, f"echo:{text}")


class ChannelHarness:
    """The real ZaloInput blueprint on a real Sanic server (127.0.0.1, free port), wired to the fake
    Zalo API. ``async with ChannelHarness(tmp_path) as h: await h.post(event)``."""

    def __init__(self, tmp_path: Path, accounts: Optional[List[Dict[str, Any]]] = None,
                 bot: Optional[Any] = None, fake: Optional[FakeZalo] = None, **settings: Any) -> None:
        self.tmp_path = tmp_path
        self.accounts = accounts or [account_dict()]
        self.bot = bot or StandInBot()
        self.fake = fake
        self._own_fake = fake is None
        self.extra_settings = settings
        self.channel: Optional[ZaloInput] = None
        self.session: Optional[aiohttp.ClientSession] = None
        self._server: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/zalo/webhook"

    @property
    def account(self) -> Dict[str, Any]:
        return self.accounts[0]

    async def __aenter__(self) -> "ChannelHarness":
        if self.fake is None:
            self.fake = await FakeZalo().start()
        for acc in self.accounts:
            if "refresh_token" not in acc:
                pair = self.fake.issue_tokens(acc["oa_id"], acc["app_id"], acc["app_secret_key"])
                acc["refresh_token"] = pair["refresh_token"]
            else:
                self.fake.register_app(acc["app_id"], acc["app_secret_key"])
        creds = {"accounts": self.accounts, "db_path": str(self.tmp_path / "zalo.db"),
                 "api_base_url": self.fake.url, "oauth_base_url": self.fake.url,
                 "backoff_base": 0.01, "backoff_max": 0.05, "request_timeout": 2}
        creds.update(self.extra_settings)
        self.channel = ZaloInput.from_credentials(creds)
        Sanic.test_mode = True  # several apps in one process (re-runs Sanic's touch-up safely)
        app = Sanic(f"zalo_test_{uuid.uuid4().hex}")
        app.blueprint(self.channel.blueprint(self.bot), url_prefix="/webhooks/zalo")
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        self._server = await app.create_server(sock=sock, return_asyncio_server=True, access_log=False)
        await self._server.startup()
        await self._server.before_start()
        await self._server.after_start()
        self.session = aiohttp.ClientSession()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self.session is not None:
            await self.session.close()
        if self._server is not None:
            await self._server.before_stop()
            self._server.close()
            await self._server.wait_closed()
            await self._server.after_stop()
        if self._own_fake and self.fake is not None:
            await self.fake.stop()

    async def post(self, data: Union[Dict[str, Any], bytes], account: Optional[Dict[str, Any]] = None,
                   **kwargs: Any) -> aiohttp.ClientResponse:
        assert self.session is not None
        return await post_signed(self.session, self.url, data, account or self.account, **kwargs)

    async def wait_turns(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.bot.received) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
