"""The ``ops`` channel: not a chat channel, but the way into every Rasa server process for
operations. List it in the credentials file (``channels.ops.OpsInput:``) and the server gets

- ``GET /metrics`` (Prometheus; the server, its Sanic workers and the Zalo turn processes added up
  through prometheus-client's multiprocess mode, see ``anninh.ops.multiproc``),
- ``GET /health/live`` and ``GET /health/ready`` (model loaded; Zalo channel started),
- JSON logs on request (``LOG_FORMAT=json``) and phone/ID numbers masked in every log record,
- turn counts and latency by channel.
"""
from __future__ import annotations

from typing import Any, Awaitable, Callable, Dict, Optional, Text

from anninh.ops import multiproc

multiproc.prepare()  # before anything imports prometheus_client (Rasa loads channels first)

from rasa.core.channels.channel import InputChannel, UserMessage  # noqa: E402
from sanic import Blueprint  # noqa: E402

from anninh.ops.logs import install_logging  # noqa: E402
from anninh.ops.rasa_hooks import instrument_turns  # noqa: E402
from anninh.ops.health import register_check  # noqa: E402
from anninh.ops.sanic_routes import add_ops_routes  # noqa: E402

PROCESS_NAME = "rasa"


def model_loaded(app: Any) -> "tuple[bool, Any]":
    """In a server run by ``rasa run`` (the acknowledging server of channels/zalo/serve.py has its own
    check: the Zalo turn process holds the model)."""
    agent = getattr(getattr(app, "ctx", None), "agent", None)
    ready = agent is not None and agent.is_ready()
    return ready, "model loaded" if ready else "no model loaded yet"


class OpsInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "ops"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "OpsInput":
        install_logging(PROCESS_NAME)
        instrument_turns()
        return cls()

    def url_prefix(self) -> Text:
        return "/"  # the routes sit at the root of the server: /metrics, /health/...

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        ops = Blueprint("anninh_ops")
        register_check("model", model_loaded)
        add_ops_routes(ops)

        @ops.listener("before_server_start")
        async def logging_of_this_worker(app: Any, loop: Any) -> None:
            install_logging(PROCESS_NAME)  # Sanic's own handlers exist by now

        return ops
