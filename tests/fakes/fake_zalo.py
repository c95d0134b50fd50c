"""A fake Zalo OA API (message API + OAuth v4 token endpoint) over real HTTP, for tests and benchmarks.

- ``POST /v3.0/oa/message/cs``: checks the ``access_token`` header against the tokens it issued
  (unknown → -216, expired → -220), checks the message shape (text ≤ 2000, ≤ 5 buttons, titles ≤ 100,
  known button types → else -201/-210), records it and answers like Zalo (HTTP 200 + ``error``).
- ``POST /v4/oa/access_token``: refresh (single-use refresh tokens) and authorization-code grants,
  checked against the app secret key in the ``secret_key`` header.
- ``GET /v2.0/oa/getoa``: OA info (token check).
- Replies that quote a citizen's message (``recipient.message_id`` instead of ``user_id``): the
  message id must have been announced with ``note_inbound`` (what the citizen sent); a reply more
  than ``reply_hours`` after it, or beyond ``reply_limit`` replies to it, gets -232 (interaction
  expired), as Zalo's 48 hours / 8 messages rule says.
- ``POST /message/template`` (ZNS, normally on business.openapi.zalo.me): a template message to a
  phone number (84…); the template id must have been added with ``add_zns_template``; recorded in
  ``zns_messages``.
- Fault injection, FIFO per target ("message" or "oauth"): Zalo error codes (-216, -230, -32, ...),
  HTTP statuses (5xx, 429 with Retry-After), slow answers (``delay``).
- Control API under ``/_fake/`` (JSON) so another process (the benchmark, a Rasa under test) can be
  driven: ``GET messages?since=N``, ``GET requests``, ``GET stats``, ``POST faults``, ``POST tokens``,
  ``POST expire``, ``POST reset``.

Use in-process (``async with FakeZalo() as fake`` or ``fake.start_in_thread()``) or standalone:
``python tests/fakes/fake_zalo.py --oa-id OA --app-id APP --app-secret-key KEY [--port 0]``, which
prints ``FAKE_ZALO_URL=...`` and ``ZALO_REFRESH_TOKEN=...`` lines, then serves until interrupted.
"""
from __future__ import annotations

import argparse
import asyncio
import bisect
import itertools
import json
import secrets
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Tuple

from aiohttp import web

BUTTON_TYPES = {"oa.query.show", "oa.query.hide", "oa.open.url", "oa.open.phone", "oa.open.sms"}
ERROR_TEXT = {
    -32: "Rate limit exceeded", -201: "Invalid parameter", -210: "Parameter exceeds limit",
    -216: "Access token is invalid", -220: "Access token has expired",
    -230: "User has not interacted with the OA in the past 7 days", -233: "Invalid message type",
}


@dataclass
class Fault:
    target: str = "message"  # message | oauth
    kind: str = "error"  # error | http | delay
    code: int = 0
    status: int = 500
    seconds: float = 0.0
    retry_after: Optional[float] = None
    times: int = 1
    oa_id: Optional[str] = None


@dataclass
class _Access:
    oa_id: str
    app_id: str
    expires_at: float


@dataclass
class _Refresh:
    oa_id: str
    app_id: str
    used: bool = False


@dataclass
class _State:
    apps: Dict[str, str] = field(default_factory=dict)  # app_id -> app secret key
    access: Dict[str, _Access] = field(default_factory=dict)
    refresh: Dict[str, _Refresh] = field(default_factory=dict)
    codes: Dict[str, Tuple[str, str]] = field(default_factory=dict)  # auth code -> (oa_id, app_id)
    faults: List[Fault] = field(default_factory=list)
    messages: List[Dict[str, Any]] = field(default_factory=list)
    requests: List[Dict[str, Any]] = field(default_factory=list)
    inbound: Dict[str, Dict[str, Any]] = field(default_factory=dict)  # msg_id -> oa, user, at, replies
    zns_templates: set = field(default_factory=set)
    zns_messages: List[Dict[str, Any]] = field(default_factory=list)
    refresh_calls: int = 0
    refresh_in_flight: int = 0
    max_refresh_in_flight: int = 0


