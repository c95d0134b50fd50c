"""The console answers /metrics, /health/live and /health/ready like every other process, without a
login and without personal data; every other path still needs a login."""
from __future__ import annotations

import requests


def test_health_and_metrics_answer_without_a_login(console):
    live = requests.get(f"{console.base_url}/health/live", timeout=10)
    assert live.status_code == 200 and live.json() == {"status": "ok"}
    ready = requests.get(f"{console.base_url}/health/ready", timeout=10)
    assert ready.status_code == 200, ready.text
    assert ready.json()["status"] == "ready" and ready.json()["checks"]["reports_db"]["ready"] is True
    metrics = requests.get(f"{console.base_url}/metrics", timeout=10)
    assert metrics.status_code == 200 and "# HELP" in metrics.text
    assert "text/plain" in metrics.headers["Content-Type"]
    from anninh.reports.privacy import contains_pii
    assert not contains_pii(live.text) and not contains_pii(ready.text)


def test_other_paths_still_need_a_login(console):
    for path in ("/metrics/x", "/health", "/"):
        reply = requests.get(f"{console.base_url}{path}", timeout=10, allow_redirects=False)
        assert reply.status_code in (302, 303, 404), (path, reply.status_code)
        if reply.status_code in (302, 303):
            assert "/login" in reply.headers["Location"]
