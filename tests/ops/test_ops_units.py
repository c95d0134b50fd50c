"""Units of the operations pieces: masked/JSON logs of a real process, body decoding, text cut,
counting stats, the WSGI metrics app, the action server's refusal to open without a secret."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from anninh.ops.health import register_check
from anninh.ops.metrics import CountingStats, WEBHOOK_REQUESTS
from anninh.ops.wsgi import ops_app, with_ops_routes
from channels.zalo.events import MAX_TEXT_CHARS, BadEvent, decode_body, parse_event

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import logging, sys
from anninh.ops.logs import install_logging
install_logging("console", sys.argv[1])
logging.basicConfig()  # a handler added after install_logging is treated too
logging.getLogger().setLevel(logging.INFO)
log = logging.getLogger("console.views")
log.info("citizen %s called from %s", "Nguyễn Văn A", "0912 345 678")
try:
    raise ValueError("CCCD 001234567890 invalid")
except ValueError:
    log.exception("lookup failed for +84 912 345 678")
"""


def run_logging(fmt: str) -> str:
    result = subprocess.run([sys.executable, "-c", SCRIPT, fmt], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    return result.stderr


def test_a_process_logs_json_lines_with_numbers_masked():
    lines = [json.loads(line) for line in run_logging("json").splitlines() if line.strip()]
    assert [line["level"] for line in lines] == ["INFO", "ERROR"]
    assert lines[0]["message"] == "citizen Nguyễn Văn A called from [PHONE]"
    assert lines[0]["process"] == "console" and lines[0]["logger"] == "console.views"
    assert "[PHONE]" in lines[1]["message"] and "[ID]" in lines[1]["exc_info"]
    assert "001234567890" not in json.dumps(lines) and "912 345 678" not in json.dumps(lines)


def test_a_process_logs_plain_text_masked_without_json():
    text = run_logging("text")
    assert "[PHONE]" in text and "[ID]" in text and "0912 345 678" not in text and "001234567890" not in text
    assert not text.lstrip().startswith("{")


@pytest.mark.parametrize("body", [
    b"", b"\xff\xfe", b"{", b'{"a": NaN}', b'{"a": Infinity}', b'"\\ud800"', b'{"\\udc00": 1}',
    b"[" * 40 + b"]" * 40, b"[" * 100000 + b"]" * 100000, b"1" * 5000,
])
def test_bodies_that_are_not_usable_json_are_bad_events(body):
    with pytest.raises(BadEvent):
        decode_body(body)


def test_usable_bodies_pass_and_emoji_pairs_are_not_surrogates():
    assert decode_body('{"text": "\\ud83d\\ude93 xe 🚓"}'.encode()) == {"text": "🚓 xe 🚓"}
    assert decode_body(b"[" * 31 + b"]" * 31)


def test_a_huge_text_is_cut_before_the_nlu():
    event = {"event_name": "user_send_text", "recipient": {"id": "43"}, "sender": {"id": "u"},
             "timestamp": "1", "message": {"msg_id": "m1", "text": "a" * 1_000_000}}
    parsed = parse_event(event)
    assert len(parsed.text) == MAX_TEXT_CHARS
    event["sender"]["id"] = "9" * 200  # an id no Zalo id is as long as
    with pytest.raises(BadEvent):
        parse_event(event)


def test_counting_stats_feed_the_counter():
    stats = CountingStats(WEBHOOK_REQUESTS, {"accepted": 0}, label=lambda key: f"unit_{key}")
    before = WEBHOOK_REQUESTS.labels("unit_accepted")._value.get()
    stats["accepted"] += 1
    stats["accepted"] += 2
    assert stats == {"accepted": 3}
    assert WEBHOOK_REQUESTS.labels("unit_accepted")._value.get() == before + 3


def test_a_wsgi_app_gets_metrics_and_health_in_front_of_it():
    from werkzeug.test import Client
    from werkzeug.wrappers import Response

    inner = Response("console page")
    client = Client(with_ops_routes(inner))
    resp = client.get("/metrics")
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/plain")
    assert b"zalo_webhook_requests_total" in resp.data
    assert client.get("/health/live").json == {"status": "ok"}
    assert client.get("/reports").data == b"console page"
    register_check("unit-db", lambda app: (False, "database unreachable"))
    try:
        ready = client.get("/health/ready")
        assert ready.status_code == 503 and ready.json["checks"]["unit-db"]["detail"] == "database unreachable"
    finally:
        register_check("unit-db", lambda app: (True, "ok"))
    assert Client(ops_app()).get("/other").status_code == 404


def test_the_action_server_does_not_open_to_the_network_without_a_secret():
    result = subprocess.run([sys.executable, "-m", "anninh.action_server", "--host", "0.0.0.0", "--port", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=120,
                            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "ACTIONS_SHARED_SECRET": ""})
    assert result.returncode == 2
    assert "ACTIONS_SHARED_SECRET is not set" in result.stderr


def test_the_production_credentials_have_no_rest_channel_and_list_the_ops_channel_first():
    import yaml

    zalo = yaml.safe_load((ROOT / "credentials.zalo.yml").read_text(encoding="utf-8"))
    assert "rest" not in zalo
    assert list(zalo)[0] == "channels.ops.OpsInput"  # before prometheus_client is imported (multiprocess)
    development = yaml.safe_load((ROOT / "credentials.yml").read_text(encoding="utf-8"))
    assert "rest" in development and "channels.ops.OpsInput" in development
    run = (ROOT / "scripts" / "run.sh").read_text(encoding="utf-8")
    assert 'REST_CHANNEL_ENABLED:-false}" = true' in run and "anninh.action_server" in run
    assert "rasa\" run actions" not in run


def test_rasa_reads_the_shared_secret_header_from_the_production_endpoints(monkeypatch):
    from rasa.core.utils import AvailableEndpoints

    for name in ("TRACKER_DB_HOST", "TRACKER_DB_PORT", "TRACKER_DB_NAME", "TRACKER_DB_USER", "TRACKER_DB_PASSWORD",
                 "TRACKER_DB_LOGIN_DB", "LOCK_STORE_REDIS_HOST", "LOCK_STORE_REDIS_PORT", "LOCK_STORE_REDIS_DB",
                 "LOCK_STORE_REDIS_PASSWORD", "LOCK_STORE_KEY_PREFIX"):
        monkeypatch.setenv(name, "1")
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://10.0.0.5:5055/webhook")
    monkeypatch.setenv("ACTIONS_SHARED_SECRET", "a-secret-of-enough-length")
    endpoints = AvailableEndpoints.read_endpoints(str(ROOT / "endpoints.production.yml"))
    assert endpoints.action.headers == {"X-Actions-Secret": "a-secret-of-enough-length"}
