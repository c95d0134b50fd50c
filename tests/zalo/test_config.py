import pytest

from channels.zalo.config import (DEFAULT_API_BASE_URL, DEFAULT_DB_PATH, DEFAULT_OAUTH_BASE_URL,
                                  ZaloConfigError, load_settings)
from harness import account_dict

ENV = {"ZALO_APP_ID": "app1", "ZALO_OA_ID": "oa1", "ZALO_OA_SECRET_KEY": "oask",
       "ZALO_APP_SECRET_KEY": "apsk", "ZALO_REFRESH_TOKEN": "rt0"}


def test_single_oa_from_environment_only():
    settings = load_settings(None, ENV)
    account = settings.account("oa1")
    assert account.app_id == "app1" and account.oa_secret_key == "oask" and account.refresh_token == "rt0"
    assert account.access_token is None and account.unit == ""
    assert settings.verify_signature is True
    assert settings.api_base_url == DEFAULT_API_BASE_URL and settings.oauth_base_url == DEFAULT_OAUTH_BASE_URL
    assert settings.db_path == DEFAULT_DB_PATH


def test_base_urls_and_db_path_from_env_and_credentials_precedence():
    env = {**ENV, "ZALO_API_BASE_URL": "http://127.0.0.1:9/", "ZALO_OAUTH_BASE_URL": "http://127.0.0.1:8",
           "ZALO_DB_PATH": "/tmp/x.db"}
    settings = load_settings({}, env)
    assert settings.api_base_url == "http://127.0.0.1:9" and settings.oauth_base_url == "http://127.0.0.1:8"
    assert settings.db_path == "/tmp/x.db"
    settings = load_settings({"api_base_url": "http://127.0.0.1:7", "db_path": "a.db"}, env)
    assert settings.api_base_url == "http://127.0.0.1:7" and settings.db_path == "a.db"


def test_missing_env_names_the_variables_but_not_values():
    with pytest.raises(ZaloConfigError) as err:
        load_settings(None, {"ZALO_APP_ID": "app1", "ZALO_OA_SECRET_KEY": "very-secret"})
    assert "ZALO_OA_ID" in str(err.value) and "ZALO_APP_SECRET_KEY" in str(err.value)
    assert "very-secret" not in str(err.value)


def test_accounts_list_and_file(tmp_path):
    accounts_file = tmp_path / "oas.yml"
    accounts_file.write_text(
        "- oa_id: 200\n  app_id: app2\n  oa_secret_key: ${OA2_SECRET}\n  app_secret_key: k\n  unit: CA-P2\n"
        "- oa_id: '300'\n  app_id: app3\n  oa_secret_key: s3\n  app_secret_key: k3\n", encoding="utf-8")
    settings = load_settings({"accounts": [account_dict("100", "app1")], "accounts_file": str(accounts_file)},
                             {"OA2_SECRET": "from-env"})
    assert sorted(settings.accounts) == ["100", "200", "300"]
    assert settings.account("200").oa_secret_key == "from-env" and settings.account("200").unit == "CA-P2"


def test_accounts_file_from_the_environment(tmp_path):
    accounts_file = tmp_path / "oas.yml"
    accounts_file.write_text("- {oa_id: '400', app_id: a4, oa_secret_key: s4, app_secret_key: k4, unit: CA-X}\n"
                             "- {oa_id: '401', app_id: a5, oa_secret_key: s5, app_secret_key: k5}\n")
    settings = load_settings({}, {"ZALO_ACCOUNTS_FILE": str(accounts_file)})
    assert sorted(settings.accounts) == ["400", "401"] and settings.account("400").unit == "CA-X"


def test_accounts_file_with_unset_variable(tmp_path):
    f = tmp_path / "oas.yml"
    f.write_text("- {oa_id: '1', app_id: a, oa_secret_key: '${NOPE}', app_secret_key: k}\n")
    with pytest.raises(ZaloConfigError, match="NOPE"):
        load_settings({"accounts_file": str(f)}, {})


