import asyncio
import time

import pytest

from channels.zalo.errors import TokenError
from channels.zalo.http import SessionPool
from channels.zalo.tokens import AccountTokens, OAuthClient, TokenPair, TokenRegistry, TokenStore
from fake_zalo import FakeZalo
from harness import account_dict, to_account


def test_store_survives_reopen(tmp_path):
    path = str(tmp_path / "z.db")
    store = TokenStore(path)
    pair = TokenPair("at1", "rt1", 100.0, 200.0, 1.0)
    store.save("oa1", pair)
    store.close()
    assert TokenStore(path).get("oa1") == pair


def test_seed_is_adopted_once_and_replaced_only_when_configuration_changes(tmp_path):
    store = TokenStore(str(tmp_path / "z.db"))
    assert store.seed("oa1", "rt-config", None) == "inserted"
    store.save("oa1", TokenPair("at2", "rt2", 10.0, 20.0, 1.0))  # a refresh happened
    assert store.seed("oa1", "rt-config", None) == "kept"  # restart with the same env: keep rt2
    assert store.get("oa1").refresh_token == "rt2"
    assert store.seed("oa1", "rt-new", None) == "replaced"  # operator changed the env var
    assert store.get("oa1").refresh_token == "rt-new"
    store.save("oa1", TokenPair("at3", "rt3", 10.0, 20.0, 1.0), from_operator=True)  # token command
    assert store.seed("oa1", "rt-other", None) == "kept"  # the command's pair wins over a stale env
    assert store.get("oa1").refresh_token == "rt3"
    assert store.seed("oa2", None, None) == "none"


class Env:
    """A token manager for one OA, wired to the fake OAuth server."""

    def __init__(self, fake: FakeZalo, tmp_path, margin: float = 900.0, store: TokenStore = None):
        self.account = to_account(account_dict())
        self.store = store or TokenStore(str(tmp_path / "z.db"))
        self.sessions = SessionPool(5)
        self.oauth = OAuthClient(fake.url, self.sessions, backoff_base=0.01)
        self.tokens = AccountTokens(self.account, self.store, self.oauth, margin=margin)

    def seed(self, fake: FakeZalo) -> dict:
        pair = fake.issue_tokens(self.account.oa_id, self.account.app_id, self.account.app_secret_key)
        self.store.seed(self.account.oa_id, pair["refresh_token"], None)
        return pair


async def test_refresh_rotates_single_use_token_and_stores_before_use(tmp_path):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path)
        first = env.seed(fake)
        token = await env.tokens.access_token()
        stored = TokenStore(env.store.path).get(env.account.oa_id)  # what a restart would read
        assert stored.access_token == token and stored.refresh_token != first["refresh_token"]
        assert stored.access_expires_at == pytest.approx(time.time() + 90000, abs=60)
        # The consumed refresh token is dead at the fake, like at Zalo.
        with pytest.raises(TokenError, match="Invalid refresh token|invalid or used"):
            await env.oauth.refresh(env.account, first["refresh_token"])
        assert await env.tokens.access_token() == token  # cached, no second refresh
        assert fake.refresh_calls == 2  # ours + the deliberate failing one
        await env.sessions.close_current()


async def test_one_refresh_at_a_time_per_oa(tmp_path):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path)
        env.seed(fake)
        fake.add_fault(target="oauth", kind="delay", seconds=0.2)
        tokens = await asyncio.gather(*[env.tokens.access_token() for _ in range(20)])
        assert len(set(tokens)) == 1
        assert fake.refresh_calls == 1 and fake.max_refresh_in_flight == 1
        # A token rejected by Zalo: many concurrent callers, still one refresh.
        failed = tokens[0]
        again = await asyncio.gather(*[env.tokens.refresh("test", failed_token=failed) for _ in range(10)])
        assert len(set(again)) == 1 and again[0] != failed
        assert fake.refresh_calls == 2
        await env.sessions.close_current()


async def test_two_processes_sharing_the_file_do_not_burn_the_token(tmp_path):
    async with FakeZalo() as fake:
        a = Env(fake, tmp_path)
        a.seed(fake)
        b = Env(fake, tmp_path, store=TokenStore(a.store.path))  # own lock, own connection
        fake.add_fault(target="oauth", kind="delay", seconds=0.3)
        ta, tb = await asyncio.gather(a.tokens.access_token(), b.tokens.access_token())
        assert ta == tb and fake.refresh_calls == 1
        await a.sessions.close_current()
        await b.sessions.close_current()


async def test_refresh_before_expiry(tmp_path):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path, margin=600)
        env.seed(fake)
        first = await env.tokens.access_token()
        pair = env.store.get(env.account.oa_id)
        env.store.save(env.account.oa_id, TokenPair(pair.access_token, pair.refresh_token,
                                                    time.time() + 300, pair.refresh_expires_at, time.time()))
        env.tokens._pair = None  # reload from the store
        second = await env.tokens.access_token()
        assert second != first and fake.refresh_calls == 2
        await env.sessions.close_current()


async def test_background_refresh_due(tmp_path):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path)
        env.seed(fake)
        registry = TokenRegistry([env.account], env.store, env.oauth, margin=900)
        await registry.refresh_due(within=1200)  # no access token yet: refreshed
        assert fake.refresh_calls == 1
        await registry.refresh_due(within=1200)  # 25 h left: nothing to do
        assert fake.refresh_calls == 1
        await registry.refresh_due(within=100000)  # due within the window: refreshed
        assert fake.refresh_calls == 2
        await env.sessions.close_current()


async def test_access_token_of_unknown_age_is_refreshed_at_the_first_check(tmp_path):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path)
        pair = fake.issue_tokens(env.account.oa_id, env.account.app_id, env.account.app_secret_key)
        env.store.seed(env.account.oa_id, pair["refresh_token"], pair["access_token"])  # as ZALO_ACCESS_TOKEN
        assert env.store.get(env.account.oa_id).access_expires_at is None
        registry = TokenRegistry([env.account], env.store, env.oauth, margin=900)
        await registry.refresh_due(within=1200)
        assert fake.refresh_calls == 1
        stored = env.store.get(env.account.oa_id)
        assert stored.access_expires_at is not None and stored.access_token != pair["access_token"]
        await registry.refresh_due(within=1200)  # now known to have 25 h left
        assert fake.refresh_calls == 1
        await env.sessions.close_current()


async def test_failed_refresh_keeps_stored_pair(tmp_path):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path)
        env.store.seed(env.account.oa_id, "rt-unknown-to-zalo", None)
        fake.register_app(env.account.app_id, env.account.app_secret_key)
        with pytest.raises(TokenError) as err:
            await env.tokens.access_token()
        assert err.value.code == -14014
        assert env.store.get(env.account.oa_id).refresh_token == "rt-unknown-to-zalo"
        await env.sessions.close_current()


async def test_oauth_5xx_is_retried(tmp_path):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path)
        env.seed(fake)
        fake.add_fault(target="oauth", kind="http", status=502)
        assert await env.tokens.access_token()
        assert fake.refresh_calls == 2
        await env.sessions.close_current()


async def test_no_token_at_all(tmp_path):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path)
        with pytest.raises(TokenError, match="zalo_token.py"):
            await env.tokens.access_token()
        await env.sessions.close_current()
