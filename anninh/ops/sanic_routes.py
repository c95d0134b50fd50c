"""``/metrics``, ``/health/live`` and ``/health/ready`` on a Sanic app or blueprint.

Live: the process answers HTTP. Ready: every registered check passes (the model is loaded, the
Zalo channel has started and its turn processes are ready, ...): 200, else 503 with the failing
checks, so a load balancer sends no traffic to a node that cannot answer yet.
"""
from __future__ import annotations

from typing import Any

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from anninh.ops.health import readiness
from anninh.ops.metrics import render


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
