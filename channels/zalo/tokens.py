"""OA access tokens: durable store, the OAuth v4 client and a per-OA refresher.

Facts that shape this module: an access token lives 25 h; a refresh token lives 3 months and is
single-use (each refresh returns a new pair). So:
- the new pair is committed (SQLite synchronous=FULL, or PostgreSQL) before the new access token is
  used; the stored row changes from the old pair to the new in one update;
- one refresh at a time per OA: an asyncio lock inside the process, plus, across processes, a short
  lease in the SQLite row (one machine) or the row lock of PostgreSQL (several nodes,
  channels/zalo/tokens_pg.py), so two processes never burn the same refresh token;
- every use reads the current pair from the store (a primary-key read), so a process sees at once
  the pair another process or node refreshed, instead of sending the old token until Zalo rejects it;
- a refresh token given in configuration is adopted once ("seed"); later starts keep the stored
  (newer) pair unless the configured token changes.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

import aiohttp

from channels.zalo.config import ZaloAccount
from channels.zalo.errors import TokenError
from channels.zalo.http import SessionPool
from channels.zalo.redact import mask_secret
from channels.zalo.storage import connect

logger = logging.getLogger(__name__)

ACCESS_TOKEN_PATH = "/v4/oa/access_token"
DEFAULT_ACCESS_TTL = 25 * 3600.0
DEFAULT_REFRESH_TTL = 90 * 24 * 3600.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS zalo_tokens (
    oa_id TEXT PRIMARY KEY,
    access_token TEXT,
    refresh_token TEXT,
    access_expires_at REAL,
    refresh_expires_at REAL,
    updated_at REAL NOT NULL,
    seed_hash TEXT,
    lease_owner TEXT,
    lease_until REAL
)
"""


@dataclass(frozen=True)
class TokenPair:
    access_token: Optional[str]
    refresh_token: Optional[str]
    access_expires_at: Optional[float] = None  # None: unknown, used until Zalo rejects it
    refresh_expires_at: Optional[float] = None
    updated_at: float = 0.0

    def access_valid(self, now: float, margin: float) -> bool:
        if not self.access_token:
            return False
        return self.access_expires_at is None or self.access_expires_at - now > margin

    def describe(self, now: Optional[float] = None) -> str:
        now = time.time() if now is None else now

        def left(at: Optional[float]) -> str:
            return "unknown expiry" if at is None else f"{(at - now) / 3600:.1f} h left"

        return (f"access {mask_secret(self.access_token)} ({left(self.access_expires_at)}), "
                f"refresh {mask_secret(self.refresh_token)} ({left(self.refresh_expires_at)})")


def _seed_hash(refresh_token: Optional[str], access_token: Optional[str]) -> str:
    return hashlib.sha256(f"{refresh_token or ''}|{access_token or ''}".encode()).hexdigest()


class RefreshGuard:
    """The right to refresh one OA's pair, held by one process at a time (``TokenStore.begin_refresh``).
    ``pair`` is the stored pair read under that right; ``finish(new)`` stores ``new`` (if any) and
    gives the right up."""

    def __init__(self, pair: Optional[TokenPair], finish: Callable[[Optional[TokenPair]], None]) -> None:
        self.pair = pair
        self._finish = finish

    def finish(self, new: Optional[TokenPair] = None) -> None:
        self._finish(new)