class FakeZalo:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, access_ttl: float = 90000.0,
                 max_buttons: int = 5, text_limit: int = 2000, reply_hours: float = 48.0,
                 reply_limit: int = 8) -> None:
        self.host = host
        self.reply_hours = reply_hours
        self.reply_limit = reply_limit
        self.port = port
        self.access_ttl = access_ttl
        self.max_buttons = max_buttons
        self.text_limit = text_limit
        self._state = _State()
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._seq = itertools.count(1)
        self._runner: Optional[web.AppRunner] = None
        self._thread: Optional[threading.Thread] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._arrival: Optional[asyncio.Event] = None  # set when a message arrives (long polls)

    # ----------------------------------------------------------------- lifecycle
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v3.0/oa/message/cs", self._send_message)
        app.router.add_post("/v4/oa/access_token", self._access_token)
        app.router.add_post("/message/template", self._send_zns)
        app.router.add_get("/v2.0/oa/getoa", self._get_oa)
        app.router.add_get("/_fake/messages", self._ctl_messages)
        app.router.add_get("/_fake/requests", self._ctl_requests)
        app.router.add_get("/_fake/stats", self._ctl_stats)
        app.router.add_post("/_fake/faults", self._ctl_faults)
        app.router.add_post("/_fake/tokens", self._ctl_tokens)
        app.router.add_post("/_fake/expire", self._ctl_expire)
        app.router.add_post("/_fake/reset", self._ctl_reset)
        return app

    async def start(self) -> "FakeZalo":
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "FakeZalo":
        return await self.start()

    async def __aexit__(self, *exc: Any) -> None:
        await self.stop()

    def start_in_thread(self) -> "FakeZalo":
        """Serve from a background thread (for synchronous tests and fixtures)."""
        ready = threading.Event()
        errors: List[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self.stop())
            loop.close()

        self._thread = threading.Thread(target=run, name="fake-zalo", daemon=True)
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        return self

    def stop_thread(self) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._thread = None

    # ------------------------------------------------------------ test helpers
    def register_app(self, app_id: str, app_secret_key: str) -> None:
        with self._lock:
            self._state.apps[app_id] = app_secret_key

    def issue_tokens(self, oa_id: str, app_id: str, app_secret_key: Optional[str] = None,
                     access_ttl: Optional[float] = None) -> Dict[str, str]:
        """A fresh pair, as if the OA admin had just authorised the app."""
        with self._lock:
            if app_secret_key is not None:
                self._state.apps[app_id] = app_secret_key
            return self._new_pair_locked(oa_id, app_id, access_ttl)

    def issue_code(self, oa_id: str, app_id: str) -> str:
        code = "code-" + secrets.token_urlsafe(12)
        with self._lock:
            self._state.codes[code] = (oa_id, app_id)
        return code

    def _new_pair_locked(self, oa_id: str, app_id: str, access_ttl: Optional[float] = None) -> Dict[str, str]:
        ttl = self.access_ttl if access_ttl is None else access_ttl
        access = "at-" + secrets.token_urlsafe(24)
        refresh = "rt-" + secrets.token_urlsafe(24)
        self._state.access[access] = _Access(oa_id, app_id, time.time() + ttl)
        self._state.refresh[refresh] = _Refresh(oa_id, app_id)
        return {"access_token": access, "refresh_token": refresh, "expires_in": str(int(ttl))}

    def expire_access_tokens(self, oa_id: Optional[str] = None) -> int:
        """Make current access tokens expired (the next send gets -220)."""
        with self._lock:
            n = 0
            for token in self._state.access.values():
                if oa_id is None or token.oa_id == oa_id:
                    token.expires_at = 0.0
                    n += 1
            return n

    def revoke_access_tokens(self, oa_id: Optional[str] = None) -> int:
        """Forget current access tokens (the next send gets -216)."""
        with self._lock:
            gone = [t for t, a in self._state.access.items() if oa_id is None or a.oa_id == oa_id]
            for token in gone:
                del self._state.access[token]
            return len(gone)

    def note_inbound(self, oa_id: str, user_id: str, msg_id: str, at: Optional[float] = None) -> None:
        """A message the citizen sent to the OA (so that a reply may quote its ``msg_id``)."""
        with self._lock:
            self._state.inbound[msg_id] = {"oa_id": oa_id, "user_id": user_id,
                                           "at": time.time() if at is None else at, "replies": 0}

    def add_zns_template(self, template_id: str) -> None:
        with self._lock:
            self._state.zns_templates.add(template_id)

    @property
    def zns_messages(self) -> List[Dict[str, Any]]:
        with self._lock:
            return list(self._state.zns_messages)

    def add_fault(self, **kwargs: Any) -> None:
        with self._lock:
            self._state.faults.append(Fault(**kwargs))

    def clear_faults(self) -> None:
        with self._lock:
            self._state.faults.clear()

    def reset(self) -> None:
        """Forget messages, requests, faults and counters (tokens and apps stay)."""
        with self._lock:
            self._state.messages.clear()
            self._state.requests.clear()
            self._state.faults.clear()
            self._state.refresh_calls = 0
            self._state.max_refresh_in_flight = 0

    @property
    def messages(self) -> List[Dict[str, Any]]:
        with self._lock:
            return list(self._state.messages)

    @property
    def requests(self) -> List[Dict[str, Any]]:
        with self._lock:
            return list(self._state.requests)

    @property
    def refresh_calls(self) -> int:
        with self._lock:
            return self._state.refresh_calls

    @property
    def max_refresh_in_flight(self) -> int:
        with self._lock:
            return self._state.max_refresh_in_flight

    def messages_to(self, user_id: str) -> List[Dict[str, Any]]:
        return [m for m in self.messages if m["user_id"] == user_id]

    def wait_for(self, count: int, user_id: Optional[str] = None, timeout: float = 10.0) -> List[Dict[str, Any]]:
        """Block until ``count`` messages (to ``user_id``, if given) were recorded; return them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [m for m in self._state.messages if user_id is None or m["user_id"] == user_id]
                left = deadline - time.monotonic()
                if len(found) >= count or left <= 0:
                    return found
                self._changed.wait(min(left, 0.1))

    async def wait_for_async(self, count: int, user_id: Optional[str] = None, timeout: float = 10.0
                             ) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            found = [m for m in self.messages if user_id is None or m["user_id"] == user_id]
            if len(found) >= count or time.monotonic() > deadline:
                return found
            await asyncio.sleep(0.01)

    # ------------------------------------------------------------ fault logic
    def _take_fault(self, target: str, oa_id: Optional[str]) -> Optional[Fault]:
        with self._lock:
            for fault in self._state.faults:
                if fault.target == target and (fault.oa_id is None or fault.oa_id == oa_id):
                    fault.times -= 1
                    if fault.times <= 0:
                        self._state.faults.remove(fault)
                    return fault
        return None

    async def _apply_fault(self, fault: Optional[Fault]) -> Optional[web.Response]:
        if fault is None:
            return None
        if fault.kind == "delay":
            await asyncio.sleep(fault.seconds)
            return None
        if fault.kind == "http":
            headers = {"Retry-After": str(int(fault.retry_after))} if fault.retry_after is not None else None
            return web.Response(status=fault.status, text="fake failure", headers=headers)
        return self._zalo_error(fault.code)

    @staticmethod
    def _zalo_error(code: int, message: Optional[str] = None) -> web.Response:
        return web.json_response({"error": code, "message": message or ERROR_TEXT.get(code, "Error")})

    # ------------------------------------------------------------ Zalo endpoints
    def _check_token(self, token: Optional[str]) -> Tuple[Optional[_Access], int]:
        with self._lock:
            access = self._state.access.get(token or "")
        if access is None:
            return None, -216
        if access.expires_at <= time.time():
            return access, -220
        return access, 0

    def _validate(self, body: Any) -> Tuple[int, str]:
        if not isinstance(body, dict):
            return -201, "body must be an object"
        recipient = body.get("recipient") if isinstance(body.get("recipient"), dict) else {}
        user_id = recipient.get("user_id") or recipient.get("message_id")
        if not isinstance(user_id, str) or not user_id:
            return -201, "recipient.user_id or recipient.message_id missing"
        message = body.get("message")
        if not isinstance(message, dict) or not (message.get("text") or message.get("attachment")):
            return -201, "message must have text or attachment"
        text = message.get("text")
        if text is not None and (not isinstance(text, str) or len(text) > self.text_limit):
            return -210, "text too long"
        attachment = message.get("attachment")
        if attachment is not None:
            payload = attachment.get("payload") if isinstance(attachment, dict) else None
            if not isinstance(payload, dict):
                return -201, "attachment.payload missing"
            buttons = payload.get("buttons")
            if buttons is not None:
                if not isinstance(buttons, list) or not buttons or len(buttons) > self.max_buttons:
                    return -210, "too many buttons"
                for b in buttons:
                    if not isinstance(b, dict) or b.get("type") not in BUTTON_TYPES:
                        return -201, "bad button type"
                    if not isinstance(b.get("title"), str) or not b["title"] or len(b["title"]) > 100:
                        return -201, "bad button title"
                    if b["type"].startswith("oa.query") and not isinstance(b.get("payload"), str):
                        return -201, "query button payload must be a string"
                    if b["type"] == "oa.open.url" and not (b.get("payload") or {}).get("url"):
                        return -201, "url button without url"
                    if b["type"] == "oa.open.phone" and not (b.get("payload") or {}).get("phone_code"):
                        return -201, "phone button without phone_code"
            elif payload.get("template_type") == "media":
                elements = payload.get("elements")
                if not isinstance(elements, list) or not elements or not elements[0].get("url"):
                    return -201, "media template without url"
            elif payload.get("template_type") not in ("request_user_info", "media", "list", None):
                return -233, "unknown template"
        return 0, ""

    def _recipient(self, recipient: Dict[str, Any], oa_id: Optional[str], now: float
                   ) -> Tuple[Optional[str], Optional[str], int, str]:
        """(user_id, quoted msg_id, error code, why) of a valid message's recipient."""
        reply_to = recipient.get("message_id")
        if not reply_to:
            return recipient["user_id"], None, 0, ""
        with self._lock:
            inbound = self._state.inbound.get(reply_to)
            if inbound is None or inbound["oa_id"] != oa_id:
                return None, reply_to, -201, "message_id is not a message sent to this OA"
            if now - inbound["at"] > self.reply_hours * 3600 or inbound["replies"] >= self.reply_limit:
                return None, reply_to, -232, "Interaction expired"
            inbound["replies"] += 1
            return inbound["user_id"], reply_to, 0, ""

    async def _send_message(self, request: web.Request) -> web.Response:
        received_at = time.time()
        token = request.headers.get("access_token")
        access, token_error = self._check_token(token)
        oa_id = access.oa_id if access else None
        raw = await request.read()
        outcome: Any = "ok"
        try:
            fault = self._take_fault("message", oa_id)
            failure = await self._apply_fault(fault)
            if failure is not None:
                outcome = f"fault:{fault.kind}:{fault.code or fault.status}"  # type: ignore[union-attr]
                return failure
            if token_error:
                outcome = token_error
                return self._zalo_error(token_error)
            try:
                body = json.loads(raw)
            except ValueError:
                outcome = -201
                return self._zalo_error(-201, "body is not JSON")
            code, why = self._validate(body)
            if not code:
                user_id, reply_to, code, why = self._recipient(body["recipient"], oa_id, received_at)
            if code:
                outcome = code
                return self._zalo_error(code, why)
            message_id = secrets.token_hex(16)
            with self._changed:
                self._state.messages.append({
                    "seq": next(self._seq), "oa_id": oa_id, "user_id": user_id, "reply_to": reply_to,
                    "message": body["message"], "message_id": message_id,
                    "received_at": received_at, "answered_at": time.time(),
                })
                self._changed.notify_all()
            self._wake_pollers()
            return web.json_response({"error": 0, "message": "Success",
                                      "data": {"message_id": message_id, "user_id": user_id}})
        finally:
            with self._lock:
                self._state.requests.append({"path": "message", "oa_id": oa_id, "outcome": outcome,
                                             "at": received_at})

    async def _send_zns(self, request: web.Request) -> web.Response:
        access, token_error = self._check_token(request.headers.get("access_token"))
        if token_error:
            return self._zalo_error(token_error)
        try:
            body = json.loads(await request.read())
        except ValueError:
            return self._zalo_error(-201, "body is not JSON")
        phone = str(body.get("phone") or "") if isinstance(body, dict) else ""
        if not (phone.isdigit() and phone.startswith("84") and 11 <= len(phone) <= 12):
            return self._zalo_error(-108, "Phone number is invalid")
        with self._lock:
            if body.get("template_id") not in self._state.zns_templates:
                return self._zalo_error(-124, "Template is invalid")
            if not isinstance(body.get("template_data"), dict):
                return self._zalo_error(-201, "template_data must be an object")
            msg_id = secrets.token_hex(16)
            self._state.zns_messages.append({"oa_id": access.oa_id, "phone": phone,  # type: ignore[union-attr]
                                             "template_id": body["template_id"],
                                             "template_data": body["template_data"],
                                             "tracking_id": body.get("tracking_id"), "msg_id": msg_id})
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"msg_id": msg_id, "sent_time": str(int(time.time() * 1000))}})

    async def _access_token(self, request: web.Request) -> web.Response:
        form = await request.post()
        app_id = str(form.get("app_id") or "")
        with self._lock:
            self._state.refresh_calls += 1
            self._state.refresh_in_flight += 1
            self._state.max_refresh_in_flight = max(self._state.max_refresh_in_flight,
                                                    self._state.refresh_in_flight)
        try:
            failure = await self._apply_fault(self._take_fault("oauth", None))
            if failure is not None:
                return failure
            with self._lock:
                secret = self._state.apps.get(app_id)
                if secret is None or request.headers.get("secret_key") != secret:
                    return web.json_response({"error": -14002, "error_name": "Invalid app",
                                              "error_description": "app_id or secret_key is wrong"})
                grant = form.get("grant_type")
                if grant == "refresh_token":
                    stored = self._state.refresh.get(str(form.get("refresh_token") or ""))
                    if stored is None or stored.used or stored.app_id != app_id:
                        return web.json_response({"error": -14014, "error_name": "Invalid refresh token",
                                                  "error_description": "Refresh token is invalid or used"})
                    stored.used = True
                    pair = self._new_pair_locked(stored.oa_id, app_id)
                elif grant == "authorization_code":
                    found = self._state.codes.pop(str(form.get("code") or ""), None)
                    if found is None or found[1] != app_id:
                        return web.json_response({"error": -14019, "error_name": "Invalid code",
                                                  "error_description": "Authorization code is invalid"})
                    pair = self._new_pair_locked(found[0], app_id)
                else:
                    return web.json_response({"error": -14001, "error_name": "Invalid grant_type"})
            return web.json_response(pair)
        finally:
            with self._lock:
                self._state.refresh_in_flight -= 1

    async def _get_oa(self, request: web.Request) -> web.Response:
        access, code = self._check_token(request.headers.get("access_token"))
        if code:
            return self._zalo_error(code)
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"oa_id": access.oa_id, "name": "Fake OA"}})  # type: ignore[union-attr]

    # ------------------------------------------------------------ control API
    def _wake_pollers(self) -> None:
        # Runs on the fake's loop (in the message handler), where the pollers wait.
        if self._arrival is not None:
            self._arrival.set()
            self._arrival = None

    def _messages_since(self, since: int) -> List[Dict[str, Any]]:
        with self._lock:
            messages = self._state.messages  # appended in seq order
            return messages[bisect.bisect_right(messages, since, key=lambda m: m["seq"]):]

    async def _ctl_messages(self, request: web.Request) -> web.Response:
        """Messages after ``since``; with ``wait`` (seconds, ≤ 30), wait for one when there are none;
        with ``fields`` (comma-separated), only those keys of each message (a load generator's poll
        then costs both sides less)."""
        since = int(request.query.get("since", "0"))
        deadline = time.monotonic() + min(float(request.query.get("wait", "0")), 30.0)
        messages = self._messages_since(since)
        while not messages and time.monotonic() < deadline:
            if self._arrival is None:
                self._arrival = asyncio.Event()
            try:
                await asyncio.wait_for(self._arrival.wait(), deadline - time.monotonic())
            except asyncio.TimeoutError:
                pass
            messages = self._messages_since(since)
        last = messages[-1]["seq"] if messages else since
        fields = [f for f in request.query.get("fields", "").split(",") if f]
        if fields:
            messages = [{k: m.get(k) for k in fields} for m in messages]
        return web.json_response({"messages": messages, "last": last})

    async def _ctl_requests(self, request: web.Request) -> web.Response:
        return web.json_response({"requests": self.requests})

    async def _ctl_stats(self, request: web.Request) -> web.Response:
        with self._lock:
            return web.json_response({"messages": len(self._state.messages), "requests": len(self._state.requests),
                                      "refresh_calls": self._state.refresh_calls,
                                      "max_refresh_in_flight": self._state.max_refresh_in_flight,
                                      "faults_left": len(self._state.faults)})

    async def _ctl_faults(self, request: web.Request) -> web.Response:
        data = await request.json()
        for item in data if isinstance(data, list) else [data]:
            self.add_fault(**item)
        return web.json_response({"ok": True})

    async def _ctl_tokens(self, request: web.Request) -> web.Response:
        data = await request.json()
        pair = self.issue_tokens(str(data["oa_id"]), str(data["app_id"]), data.get("app_secret_key"),
                                 data.get("access_ttl"))
        return web.json_response(pair)

    async def _ctl_expire(self, request: web.Request) -> web.Response:
        data = await request.json() if request.can_read_body else {}
        if data.get("revoke"):
            return web.json_response({"revoked": self.revoke_access_tokens(data.get("oa_id"))})
        return web.json_response({"expired": self.expire_access_tokens(data.get("oa_id"))})

    async def _ctl_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Fake Zalo OA API for tests and benchmarks")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--oa-id", action="append", default=[], help="OA to issue a first token pair for")
    parser.add_argument("--app-id", required=True)
    parser.add_argument("--app-secret-key", required=True)
    args = parser.parse_args(argv)
    if not args.host.startswith("127.") and args.host not in ("localhost", "::1"):
        parser.error("the fake only listens on the loopback interface")

    async def serve() -> None:
        fake = await FakeZalo(args.host, args.port).start()
        fake.register_app(args.app_id, args.app_secret_key)
        print(f"FAKE_ZALO_URL={fake.url}")
        for oa_id in args.oa_id:
            pair = fake.issue_tokens(oa_id, args.app_id)
            suffix = "" if len(args.oa_id) == 1 else f"_{oa_id}"
            print(f"ZALO_REFRESH_TOKEN{suffix}={pair['refresh_token']}")
        sys.stdout.flush()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        await fake.stop()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
