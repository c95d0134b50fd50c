"""Async client of the Zalo OA message API (v3 consultation messages).

Zalo reports errors with HTTP 200 and ``{"error": <code>}``, so every answer's ``error`` is checked.
Network errors, HTTP 5xx/429 and rate limits (-32) are retried with exponential backoff and jitter;
-216/-220 (token invalid/expired) refresh the token and retry once; every other error is final
(e.g. -230: the user has not interacted in 7 days) and is logged with its meaning.
"""
from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from typing import Any, Dict, Optional

import aiohttp

from anninh.ops.metrics import ZALO_API_ERRORS, ZALO_MESSAGES, CountingStats
from channels.zalo.errors import RETRYABLE_ERRORS, TOKEN_ERRORS, TokenError, ZaloApiError, meaning
from channels.zalo.http import SessionPool
from channels.zalo.redact import redact_text
from channels.zalo.tokens import TokenRegistry

logger = logging.getLogger(__name__)

MESSAGE_CS_PATH = "/v3.0/oa/message/cs"
OA_INFO_PATH = "/v2.0/oa/getoa"


class ZaloClient:
    def __init__(self, api_base_url: str, tokens: TokenRegistry, sessions: SessionPool,
                 max_retries: int = 3, backoff_base: float = 0.5, backoff_max: float = 8.0) -> None:
        self.base_url = api_base_url.rstrip("/")
        self.tokens = tokens
        self._sessions = sessions
        self._max_retries = max_retries
        self._backoff_base = backoff_base
        self._backoff_max = backoff_max
        # Also counted in zalo_messages_total{outcome} (anninh.ops.metrics).
        self.stats: Dict[str, int] = CountingStats(
            ZALO_MESSAGES, {"sent": 0, "failed": 0, "retries": 0, "token_refreshes": 0})

    async def send_message(self, oa_id: str, user_id: str, message: Dict[str, Any]) -> Dict[str, Any]:
        """Send one consultation message; returns Zalo's ``data`` or raises ZaloApiError."""
        payload = {"recipient": {"user_id": user_id}, "message": message}
        try:
            data = await self.call(oa_id, "POST", MESSAGE_CS_PATH, json_body=payload)
        except (ZaloApiError, TokenError):  # no valid token: not sent either
            self.stats["failed"] += 1
            raise
        self.stats["sent"] += 1
        return data

    async def get_oa_info(self, oa_id: str) -> Dict[str, Any]:
        return await self.call(oa_id, "GET", OA_INFO_PATH)

    def _backoff(self, attempt: int, retry_after: Optional[float]) -> float:
        if retry_after is not None:
            return min(self._backoff_max, max(0.0, retry_after))
        delay = min(self._backoff_max, self._backoff_base * 2 ** attempt)
        return delay * (0.5 + random.random() / 2)

    async def call(self, oa_id: str, method: str, path: str,
                   json_body: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        tokens = self.tokens.for_oa(oa_id)
        url = self.base_url + path
        attempt = 0
        refreshed = False
        while True:
            token = await tokens.access_token()
            headers = {"access_token": token}
            body_bytes: Optional[bytes] = None
            if json_body is not None:
                headers["Content-Type"] = "application/json"
                body_bytes = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
            retry_after: Optional[float] = None
            error: ZaloApiError
            started = time.monotonic()
            try:
                async with self._sessions.get().request(method, url, headers=headers, data=body_bytes) as resp:
                    status = resp.status
                    raw = await resp.read()
                    if status == 429 and resp.headers.get("Retry-After", "").strip().isdigit():
                        retry_after = float(resp.headers["Retry-After"])
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                error = ZaloApiError(None, f"{type(exc).__name__}: {exc}", retryable=True)
            else:
                error = self._interpret(status, raw)
                if error.code == 0:
                    body = json.loads(raw)
                    data = body.get("data")
                    return data if isinstance(data, dict) else {}
            ZALO_API_ERRORS.labels(error.metric_label).inc()
            if error.code in TOKEN_ERRORS and not refreshed:
                refreshed = True
                self.stats["token_refreshes"] += 1
                logger.warning("zalo: OA %s: %s (%s), refreshing the token and retrying once",
                               oa_id, error.code, error.meaning)
                await tokens.refresh(f"API error {error.code}", failed_token=token)
                continue
            if not error.retryable or attempt >= self._max_retries:
                logger.error("zalo: OA %s: %s %s failed after %d attempt(s): error %s (%s): %s",
                             oa_id, method, path, attempt + 1, error.code if error.code is not None else "-",
                             error.meaning, redact_text(error.message))
                raise error
            delay = self._backoff(attempt, retry_after)
            attempt += 1
            self.stats["retries"] += 1
            logger.warning("zalo: OA %s: %s (%s) after %.0f ms, retry %d in %.2f s", oa_id,
                           error.code if error.code is not None else "-", error.meaning,
                           (time.monotonic() - started) * 1000, attempt, delay)
            await asyncio.sleep(delay)

    @staticmethod
    def _interpret(status: int, raw: bytes) -> ZaloApiError:
        """Turn an HTTP answer into an error object; ``code == 0`` means success."""
        if status == 429:
            return ZaloApiError(None, "HTTP 429", http_status=status, retryable=True)
        if status >= 500:
            return ZaloApiError(None, f"HTTP {status}", http_status=status, retryable=True)
        try:
            body = json.loads(raw)
        except ValueError:
            return ZaloApiError(None, f"HTTP {status} with a body that is not JSON", http_status=status,
                                retryable=status >= 500)
        if not isinstance(body, dict):
            return ZaloApiError(None, f"HTTP {status} with an unexpected body", http_status=status)
        try:
            code = int(body.get("error", 0 if status == 200 else -1))
        except (TypeError, ValueError):
            code = -1
        if code == 0 and status == 200:
            return ZaloApiError(0, "", http_status=status)
        if code == 0:
            return ZaloApiError(None, f"HTTP {status}", http_status=status)
        message = str(body.get("message") or meaning(code))
        return ZaloApiError(code, message, http_status=status, retryable=code in RETRYABLE_ERRORS)
