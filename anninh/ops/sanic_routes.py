"""``/metrics``, ``/health/live`` and ``/health/ready`` on a Sanic app or blueprint.

Live: the process answers HTTP. Ready: every registered check passes (the model is loaded, the
Zalo channel has started and its turn processes are ready, ...): 200, else 503 with the failing
checks, so a load balancer sends no traffic to a node that cannot answer yet.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Tuple

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from anninh.ops.metrics import render

Check = Callable[[Any], Tuple[bool, Any]]  # (app) -> (ready, detail)
_checks: Dict[str, Check] = {}


def register_check(name: str, check: Check) -> None:
    """Add (or replace) a readiness check, called with the Sanic app at every ``/health/ready``."""
    _checks[name] = check


def readiness(app: Any) -> Tuple[bool, Dict[str, Any]]:
    ready, details = True, {}
    for name, check in list(_checks.items()):
        try:
            ok, detail = check(app)
        except Exception as exc:  # noqa: BLE001 - a failing check means not ready
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        ready = ready and bool(ok)
        details[name] = {"ready": bool(ok), "detail": detail}
    return ready, details


def add_ops_routes(target: Any) -> None:
    """Register the three routes on ``target`` (a Sanic app or blueprint)."""

    @target.get("/metrics")
    async def metrics(request: Request) -> HTTPResponse:
        body, content_type = render()
        return response.raw(body, content_type=content_type)

    @target.get("/health/live")
    async def live(request: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @target.get("/health/ready")
    async def ready(request: Request) -> HTTPResponse:
        ok, details = readiness(request.app)
        return response.json({"status": "ready" if ok else "not ready", "checks": details},
                             status=200 if ok else 503)
