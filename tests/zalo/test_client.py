import logging
import time

import pytest

from channels.zalo.client import ZaloClient
from channels.zalo.errors import ZaloApiError
from channels.zalo.http import SessionPool
from channels.zalo.tokens import OAuthClient, TokenRegistry, TokenStore
from fake_zalo import FakeZalo
from harness import account_dict, to_account

USER = "8800000000000001"


class Client:
    def __init__(self, fake: FakeZalo, tmp_path, timeout: float = 2.0, max_retries: int = 3):
        self.account = to_account(account_dict())
        pair = fake.issue_tokens(self.account.oa_id, self.account.app_id, self.account.app_secret_key)
        self.store = TokenStore(str(tmp_path / "z.db"))
        self.store.seed(self.account.oa_id, pair["refresh_token"], None)
        self.sessions = SessionPool(timeout)
        registry = TokenRegistry([self.account], self.store, OAuthClient(fake.url, self.sessions))
        self.api = ZaloClient(fake.url, registry, self.sessions, max_retries=max_retries,
                              backoff_base=0.01, backoff_max=0.05)

    async def send(self, text: str = "chào"):
        return await self.api.send_message(self.account.oa_id, USER, {"text": text})

    async def close(self):
        await self.sessions.close_current()


def outcomes(fake):
    return [r["outcome"] for r in fake.requests]


async def test_send_text(tmp_path):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path)
        data = await c.send("Xin chào")
        assert data["message_id"] and data["user_id"] == USER
        assert fake.messages[0]["message"] == {"text": "Xin chào"} and fake.messages[0]["oa_id"] == c.account.oa_id
        await c.close()


@pytest.mark.parametrize("code", [-216, -220])
async def test_token_error_refreshes_and_retries_once(tmp_path, code):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path)
        await c.send("one")
        assert fake.refresh_calls == 1
        if code == -216:
            fake.revoke_access_tokens()
        else:
            fake.expire_access_tokens()
        await c.send("two")
        assert fake.refresh_calls == 2
        assert outcomes(fake) == ["ok", code, "ok"]
        assert [m["message"]["text"] for m in fake.messages] == ["one", "two"]
        await c.close()


async def test_token_error_after_refresh_is_not_retried_again(tmp_path):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path)
        fake.add_fault(kind="error", code=-216, times=2)
        with pytest.raises(ZaloApiError) as err:
            await c.send()
        assert err.value.code == -216
        assert len(fake.requests) == 2 and fake.refresh_calls == 2  # initial + one on -216
        await c.close()


async def test_no_retry_on_7_day_window_and_meaning_is_logged(tmp_path, caplog):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path)
        fake.add_fault(kind="error", code=-230)
        with caplog.at_level(logging.ERROR, logger="channels.zalo.client"):
            with pytest.raises(ZaloApiError) as err:
                await c.send()
        assert err.value.code == -230 and not err.value.retryable
        assert len(fake.requests) == 1
        assert "-230" in caplog.text and "7 days" in caplog.text
        await c.close()


@pytest.mark.parametrize("fault", [
    {"kind": "http", "status": 500},
    {"kind": "http", "status": 503},
    {"kind": "http", "status": 429, "retry_after": 0},
    {"kind": "error", "code": -32},
])
async def test_transient_failures_are_retried(tmp_path, fault):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path)
        fake.add_fault(times=2, **fault)
        await c.send()
        assert len(fake.requests) == 3 and len(fake.messages) == 1
        assert c.api.stats["retries"] == 2
        await c.close()


async def test_slow_answer_times_out_and_is_retried(tmp_path):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path, timeout=0.3)
        await c.send("warm up")  # token refresh out of the way
        fake.add_fault(kind="delay", seconds=0.6)
        started = time.monotonic()
        await c.send("after timeout")
        assert 0.3 <= time.monotonic() - started < 2.0
        assert fake.messages[-1]["message"]["text"] == "after timeout"
        await c.close()


async def test_gives_up_after_max_retries(tmp_path):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path, max_retries=2)
        fake.add_fault(kind="http", status=502, times=10)
        with pytest.raises(ZaloApiError) as err:
            await c.send()
        assert err.value.retryable and err.value.http_status == 502
        assert len(fake.requests) == 3
        await c.close()


async def test_invalid_parameter_is_final(tmp_path):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path)
        with pytest.raises(ZaloApiError) as err:
            await c.send("x" * 2001)  # the fake enforces Zalo's 2000-character limit
        assert err.value.code == -210 and len(fake.requests) == 1
        await c.close()


async def test_unreachable_api_raises_network_error(tmp_path):
    async with FakeZalo() as fake:
        c = Client(fake, tmp_path, max_retries=1)
        await c.send("warm up")
        c.api.base_url = "http://127.0.0.1:9"  # nothing listens there
        with pytest.raises(ZaloApiError) as err:
            await c.send()
        assert err.value.code is None and err.value.retryable
        await c.close()


def test_api_error_messages_are_masked_by_the_shared_masking_and_cut():
    from channels.zalo.redact import redact_text

    assert redact_text("user 0912 345 678 blocked") == "user [PHONE] blocked"
    assert len(redact_text("x" * 500)) == 301
