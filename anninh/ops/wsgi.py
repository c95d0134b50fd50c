"""``/metrics``, ``/health/live`` and ``/health/ready`` for a WSGI app (the officers' console).

    from anninh.ops.logs import install_logging
    from anninh.ops.wsgi import with_ops_routes
    install_logging("console", ensure_handler=True) # masked logs, JSON with LOG_FORMAT=json
    app.wsgi_app = with_ops_routes(app.wsgi_app)    # Flask: the three paths answered before the app

Readiness checks are registered with ``anninh.ops.health.register_check(name, check)``; ``check``
is called with ``None`` and returns (ready, detail).
"""
from __future__ import annotations

import json
from typing import Any, Callable, Iterable, List, Mapping

from anninh.ops.health import readiness
from anninh.ops.metrics import render

WsgiApp = Callable[[Mapping[str, Any], Callable[..., Any]], Iterable[bytes]]
PATHS = ("/metrics", "/health/live", "/health/ready")


def _answer(path: str, start_response: Callable[..., Any]) -> List[bytes]:
    if path == "/metrics":
        body, content_type = render()
        status = "200 OK"
    else:
        ok, details = (True, {}) if path == "/health/live" else readiness(None)
        payload = {"status": "ok"} if path == "/health/live" else \
            {"status": "ready" if ok else "not ready", "checks": details}
        body, content_type = json.dumps(payload).encode(), "application/json"
        status = "200 OK" if ok else "503 Service Unavailable"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def with_ops_routes(inner: WsgiApp) -> WsgiApp:
    """``inner`` with GET /metrics, /health/live and /health/ready answered in front of it."""

    def app(wsgi_env: Mapping[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = wsgi_env.get("PATH_INFO", "")
        if path in PATHS and wsgi_env.get("REQUEST_METHOD", "GET") in ("GET", "HEAD"):
            return _answer(path, start_response)
        return inner(wsgi_env, start_response)

    return app


def ops_app() -> WsgiApp:
    """The three endpoints alone (404 for anything else)."""

    def not_found(wsgi_env: Mapping[str, Any], start_response: Callable[..., Any]) -> List[bytes]:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    return with_ops_routes(not_found)
