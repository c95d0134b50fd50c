import os
import subprocess
import sys
from pathlib import Path

import pytest

from channels.zalo.tokens import TokenStore
from fake_zalo import FakeZalo
from harness import account_dict

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "zalo_token.py"
ACC = account_dict()


@pytest.fixture
def fake():
    fake = FakeZalo().start_in_thread()
    fake.register_app(ACC["app_id"], ACC["app_secret_key"])
    yield fake
    fake.stop_thread()


def run(fake, tmp_path, *args, stdin=""):
    env = {**os.environ, "ZALO_APP_ID": ACC["app_id"], "ZALO_OA_ID": ACC["oa_id"],
           "ZALO_OA_SECRET_KEY": ACC["oa_secret_key"], "ZALO_APP_SECRET_KEY": ACC["app_secret_key"],
           "ZALO_API_BASE_URL": fake.url, "ZALO_OAUTH_BASE_URL": fake.url,
           "ZALO_DB_PATH": str(tmp_path / "zalo.db")}
    env.pop("ZALO_REFRESH_TOKEN", None)
    return subprocess.run([sys.executable, str(SCRIPT), *args], input=stdin, capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)


def test_set_refresh_check_status(fake, tmp_path):
    pair = fake.issue_tokens(ACC["oa_id"], ACC["app_id"])
    out = run(fake, tmp_path, "set", "--oa-id", ACC["oa_id"], "--refresh-token", "-", stdin=pair["refresh_token"] + "\n")
    assert out.returncode == 0, out.stderr
    assert pair["refresh_token"] not in out.stdout  # masked
    assert TokenStore(str(tmp_path / "zalo.db")).get(ACC["oa_id"]).refresh_token == pair["refresh_token"]

    out = run(fake, tmp_path, "refresh", "--oa-id", ACC["oa_id"])
    assert out.returncode == 0, out.stderr
    stored = TokenStore(str(tmp_path / "zalo.db")).get(ACC["oa_id"])
    assert stored.refresh_token != pair["refresh_token"] and fake.refresh_calls == 1
    assert stored.access_token not in out.stdout

    out = run(fake, tmp_path, "check", "--oa-id", ACC["oa_id"])
    assert out.returncode == 0 and "token works" in out.stdout, out.stderr

    out = run(fake, tmp_path, "status")
    assert ACC["oa_id"] in out.stdout and "25.0 h left" in out.stdout
    assert stored.refresh_token not in out.stdout


def test_exchange_authorisation_code(fake, tmp_path):
    code = fake.issue_code(ACC["oa_id"], ACC["app_id"])
    out = run(fake, tmp_path, "exchange", "--oa-id", ACC["oa_id"], "--code", code, "--code-verifier", "v" * 43)
    assert out.returncode == 0, out.stderr
    assert TokenStore(str(tmp_path / "zalo.db")).get(ACC["oa_id"]).access_token.startswith("at-")
    again = run(fake, tmp_path, "exchange", "--oa-id", ACC["oa_id"], "--code", code)
    assert again.returncode == 1 and "code is invalid" in again.stderr


def test_errors_are_reported_plainly(fake, tmp_path):
    out = run(fake, tmp_path, "refresh", "--oa-id", "nope")
    assert out.returncode == 1 and "not configured" in out.stderr
    out = run(fake, tmp_path, "refresh", "--oa-id", ACC["oa_id"])
    assert out.returncode == 1 and "no refresh token stored" in out.stderr
