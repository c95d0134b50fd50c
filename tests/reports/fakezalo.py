"""A stand-in for the Zalo connector's ``send_text`` and a server that answers like Zalo.

``send_text`` POSTs to ``$FAKE_ZALO_URL/v3.0/oa/message/cs`` exactly the way the OA API is
called (access_token header, recipient.user_id, message.text) and maps Zalo's JSON answer
(always HTTP 200, ``error`` = 0 for success) to ``(ok, error_code, message)``.
It is importable from a subprocess as ``tests.reports.fakezalo:send_text``.
"""
from __future__ import annotations

import os
from typing import List, Optional, Tuple

import aiohttp
from aiohttp import web

SEND_PATH = "/v3.0/oa/message/cs"
OUTSIDE_WINDOW_USERS = {"user-silent", "u-old"}  # answered with -230
OUTSIDE_WINDOW_MESSAGE = "User has not interacted with the OA in the past 7 days"


async def send_text(oa_id: str, user_id: str, text: str) -> Tuple[bool, Optional[int], Optional[str]]:
    url = os.environ["FAKE_ZALO_URL"].rstrip("/") + SEND_PATH
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
        async with session.post(url, headers={"access_token": f"token-for-{oa_id}"},
                                json={"recipient": {"user_id": user_id}, "message": {"text": text}}) as resp:
            data = await resp.json(content_type=None)
    code = int(data.get("error", -1))
    return code == 0, code, data.get("message")


def setup_zalo_app(app: web.Application, received: List[dict]) -> None:
    async def handle(request: web.Request) -> web.Response:
        body = await request.json()
        user = body["recipient"]["user_id"]
        received.append({"token": request.headers.get("access_token"), "user_id": user,
                         "text": body["message"]["text"]})
        if user in OUTSIDE_WINDOW_USERS:
            return web.json_response({"error": -230, "message": OUTSIDE_WINDOW_MESSAGE})
        return web.json_response({"error": 0, "message": "Success",
                                  "data": {"message_id": f"m{len(received)}", "user_id": user}})

    app.router.add_post(SEND_PATH, handle)
