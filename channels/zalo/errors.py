"""Zalo API error codes (returned in the JSON body, usually with HTTP 200) and our exceptions."""
from __future__ import annotations

from typing import Optional

ERROR_MEANINGS = {
    -32: "rate limit exceeded",
    -201: "invalid parameter",
    -210: "parameter exceeds its limit",
    -211: "out of quota",
    -213: "user has not followed the OA",
    -216: "access token invalid",
    -220: "access token expired",
    -223: "OA has not authorised this API",
    -227: "user banned or inactive",
    -230: "user has not interacted with the OA in the last 7 days",
    -232: "interaction expired",
    -233: "invalid message type",
    -240: "v2 message API has been shut down",
    -244: "user restricted",
}
TOKEN_ERRORS = frozenset({-216, -220})
RETRYABLE_ERRORS = frozenset({-32})


def meaning(code: Optional[int]) -> str:
    if code is None:
        return "no error code"
    return ERROR_MEANINGS.get(code, "unknown error code")


class ZaloError(Exception):
    """Base class of the connector's runtime errors."""


class ZaloApiError(ZaloError):
    """The message API refused or failed a call (after retries where they apply)."""

    def __init__(self, code: Optional[int], message: str = "", http_status: Optional[int] = None,
                 retryable: bool = False) -> None:
        self.code = code
        self.message = message
        self.http_status = http_status
        self.retryable = retryable
        self.meaning = meaning(code) if code is not None else (f"HTTP {http_status}" if http_status else "network error")
        super().__init__(f"Zalo API error {code if code is not None else '-'} ({self.meaning}): {message}")

    @property
    def metric_label(self) -> str:
        """The ``code`` label of zalo_api_errors_total: Zalo's code, else ``http_<status>`` or ``network``."""
        if self.code is not None:
            return str(self.code)
        return f"http_{self.http_status}" if self.http_status else "network"


class TokenError(ZaloError):
    """No usable access token: the OAuth server refused the refresh, or no token was ever set."""

    def __init__(self, oa_id: str, message: str, code: Optional[int] = None) -> None:
        self.oa_id = oa_id
        self.code = code
        super().__init__(f"OA {oa_id}: {message}")
