"""The action server: rasa_sdk's app with closed doors and operations endpoints.

``python -m anninh.action_server`` (what ``make run`` starts) instead of ``rasa run actions``:

- listens on ``ACTIONS_HOST`` (default ``127.0.0.1``), so only this machine can call actions;
- with ``ACTIONS_SHARED_SECRET`` set, every call of ``/webhook`` and ``/actions`` must carry it in
  the ``X-Actions-Secret`` header (compared in constant time), else 401. Listening on any other
  interface than the loopback without a secret is refused at start: report lookups trust the
  sender id they are given, so an open action server would hand reports to anyone;
- ``/health``, ``/health/live``, ``/health/ready`` and ``/metrics`` stay open (no personal data);
- an unexpected error answers 500 without echoing the request (rasa_sdk echoes the whole body,
  tracker included, which holds what citizens typed);
- logs with phone and ID numbers masked, as JSON lines with ``LOG_FORMAT=json``.
"""
from __future__ import annotations

import argparse
import hmac
import logging
import sys
from typing import Any, List, Optional

from pydantic import ValidationError
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from anninh.ops.logs import install_logging
from anninh.ops.metrics import ACTION_CALLS_REFUSED
from anninh.ops.health import register_check
from anninh.ops.sanic_routes import add_ops_routes
from anninh.settings import ActionServerSettings

SECRET_HEADER = "X-Actions-Secret"
OPEN_PATHS = frozenset({"/health", "/health/live", "/health/ready", "/metrics"})
ACTIONS_PACKAGE = "actions"

logger = logging.getLogger("anninh.action_server")


class ConfigurationError(SystemExit):
    pass


def check_settings(settings: ActionServerSettings) -> None:
    if not settings.loopback_only and not settings.actions_shared_secret.get_secret_value():
        raise ConfigurationError(
            f"action server: ACTIONS_HOST is {settings.actions_host}, reachable from other machines, "
            "but ACTIONS_SHARED_SECRET is not set; set it here and in the Rasa server's environment "
            "(endpoints.production.yml sends it), or listen on 127.0.0.1")


def secret_matches(given: Optional[str], secret: str) -> bool:
    return hmac.compare_digest((given or "").encode("utf-8"), secret.encode("utf-8"))


def create_app(settings: ActionServerSettings, package: str = ACTIONS_PACKAGE) -> Sanic:
    from rasa_sdk.endpoint import create_app as create_sdk_app

    check_settings(settings)
    app = create_sdk_app(package, cors_origins="")  # called server to server: no browser origins
    secret = settings.actions_shared_secret.get_secret_value()

    @app.middleware("request")
    async def closed_door(request: Request) -> Optional[HTTPResponse]:
        if not secret or request.path in OPEN_PATHS:
            return None
        if secret_matches(request.headers.get(SECRET_HEADER), secret):
            return None
        ACTION_CALLS_REFUSED.inc()
        logger.warning("action server: refused %s %s from %s without the shared secret",
                       request.method, request.path, request.ip)
        return response.json({"error": "forbidden"}, status=401)

    async def unexpected(request: Request, exception: Exception) -> HTTPResponse:
        logger.error("action server: error in %s %s: %s", request.method, request.path,
                     type(exception).__name__, exc_info=exception)
        return response.json({"error": "internal error"}, status=500)

    app.error_handler.add(Exception, unexpected)
    add_ops_routes(app)
    register_check("actions", lambda _app: (True, "actions loaded"))
    return app


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", help="interface to listen on (default ACTIONS_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default ACTIONS_PORT, 5055)")
    parser.add_argument("--actions", default=ACTIONS_PACKAGE, help="package of the actions")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    overrides: dict = {}
    if args.host:
        overrides["actions_host"] = args.host
    if args.port:
        overrides["actions_port"] = args.port
    try:
        settings = ActionServerSettings(**overrides)
    except ValidationError as exc:
        print(f"action server: invalid settings: {exc}", file=sys.stderr)
        return 2
    from rasa_sdk import utils

    utils.configure_colored_logging("INFO")
    utils.update_sanic_log_level()
    install_logging("actions", settings.log_format)
    try:
        app = create_app(settings, args.actions)
    except ConfigurationError as exc:
        logger.error("%s", exc.code)
        return 2
    install_logging("actions", settings.log_format)  # handlers rasa_sdk and Sanic added meanwhile
    logger.info("action server on http://%s:%d (%s)", settings.actions_host, settings.actions_port,
                "shared secret required" if settings.actions_shared_secret.get_secret_value()
                else "no shared secret: loopback only")
    app.run(settings.actions_host, settings.actions_port, access_log=False, workers=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
