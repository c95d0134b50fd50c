"""Connector settings: the OA accounts (from credentials.yml, an accounts file or ZALO_* env vars)
and the tunables of the channel.

Precedence for each setting: credentials.yml key > environment variable > default.
Accounts: ``accounts:`` (list) and/or ``accounts_file:`` (YAML list, or the ZALO_ACCOUNTS_FILE
variable); when neither is given,
one account is built from ZALO_OA_ID, ZALO_APP_ID, ZALO_OA_SECRET_KEY, ZALO_APP_SECRET_KEY
(+ optional ZALO_UNIT, ZALO_REFRESH_TOKEN, ZALO_ACCESS_TOKEN).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional

import yaml

from channels.zalo.storage import is_postgres_url

DEFAULT_API_BASE_URL = "https://openapi.zalo.me"
DEFAULT_OAUTH_BASE_URL = "https://oauth.zaloapp.com"
DEFAULT_DB_PATH = "var/zalo.db"

REQUIRED_ACCOUNT_FIELDS = ("oa_id", "app_id", "oa_secret_key", "app_secret_key")
ENV_ACCOUNT_FIELDS = {
    "oa_id": "ZALO_OA_ID",
    "app_id": "ZALO_APP_ID",
    "oa_secret_key": "ZALO_OA_SECRET_KEY",
    "app_secret_key": "ZALO_APP_SECRET_KEY",
    "unit": "ZALO_UNIT",
    "refresh_token": "ZALO_REFRESH_TOKEN",
    "access_token": "ZALO_ACCESS_TOKEN",
}
SIGNATURE_MODES = ("strict", "lenient")
# Settings of earlier versions that are gone, with what to do instead.
REMOVED = {
    "turn_runner": "bot turns run in the turn process (turn_processes: 0 runs them in the server process)",
    "switch_interval_ms": "there is no bot-loop thread any more",
    "turn_process_nice": "the turn process runs at the normal priority; it uses one core at most",
    "turn_process_idle": "the turn process runs at the normal priority; it uses one core at most, and the "
                         "acknowledging server, which holds no model, the other",
    "freeze_gc": "the acknowledging server holds no model, so its garbage collections are short",
    "endpoints": "the turn process loads the endpoints file given to the server (--endpoints)",
    "order_wait": "the inbox hands out a user's messages in order (lease, claim_poll)",
    "max_pending_per_user": "a user's messages wait in the inbox",
}

_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class ZaloConfigError(ValueError):
    """The connector cannot start with this configuration (the message says what to fix)."""


@dataclass(frozen=True)
class ZaloAccount:
    """One Official Account. Secrets are kept out of ``repr`` so they never reach a log."""

    oa_id: str
    app_id: str
    oa_secret_key: str = field(repr=False)
    app_secret_key: str = field(repr=False)
    unit: str = ""
    refresh_token: Optional[str] = field(default=None, repr=False)
    access_token: Optional[str] = field(default=None, repr=False)


@dataclass
class ZaloSettings:
    accounts: Dict[str, ZaloAccount]
    verify_signature: bool = True
    # strict: sha256(app_id + body + timestamp + oa_secret_key) only. lenient: also accept the
    # variants seen in the wild (oa_id as first term, app secret key as secret).
    signature_mode: str = "strict"
    db_path: str = DEFAULT_DB_PATH
    # PostgreSQL URL (ZALO_DB_URL): the token store and the inbox shared by several nodes instead of
    # the SQLite file db_path (channels/zalo/storage.py).
    db_url: str = ""
    api_base_url: str = DEFAULT_API_BASE_URL
    oauth_base_url: str = DEFAULT_OAUTH_BASE_URL
    request_timeout: float = 10.0
    max_retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    refresh_margin: float = 900.0  # refresh an access token this many seconds before it expires
    refresh_check_interval: float = 300.0  # background check of all OAs' token expiry
    text_limit: int = 2000
    max_buttons: int = 5
    more_buttons_text: str = "Các lựa chọn khác:"
    dedup_retention: float = 7 * 24 * 3600.0
    # Events whose timestamp is older than this (Zalo retries for about 2 h) or more than
    # max_clock_skew in the future are not processed, on arrival nor when replayed after a crash.
    # Kept below dedup_retention, so a replayed old event is either remembered or too old.
    max_event_age: float = 6 * 3600.0
    max_clock_skew: float = 600.0
    # A claimed inbox row is leased for this many seconds, renewed while its turn runs: when the
    # process or node running it dies, another takes the row over once the lease has run out.
    lease: float = 30.0
    # How often a process that runs turns looks for work it was not told about (rows freed by
    # expired leases, rows accepted by another node whose turn processes are busy).
    claim_poll: float = 1.0
    # Conversations the turn process runs at once (they wait on the action server and the Zalo API
    # in turn); one user's messages still run one at a time, in order.
    turn_slots: int = 8
    # Bot turns run in separate processes (channels/zalo/pool.py), each holding the model, so the
    # server process only acknowledges webhooks (and holds no model, channels/zalo/serve.py). Each
    # runs turn_slots conversations at once on one core (a turn is CPU-bound); two fill the 2-core
    # node docs/deploy.md measures. 0: turns run on the server's own loop.
    turn_processes: int = 2

    def account(self, oa_id: str) -> Optional[ZaloAccount]:
        return self.accounts.get(str(oa_id))


def _as_bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "on"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "off"):
        return False
    raise ZaloConfigError(f"zalo: '{name}' must be true or false, got {value!r}")


def _as_number(value: Any, name: str, kind: type) -> Any:
    try:
        number = kind(value)
    except (TypeError, ValueError):
        raise ZaloConfigError(f"zalo: '{name}' must be a number, got {value!r}") from None
    if number < 0:
        raise ZaloConfigError(f"zalo: '{name}' must not be negative")
    return number


def _expand_env(value: Any, environ: Mapping[str, str], where: str) -> Any:
    """Expand ``${VAR}`` in strings (the accounts file is not read by Rasa, so we do it)."""
    if isinstance(value, str):

        def repl(match: "re.Match[str]") -> str:
            name = match.group(1)
            if name not in environ:
                raise ZaloConfigError(f"zalo: {where} refers to ${{{name}}}, which is not set")
            return environ[name]

        return _ENV_REF.sub(repl, value)
    if isinstance(value, dict):
        return {k: _expand_env(v, environ, where) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand_env(v, environ, where) for v in value]
    return value


def _clean(value: Any) -> Optional[str]:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def parse_account(raw: Any, where: str) -> ZaloAccount:
    if not isinstance(raw, dict):
        raise ZaloConfigError(f"zalo: {where} must be a mapping with {', '.join(REQUIRED_ACCOUNT_FIELDS)}")
    values = {key: _clean(raw.get(key)) for key in ENV_ACCOUNT_FIELDS}
    missing = [key for key in REQUIRED_ACCOUNT_FIELDS if not values[key]]
    if missing:
        raise ZaloConfigError(f"zalo: {where} lacks {', '.join(missing)}")
    unknown = sorted(set(raw) - set(ENV_ACCOUNT_FIELDS))
    if unknown:
        raise ZaloConfigError(f"zalo: {where} has unknown keys {', '.join(unknown)}")
    return ZaloAccount(
        oa_id=values["oa_id"],  # type: ignore[arg-type]
        app_id=values["app_id"],  # type: ignore[arg-type]
        oa_secret_key=values["oa_secret_key"],  # type: ignore[arg-type]
        app_secret_key=values["app_secret_key"],  # type: ignore[arg-type]
        unit=values["unit"] or "",
        refresh_token=values["refresh_token"],
        access_token=values["access_token"],
    )


def account_from_env(environ: Mapping[str, str]) -> ZaloAccount:
    raw = {key: environ.get(var) for key, var in ENV_ACCOUNT_FIELDS.items()}
    missing = [ENV_ACCOUNT_FIELDS[k] for k in REQUIRED_ACCOUNT_FIELDS if not _clean(raw[k])]
    if missing:
        raise ZaloConfigError(
            "zalo: no 'accounts' or 'accounts_file' in credentials.yml, so one OA is read from the "
            f"environment, but these variables are not set: {', '.join(missing)}"
        )
    return parse_account(raw, "the ZALO_* environment")


def load_accounts_file(path: str, environ: Mapping[str, str]) -> List[ZaloAccount]:
    file = Path(path)
    if not file.is_file():
        raise ZaloConfigError(f"zalo: accounts_file {path} does not exist")
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ZaloConfigError(f"zalo: accounts_file {path} is not valid YAML: {exc}") from None
    if isinstance(data, dict) and "accounts" in data:
        data = data["accounts"]
    if not isinstance(data, list):
        raise ZaloConfigError(f"zalo: accounts_file {path} must hold a list of accounts")
    data = _expand_env(data, environ, f"accounts_file {path}")
    return [parse_account(item, f"account #{i + 1} of {path}") for i, item in enumerate(data)]


def _index(accounts: Iterable[ZaloAccount]) -> Dict[str, ZaloAccount]:
    indexed: Dict[str, ZaloAccount] = {}
    for account in accounts:
        if account.oa_id in indexed:
            raise ZaloConfigError(f"zalo: OA {account.oa_id} is configured twice")
        indexed[account.oa_id] = account
    return indexed


_NUMBERS = {
    "request_timeout": float,
    "max_retries": int,
    "backoff_base": float,
    "backoff_max": float,
    "refresh_margin": float,
    "refresh_check_interval": float,
    "text_limit": int,
    "max_buttons": int,
    "dedup_retention": float,
    "max_event_age": float,
    "max_clock_skew": float,
    "lease": float,
    "claim_poll": float,
    "turn_slots": int,
    "turn_processes": int,
}
_KNOWN_KEYS = set(_NUMBERS) | {
    "accounts",
    "accounts_file",
    "verify_signature",
    "signature_mode",
    "db_path",
    "db_url",
    "api_base_url",
    "oauth_base_url",
    "more_buttons_text",
}


def load_settings(
    credentials: Optional[Mapping[str, Any]], environ: Optional[Mapping[str, str]] = None
) -> ZaloSettings:
    """Build the settings from the ``channels.zalo.ZaloInput`` section of credentials.yml."""
    env: Mapping[str, str] = os.environ if environ is None else environ
    creds: Mapping[str, Any] = credentials or {}
    if not isinstance(creds, Mapping):
        raise ZaloConfigError("zalo: the channel's section of credentials.yml must be a mapping")
    for key in sorted(set(creds) & set(REMOVED)):
        raise ZaloConfigError(f"zalo: '{key}' is no longer a setting: {REMOVED[key]}")
    unknown = sorted(set(creds) - _KNOWN_KEYS)
    if unknown:
        raise ZaloConfigError(f"zalo: unknown keys in credentials.yml: {', '.join(unknown)}")

    accounts: List[ZaloAccount] = []
    raw_accounts = creds.get("accounts")
    if raw_accounts is not None:
        if not isinstance(raw_accounts, list):
            raise ZaloConfigError("zalo: 'accounts' must be a list")
        accounts += [parse_account(a, f"account #{i + 1} in credentials.yml") for i, a in enumerate(raw_accounts)]
    accounts_file = _clean(creds.get("accounts_file")) or _clean(env.get("ZALO_ACCOUNTS_FILE"))
    if accounts_file:
        accounts += load_accounts_file(str(accounts_file), env)
    if raw_accounts is None and not accounts_file:
        accounts.append(account_from_env(env))
    if not accounts:
        raise ZaloConfigError("zalo: no OA account configured")

    def pick(key: str, env_var: Optional[str], default: str) -> str:
        value = _clean(creds.get(key))
        if value is None and env_var:
            value = _clean(env.get(env_var))
        return value or default

    settings = ZaloSettings(
        accounts=_index(accounts),
        db_path=pick("db_path", "ZALO_DB_PATH", DEFAULT_DB_PATH),
        db_url=pick("db_url", "ZALO_DB_URL", ""),
        api_base_url=pick("api_base_url", "ZALO_API_BASE_URL", DEFAULT_API_BASE_URL).rstrip("/"),
        oauth_base_url=pick("oauth_base_url", "ZALO_OAUTH_BASE_URL", DEFAULT_OAUTH_BASE_URL).rstrip("/"),
    )
    if creds.get("verify_signature") is not None:
        settings.verify_signature = _as_bool(creds["verify_signature"], "verify_signature")
    if creds.get("signature_mode") is not None:
        mode = str(creds["signature_mode"]).strip().lower()
        if mode not in SIGNATURE_MODES:
            raise ZaloConfigError(f"zalo: signature_mode must be one of {', '.join(SIGNATURE_MODES)}")
        settings.signature_mode = mode
    if creds.get("more_buttons_text") is not None:
        settings.more_buttons_text = str(creds["more_buttons_text"])
    for key, kind in _NUMBERS.items():
        if creds.get(key) is not None:
            setattr(settings, key, _as_number(creds[key], key, kind))
    if not 0 < settings.max_event_age < settings.dedup_retention:
        raise ZaloConfigError("zalo: max_event_age must be above 0 and below dedup_retention")
    if not 0 <= settings.turn_processes <= 64:
        raise ZaloConfigError("zalo: turn_processes must be between 0 and 64")
    if settings.db_url and not is_postgres_url(settings.db_url):
        raise ZaloConfigError("zalo: db_url (ZALO_DB_URL) must be a postgresql:// URL; "
                              "for SQLite set db_path (ZALO_DB_PATH)")
    if settings.lease < 1 or settings.claim_poll <= 0 or not 1 <= settings.turn_slots <= 256:
        raise ZaloConfigError("zalo: lease must be ≥ 1 s, claim_poll above 0 and turn_slots between 1 and 256")
    if settings.max_buttons < 1 or settings.text_limit < 100:
        raise ZaloConfigError("zalo: max_buttons must be ≥ 1 and text_limit ≥ 100")
    return settings
