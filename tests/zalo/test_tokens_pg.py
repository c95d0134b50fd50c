"""The token store in PostgreSQL (ZALO_DB_URL), as several nodes share it: the configured pair
adopted once, a refresh single-flight across nodes under the row lock, every process reading the
current pair. Needs PostgreSQL on 127.0.0.1 (skipped without it, except with CI=true)."""
import asyncio
import threading

import pytest

from channels.zalo.errors import TokenError
from channels.zalo.tokens import TokenPair
from channels.zalo.tokens_pg import PgTokenStore
from fake_zalo import FakeZalo
from test_tokens import Env


def test_store_contract(pg_url):
    store = PgTokenStore(pg_url)
    pair = TokenPair("at1", "rt1", 100.0, 200.0, 1.0)
    store.save("oa1", pair)
    assert PgTokenStore(pg_url).get("oa1") == pair and store.all() == [("oa1", pair)]
    assert store.seed("oa2", "rt-config", None) == "inserted"
    store.save("oa2", TokenPair("at2", "rt2", 10.0, 20.0, 1.0))  # a refresh happened
    assert store.seed("oa2", "rt-config", None) == "kept"
    assert store.seed("oa2", "rt-new", None) == "replaced"
    store.save("oa2", TokenPair("at3", "rt3", 10.0, 20.0, 1.0), from_operator=True)
    assert store.seed("oa2", "rt-other", None) == "kept" and store.get("oa2").refresh_token == "rt3"


def test_nodes_starting_together_adopt_the_configured_pair_once(pg_url):
    outcomes = []
    stores = [PgTokenStore(pg_url) for _ in range(4)]
    threads = [threading.Thread(target=lambda s=s: outcomes.append(s.seed("oa1", "rt-config", None)))
               for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["inserted", "kept", "kept", "kept"]


def two_nodes(fake: FakeZalo, tmp_path, pg_url: str):
    """The token managers of one OA on two nodes (own connections), the first pair stored."""
    a = Env(fake, tmp_path, store=PgTokenStore(pg_url))
    a.seed(fake)
    return a, Env(fake, tmp_path, store=PgTokenStore(pg_url))


async def test_two_nodes_refreshing_at_once_use_the_refresh_token_once(tmp_path, pg_url):
    async with FakeZalo() as fake:
        a, b = two_nodes(fake, tmp_path, pg_url)
        fake.add_fault(target="oauth", kind="delay", seconds=0.5)
        tokens = await asyncio.gather(*[env.tokens.access_token() for env in (a, b, a, b)])
        assert len(set(tokens)) == 1 and fake.refresh_calls == 1
        # Zalo rejects that token on both nodes at once: one refresh again, both get the new one.
        fake.add_fault(target="oauth", kind="delay", seconds=0.3)
        again = await asyncio.gather(a.tokens.refresh("test", failed_token=tokens[0]),
                                     b.tokens.refresh("test", failed_token=tokens[0]))
        assert again[0] == again[1] != tokens[0] and fake.refresh_calls == 2
        for env in (a, b):
            await env.sessions.close_current()


async def test_a_process_uses_the_pair_another_node_refreshed_at_once(tmp_path, pg_url):
    async with FakeZalo() as fake:
        a, b = two_nodes(fake, tmp_path, pg_url)
        first = await b.tokens.access_token()
        newer = await a.tokens.refresh("test", force=True)
        assert newer != first
        assert await b.tokens.access_token() == newer  # read from the store, not a stale copy
        assert fake.refresh_calls == 2
        for env in (a, b):
            await env.sessions.close_current()


async def test_a_failed_refresh_keeps_the_stored_pair_and_frees_the_lock(tmp_path, pg_url):
    async with FakeZalo() as fake:
        env = Env(fake, tmp_path, store=PgTokenStore(pg_url))
        env.seed(fake)
        stored = env.store.get(env.account.oa_id)
        fake.add_fault(target="oauth", kind="error", code=-14014)
        with pytest.raises(TokenError):
            await env.tokens.access_token()
        assert env.store.get(env.account.oa_id) == stored
        assert await env.tokens.access_token()  # the lock was given back: the next refresh works
        await env.sessions.close_current()
