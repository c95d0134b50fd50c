#!/usr/bin/env python3
"""Manage the Zalo OA token pairs kept by the connector (PostgreSQL when ZALO_DB_URL is set, else
SQLite, default var/zalo.db).

  status                          list the OAs and their tokens (masked) and expiry
  set --oa-id ID                  store a first refresh token (read from stdin / a prompt, or
                                  --refresh-token; optional --access-token --expires-in)
  pkce --oa-id ID --redirect-uri URL
                                  print a code verifier and the OA permission URL to open
  exchange --oa-id ID --code C --code-verifier V
                                  exchange the authorisation code from the callback for a pair
  refresh --oa-id ID              refresh now (rotates the single-use refresh token)
  check --oa-id ID                call the OA info API with the stored token

Accounts come from credentials.yml (``channels.zalo.ZaloInput``; ``--credentials``) or, as for the
server, from the ZALO_* environment variables. Tokens are never printed in full.
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import getpass
import hashlib
import os
import secrets
import sys
import time
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import urlencode

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from channels.zalo.client import ZaloClient  # noqa: E402
from channels.zalo.config import (ZaloConfigError, ZaloSettings, _expand_env,  # noqa: E402
                                  load_settings)
from channels.zalo.errors import ZaloError  # noqa: E402
from channels.zalo.http import SessionPool  # noqa: E402
from channels.zalo.redact import mask_secret  # noqa: E402
from channels.zalo.tokens import OAuthClient, TokenPair, TokenRegistry, open_token_store  # noqa: E402

CHANNEL_KEY = "channels.zalo.ZaloInput"


def read_channel_section(path: Optional[str]) -> Optional[Dict[str, Any]]:
    if path is None:
        # The file `make run` uses for the Zalo channel, else a credentials.yml with a zalo section.
        for default in (Path("credentials.zalo.yml"), Path("credentials.yml")):
            if default.is_file() and CHANNEL_KEY in (yaml.safe_load(default.read_text(encoding="utf-8")) or {}):
                path = str(default)
                break
        else:
            return None
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    if CHANNEL_KEY not in data:
        raise ZaloConfigError(f"{path} has no '{CHANNEL_KEY}' section")
    return _expand_env(data[CHANNEL_KEY] or {}, os.environ, path)


def load(args: argparse.Namespace) -> ZaloSettings:
    settings = load_settings(read_channel_section(args.credentials))
    if args.db_path:
        settings.db_path = args.db_path
        settings.db_url = ""
    return settings


def account_of(settings: ZaloSettings, oa_id: str):  # type: ignore[no-untyped-def]
    account = settings.account(oa_id)
    if account is None:
        raise ZaloConfigError(f"OA {oa_id} is not configured (known: {', '.join(sorted(settings.accounts))})")
    return account


def read_secret(value: Optional[str], prompt: str) -> str:
    if value and value != "-":
        return value.strip()
    if value == "-" or not sys.stdin.isatty():
        return sys.stdin.readline().strip()
    return getpass.getpass(prompt).strip()


def cmd_status(settings: ZaloSettings, args: argparse.Namespace) -> int:
    store = open_token_store(settings)
    stored = dict(store.all())
    print(f"token store: {'PostgreSQL (ZALO_DB_URL)' if settings.db_url else settings.db_path}")
    for oa_id in sorted(set(settings.accounts) | set(stored)):
        account = settings.account(oa_id)
        pair = stored.get(oa_id)
        unit = account.unit if account else "(not configured)"
        print(f"  OA {oa_id} [{unit}]: {pair.describe() if pair else 'no token stored'}")
    return 0


def cmd_set(settings: ZaloSettings, args: argparse.Namespace) -> int:
    account_of(settings, args.oa_id)
    refresh = read_secret(args.refresh_token, "refresh token: ")
    if not refresh:
        print("no refresh token given", file=sys.stderr)
        return 2
    now = time.time()
    expires = now + args.expires_in if args.access_token and args.expires_in else None
    pair = TokenPair(args.access_token, refresh, expires, now + 90 * 24 * 3600, now)
    open_token_store(settings).save(args.oa_id, pair, from_operator=True)
    print(f"OA {args.oa_id}: stored {pair.describe()}")
    return 0


def cmd_pkce(settings: ZaloSettings, args: argparse.Namespace) -> int:
    account = account_of(settings, args.oa_id)
    verifier = secrets.token_urlsafe(48)[:64]
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).decode().rstrip("=")
    state = secrets.token_urlsafe(12)
    query = urlencode({"app_id": account.app_id, "redirect_uri": args.redirect_uri,
                       "code_challenge": challenge, "state": state})
    print(f"code_verifier={verifier}")
    print(f"state={state}")
    print(f"open as the OA admin: {settings.oauth_base_url}/v4/oa/permission?{query}")
    print("then run: scripts/zalo_token.py exchange --oa-id", args.oa_id,
          "--code <code from the callback> --code-verifier", verifier)
    return 0


async def _with_registry(settings: ZaloSettings, action):  # type: ignore[no-untyped-def]
    sessions = SessionPool(settings.request_timeout)
    store = open_token_store(settings)
    oauth = OAuthClient(settings.oauth_base_url, sessions, backoff_base=settings.backoff_base)
    registry = TokenRegistry(settings.accounts.values(), store, oauth, margin=settings.refresh_margin)
    try:
        return await action(store, oauth, registry, sessions)
    finally:
        await sessions.close_current()
        store.close()


def cmd_exchange(settings: ZaloSettings, args: argparse.Namespace) -> int:
    account = account_of(settings, args.oa_id)

    async def run(store, oauth, registry, sessions):  # type: ignore[no-untyped-def]
        pair = await oauth.exchange_code(account, args.code, args.code_verifier)
        store.save(account.oa_id, pair, from_operator=True)
        print(f"OA {account.oa_id}: stored {pair.describe()}")
        return 0

    return asyncio.run(_with_registry(settings, run))


def cmd_refresh(settings: ZaloSettings, args: argparse.Namespace) -> int:
    account_of(settings, args.oa_id)

    async def run(store, oauth, registry, sessions):  # type: ignore[no-untyped-def]
        await registry.for_oa(args.oa_id).refresh("requested by the token command", force=True)
        print(f"OA {args.oa_id}: {store.get(args.oa_id).describe()}")
        return 0

    return asyncio.run(_with_registry(settings, run))


def cmd_check(settings: ZaloSettings, args: argparse.Namespace) -> int:
    account_of(settings, args.oa_id)

    async def run(store, oauth, registry, sessions):  # type: ignore[no-untyped-def]
        client = ZaloClient(settings.api_base_url, registry, sessions, max_retries=1)
        data = await client.get_oa_info(args.oa_id)
        print(f"OA {args.oa_id}: token works ({data.get('name', 'no name')})")
        return 0

    return asyncio.run(_with_registry(settings, run))


def main(argv: Optional[list] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--credentials", help="credentials file (default: ./credentials.zalo.yml or ./credentials.yml with a zalo section, else env)")
    parser.add_argument("--db-path", help="SQLite token store (default: ZALO_DB_URL's PostgreSQL when set, else from "
                        "credentials / ZALO_DB_PATH / var/zalo.db)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("status")
    p = sub.add_parser("set")
    p.add_argument("--oa-id", required=True)
    p.add_argument("--refresh-token", help="the token, or '-' to read it from stdin (default: prompt)")
    p.add_argument("--access-token")
    p.add_argument("--expires-in", type=float, help="seconds the access token has left")
    p = sub.add_parser("pkce")
    p.add_argument("--oa-id", required=True)
    p.add_argument("--redirect-uri", required=True)
    p = sub.add_parser("exchange")
    p.add_argument("--oa-id", required=True)
    p.add_argument("--code", required=True)
    p.add_argument("--code-verifier")
    for name in ("refresh", "check"):
        sub.add_parser(name).add_argument("--oa-id", required=True)
    args = parser.parse_args(argv)
    commands = {"status": cmd_status, "set": cmd_set, "pkce": cmd_pkce, "exchange": cmd_exchange,
                "refresh": cmd_refresh, "check": cmd_check}
    try:
        return commands[args.command](load(args), args)
    except (ZaloConfigError, ZaloError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