@pytest.mark.parametrize("creds,match", [
    ({"accounts": [account_dict("1"), account_dict("1")]}, "twice"),
    ({"accounts": [{"oa_id": "1"}]}, "lacks"),
    ({"accounts": [{**account_dict("1"), "secret": "x"}]}, "unknown keys"),
    ({"accounts": "x"}, "list"),
    ({"accounts": [account_dict("1")], "verify_signatures": False}, "unknown keys"),
    ({"accounts": [account_dict("1")], "verify_signature": "maybe"}, "true or false"),
    ({"accounts": [account_dict("1")], "signature_mode": "loose"}, "signature_mode"),
    ({"accounts": [account_dict("1")], "max_retries": "many"}, "number"),
    ({"accounts_file": "/nonexistent.yml"}, "does not exist"),
    ({"accounts": [account_dict("1")], "turn_runner": "thread"}, "no longer a setting: bot turns run in the turn process"),
    ({"accounts": [account_dict("1")], "order_wait": 60}, "no longer a setting"),
    ({"accounts": [account_dict("1")], "turn_processes": 100}, "turn_processes"),
    ({"accounts": [account_dict("1")], "turn_slots": 0}, "turn_slots"),
    ({"accounts": [account_dict("1")], "lease": 0.5}, "lease"),
    ({"accounts": [account_dict("1")], "db_url": "sqlite:///x.db"}, "postgresql://"),
])
def test_invalid_configurations(creds, match):
    with pytest.raises(ZaloConfigError, match=match):
        load_settings(creds, {})


def test_shared_database_from_the_environment_or_credentials():
    assert load_settings({"accounts": [account_dict("1")]}, {}).db_url == ""
    url = "postgresql://zalo@db:5432/zalo_an_ninh"
    assert load_settings({"accounts": [account_dict("1")]}, {"ZALO_DB_URL": url}).db_url == url
    assert load_settings({"accounts": [account_dict("1")], "db_url": url + "2"}, {"ZALO_DB_URL": url}).db_url == url + "2"


def test_verification_can_be_turned_off_explicitly_only():
    assert load_settings({"accounts": [account_dict()]}, {"ZALO_VERIFY_SIGNATURE": "false"}).verify_signature
    assert not load_settings({"accounts": [account_dict()], "verify_signature": "false"}, {}).verify_signature


def test_secrets_not_in_repr():
    settings = load_settings(None, ENV)
    assert "oask" not in repr(settings) and "apsk" not in repr(settings) and "rt0" not in repr(settings)


def test_two_turn_processes_with_slots_are_the_default():
    settings = load_settings({"accounts": [account_dict("1")]}, {})
    assert (settings.turn_processes, settings.turn_slots, settings.lease) == (2, 8, 30.0)
    other = load_settings({"accounts": [account_dict("1")], "turn_processes": 0}, {})
    assert other.turn_processes == 0


@pytest.mark.parametrize("key,value,why", [
    ("freeze_gc", True, "holds no model"),
    ("turn_process_idle", False, "normal priority"),
    ("turn_process_nice", 10, "normal priority"),
    ("endpoints", "endpoints.production.yml", "--endpoints"),
    ("turn_runner", "process", "turn process"),
])
def test_a_removed_setting_in_an_old_credentials_file_says_what_to_do(key, value, why):
    with pytest.raises(ZaloConfigError) as error:
        load_settings({"accounts": [account_dict("1")], key: value}, {})
    assert f"'{key}' is no longer a setting" in str(error.value) and why in str(error.value)


def test_the_project_credentials_file_is_valid(monkeypatch):
    from pathlib import Path

    import yaml

    section = yaml.safe_load((Path(__file__).resolve().parents[2] / "credentials.zalo.yml").read_text())
    settings = load_settings(section["channels.zalo.ZaloInput"], ENV)
    assert settings.turn_processes == 2
