"""Webhook signature: ``X-ZEvent-Signature: mac=<sha256_hex(app_id + raw body + timestamp + oa_secret_key)>``.

Plain SHA-256 over the concatenation (not HMAC); ``timestamp`` is the one inside the JSON body and the
body is hashed exactly as received.
"""
from __future__ import annotations

import hashlib
import hmac
from typing import List, Optional, Tuple

from channels.zalo.config import ZaloAccount

SIGNATURE_HEADER = "X-ZEvent-Signature"


def compute_signature(first_term: str, body: bytes, timestamp: str, secret: str) -> str:
    digest = hashlib.sha256()
    digest.update(first_term.encode("utf-8"))
    digest.update(body)
    digest.update(timestamp.encode("utf-8"))
    digest.update(secret.encode("utf-8"))
    return digest.hexdigest()


def sign(account: ZaloAccount, body: bytes, timestamp: str) -> str:
    """The header value Zalo would send for this body (used by tests and the benchmark)."""
    return "mac=" + compute_signature(account.app_id, body, timestamp, account.oa_secret_key)


def normalise_header(value: Optional[str]) -> Optional[str]:
    if not value:
        return None
    value = value.strip()
    if value[:4].lower() == "mac=":
        value = value[4:].strip()
    return value.lower() or None


def _candidates(account: ZaloAccount, mode: str) -> List[Tuple[str, str]]:
    pairs = [(account.app_id, account.oa_secret_key)]
    if mode == "lenient":
        pairs += [
            (account.oa_id, account.oa_secret_key),
            (account.app_id, account.app_secret_key),
            (account.oa_id, account.app_secret_key),
        ]
    return pairs


def verify(header: Optional[str], body: bytes, timestamp: str, account: ZaloAccount, mode: str = "strict") -> bool:
    """Constant-time check of the header against every accepted variant."""
    given = normalise_header(header)
    if given is None:
        return False
    given_bytes = given.encode("utf-8", "replace")
    ok = False
    for first, secret in _candidates(account, mode):
        expected = compute_signature(first, body, timestamp, secret).encode("ascii")
        ok = hmac.compare_digest(expected, given_bytes) or ok
    return ok