class TokenStore:
    """One row per OA in the SQLite file (default var/zalo.db). ``open_token_store`` picks this or
    the PostgreSQL store (same methods)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._conn = connect(path, synchronous="FULL")
        self._conn.execute(_SCHEMA)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def get(self, oa_id: str) -> Optional[TokenPair]:
        with self._lock:
            row = self._conn.execute(
                "SELECT access_token, refresh_token, access_expires_at, refresh_expires_at, updated_at "
                "FROM zalo_tokens WHERE oa_id = ?", (oa_id,)).fetchone()
        return TokenPair(*row) if row else None

    def all(self) -> List[Tuple[str, TokenPair]]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT oa_id, access_token, refresh_token, access_expires_at, refresh_expires_at, updated_at "
                "FROM zalo_tokens ORDER BY oa_id").fetchall()
        return [(row[0], TokenPair(*row[1:])) for row in rows]

    def save(self, oa_id: str, pair: TokenPair, from_operator: bool = False) -> None:
        """Durably store a pair. ``from_operator`` (the token command) also forgets the seed."""
        with self._lock:
            self._conn.execute(
                "INSERT INTO zalo_tokens (oa_id, access_token, refresh_token, access_expires_at, "
                "refresh_expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) "
                "ON CONFLICT(oa_id) DO UPDATE SET access_token = excluded.access_token, "
                "refresh_token = excluded.refresh_token, access_expires_at = excluded.access_expires_at, "
                "refresh_expires_at = excluded.refresh_expires_at, updated_at = excluded.updated_at"
                + (", seed_hash = NULL" if from_operator else ""),
                (oa_id, pair.access_token, pair.refresh_token, pair.access_expires_at,
                 pair.refresh_expires_at, pair.updated_at or time.time()))

    def seed(self, oa_id: str, refresh_token: Optional[str], access_token: Optional[str]) -> str:
        """Adopt tokens from configuration unless already adopted. Returns inserted/replaced/kept/none."""
        if not refresh_token and not access_token:
            return "none"
        digest = _seed_hash(refresh_token, access_token)
        now = time.time()
        with self._lock:
            row = self._conn.execute("SELECT seed_hash FROM zalo_tokens WHERE oa_id = ?", (oa_id,)).fetchone()
            if row is not None and (row[0] is None or row[0] == digest):
                # Same configured token as before (already used), or the operator set the pair with
                # the token command since: the stored pair is the newer one.
                self._conn.execute("UPDATE zalo_tokens SET seed_hash = ? WHERE oa_id = ?", (digest, oa_id))
                return "kept"
            values = (access_token, refresh_token, None,
                      now + DEFAULT_REFRESH_TTL if refresh_token else None, now, digest, oa_id)
            if row is None:
                self._conn.execute(
                    "INSERT INTO zalo_tokens (access_token, refresh_token, access_expires_at, "
                    "refresh_expires_at, updated_at, seed_hash, oa_id) VALUES (?, ?, ?, ?, ?, ?, ?)", values)
                return "inserted"
            self._conn.execute(
                "UPDATE zalo_tokens SET access_token = ?, refresh_token = ?, access_expires_at = ?, "
                "refresh_expires_at = ?, updated_at = ?, seed_hash = ? WHERE oa_id = ?", values)
            return "replaced"

    def try_lease(self, oa_id: str, owner: str, ttl: float) -> bool:
        now = time.time()
        with self._lock:
            cursor = self._conn.execute(
                "UPDATE zalo_tokens SET lease_owner = ?, lease_until = ? WHERE oa_id = ? AND "
                "(lease_owner IS NULL OR lease_owner = ? OR lease_until < ?)",
                (owner, now + ttl, oa_id, owner, now))
            return cursor.rowcount == 1

    def release_lease(self, oa_id: str, owner: str) -> None:
        with self._lock:
            self._conn.execute(
                "UPDATE zalo_tokens SET lease_owner = NULL, lease_until = NULL "
                "WHERE oa_id = ? AND lease_owner = ?", (oa_id, owner))

    def begin_refresh(self, oa_id: str, owner: str, ttl: float) -> Optional[RefreshGuard]:
        """The right to refresh ``oa_id`` (a lease in its row), or None while another process has it."""
        if not self.try_lease(oa_id, owner, ttl):
            return None

        def finish(new: Optional[TokenPair]) -> None:
            try:
                if new is not None:
                    self.save(oa_id, new)
            finally:
                self.release_lease(oa_id, owner)

        return RefreshGuard(self.get(oa_id), finish)


def open_token_store(settings: Any) -> "TokenStore":
    """The token store the settings name: PostgreSQL when ``db_url`` is set, else the SQLite file."""
    if getattr(settings, "db_url", ""):
        from channels.zalo.tokens_pg import PgTokenStore

        return PgTokenStore(settings.db_url)  # type: ignore[return-value]
    return TokenStore(settings.db_path)


def parse_token_response(oa_id: str, status: int, body: Any, now: float) -> TokenPair:
    if not isinstance(body, dict):
        raise TokenError(oa_id, f"OAuth server answered HTTP {status} without a JSON object")
    access, refresh = body.get("access_token"), body.get("refresh_token")
    if not access or not refresh:
        code = body.get("error")
        try:
            code = int(code) if code is not None else None
        except (TypeError, ValueError):
            code = None
        text = body.get("error_description") or body.get("error_name") or body.get("message") or "no token in answer"
        raise TokenError(oa_id, f"OAuth server refused (HTTP {status}, error {code}): {text}", code)

    def seconds(key: str, default: float) -> float:
        try:
            return float(body.get(key))
        except (TypeError, ValueError):
            return default

    return TokenPair(
        access_token=str(access),
        refresh_token=str(refresh),
        access_expires_at=now + seconds("expires_in", DEFAULT_ACCESS_TTL),
        refresh_expires_at=now + seconds("refresh_token_expires_in", DEFAULT_REFRESH_TTL),
        updated_at=now,
    )


class OAuthClient:
    """``POST {oauth_base_url}/v4/oa/access_token`` (form body, ``secret_key`` header)."""

    def __init__(self, base_url: str, sessions: SessionPool, max_retries: int = 2,
                 backoff_base: float = 0.5) -> None:
        self.base_url = base_url.rstrip("/")
        self._sessions = sessions
        self._max_retries = max_retries
        self._backoff_base = backoff_base

    async def refresh(self, account: ZaloAccount, refresh_token: str) -> TokenPair:
        return await self._post(account, {"refresh_token": refresh_token, "app_id": account.app_id,
                                          "grant_type": "refresh_token"})

    async def exchange_code(self, account: ZaloAccount, code: str, code_verifier: Optional[str]) -> TokenPair:
        form = {"code": code, "app_id": account.app_id, "grant_type": "authorization_code"}
        if code_verifier:
            form["code_verifier"] = code_verifier
        return await self._post(account, form)

    async def _post(self, account: ZaloAccount, form: Dict[str, str]) -> TokenPair:
        url = self.base_url + ACCESS_TOKEN_PATH
        headers = {"secret_key": account.app_secret_key,
                   "Content-Type": "application/x-www-form-urlencoded"}
        attempt = 0
        while True:
            try:
                async with self._sessions.get().post(url, data=form, headers=headers) as resp:
                    status = resp.status
                    try:
                        body = await resp.json(content_type=None)
                    except ValueError:
                        body = None
                if status < 500 and status != 429:
                    return parse_token_response(account.oa_id, status, body, time.time())
                problem = f"HTTP {status}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            if attempt >= self._max_retries:
                raise TokenError(account.oa_id, f"OAuth server unreachable ({problem})")
            attempt += 1
            logger.warning("zalo: token request for OA %s failed (%s), retry %d", account.oa_id, problem, attempt)
            await asyncio.sleep(self._backoff_base * 2 ** (attempt - 1))


class AccountTokens:
    """The token pair of one OA: hands out a valid access token and refreshes it when needed."""

    def __init__(self, account: ZaloAccount, store: TokenStore, oauth: OAuthClient,
                 margin: float = 900.0, lease_ttl: float = 60.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.account = account
        self._store = store
        self._oauth = oauth
        self._margin = margin
        self._lease_ttl = lease_ttl
        self._clock = clock
        self._owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._lock = asyncio.Lock()
        self._pair: Optional[TokenPair] = None
        self.refresh_count = 0

    @property
    def oa_id(self) -> str:
        return self.account.oa_id

    def current(self) -> Optional[TokenPair]:
        """The stored pair, read at each use: another process may have refreshed it."""
        return self._reload()

    async def access_token(self) -> str:
        pair = self.current()
        if pair is not None and pair.access_valid(self._clock(), self._margin):
            return pair.access_token  # type: ignore[return-value]
        return await self.refresh("expiring or missing")

    async def refresh(self, reason: str, failed_token: Optional[str] = None,
                      min_remaining: Optional[float] = None, force: bool = False) -> str:
        """Refresh unless someone else already did. ``failed_token``: the token Zalo just rejected."""
        needed = self._margin if min_remaining is None else min_remaining
        async with self._lock:
            pair = self._reload()
            if not force and self._usable(pair, failed_token, needed):
                return pair.access_token  # type: ignore[union-attr,return-value]
            if pair is None or not pair.refresh_token:
                raise TokenError(self.oa_id, "no refresh token stored: set one with "
                                             "`python scripts/zalo_token.py set --oa-id ...`")
            before = pair.access_token
            deadline = self._clock() + self._lease_ttl
            while True:
                guard = self._store.begin_refresh(self.oa_id, self._owner, self._lease_ttl)
                if guard is not None:
                    break
                # Another process (or node) is refreshing this OA: wait for its new pair.
                await asyncio.sleep(0.2)
                pair = self._reload()
                if pair is not None and pair.access_token != before and self._usable(pair, failed_token, needed):
                    return pair.access_token  # type: ignore[return-value]
                if self._clock() > deadline:
                    raise TokenError(self.oa_id, "timed out waiting for another process's token refresh")
            new: Optional[TokenPair] = None
            try:
                pair = self._pair = guard.pair  # the holder before us may have refreshed
                if pair is not None and pair.access_token != before and self._usable(pair, failed_token, needed):
                    return pair.access_token  # type: ignore[return-value]
                if pair is None or not pair.refresh_token:
                    raise TokenError(self.oa_id, "no refresh token stored")
                logger.info("zalo: refreshing access token of OA %s (%s)", self.oa_id, reason)
                try:
                    new = await self._oauth.refresh(self.account, pair.refresh_token)
                except TokenError as exc:
                    logger.error("zalo: token refresh of OA %s failed: %s. If the refresh token is no longer "
                                 "valid, authorise again and run scripts/zalo_token.py", self.oa_id, exc)
                    raise
            finally:
                guard.finish(new)  # the new pair is stored (durably) before its first use
            self._pair = new
            self.refresh_count += 1
            logger.info("zalo: OA %s has a new token pair: %s", self.oa_id, new.describe())
            return new.access_token  # type: ignore[return-value]

    def _reload(self) -> Optional[TokenPair]:
        self._pair = self._store.get(self.oa_id)
        return self._pair

    def _usable(self, pair: Optional[TokenPair], failed_token: Optional[str], needed: float) -> bool:
        return (pair is not None and pair.access_token is not None and pair.access_token != failed_token
                and pair.access_valid(self._clock(), needed))


class TokenRegistry:
    """All OAs' token managers, sharing one store and one OAuth client."""

    def __init__(self, accounts: Iterable[ZaloAccount], store: TokenStore, oauth: OAuthClient,
                 margin: float = 900.0) -> None:
        self.store = store
        self._margin = margin
        self._by_oa: Dict[str, AccountTokens] = {
            a.oa_id: AccountTokens(a, store, oauth, margin=margin) for a in accounts
        }

    def for_oa(self, oa_id: str) -> AccountTokens:
        try:
            return self._by_oa[oa_id]
        except KeyError:
            raise TokenError(oa_id, "OA is not configured") from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._by_oa.values())

    def seed_from_config(self) -> None:
        for tokens in self:
            account = tokens.account
            outcome = self.store.seed(account.oa_id, account.refresh_token, account.access_token)
            if outcome in ("inserted", "replaced"):
                logger.info("zalo: OA %s: %s the token pair from configuration", account.oa_id,
                            "stored" if outcome == "inserted" else "replaced the stored pair with")
            pair = self.store.get(account.oa_id)
            if pair is None or not (pair.refresh_token or pair.access_token):
                logger.error("zalo: OA %s has no token: the bot cannot answer there until one is set "
                             "(ZALO_REFRESH_TOKEN or scripts/zalo_token.py)", account.oa_id)
            else:
                logger.info("zalo: OA %s (%s): %s", account.oa_id, account.unit or "no unit", pair.describe())

    async def refresh_due(self, within: float) -> None:
        """Refresh every OA whose access token expires within ``within`` seconds (background job)."""
        now = time.time()
        for tokens in self:
            pair = tokens.current()
            if pair is None or not pair.refresh_token:
                continue
            if pair.access_expires_at is not None and pair.access_expires_at - now > within:
                continue
            # An access token of unknown age (ZALO_ACCESS_TOKEN) is refreshed at the first check, so
            # that from then on its expiry is known and it is renewed before Zalo rejects it.
            try:
                await tokens.refresh("scheduled", min_remaining=within,
                                     force=pair.access_expires_at is None and bool(pair.access_token))
            except Exception:  # noqa: BLE001 - logged, retried at the next check
                logger.exception("zalo: scheduled token refresh of OA %s failed", tokens.oa_id)
