"""A turn process: runs the bot turns of the Zalo events that the Rasa server acknowledged.

The Rasa server process only acknowledges webhooks: it checks and stores each event in the inbox,
answers 200, and wakes its ``turn_processes`` processes like this one (started and watched by ``channels.zalo.pool``). Each claims work from the inbox
(channels/zalo/runner.py: one user's rows in order, leases, takeover), on this node or, with a
shared database, any node's. Because no bot turn runs in the server process, a turn never holds the
acknowledgement up, and the turns of different users use all cores.

The process loads the same model with the same endpoints file as the server (tracker store,
action server, lock store) and runs each turn exactly as the server would (``channels.zalo.turns``).
It prints ``READY`` on standard output once the model is loaded; each line on standard input wakes
it. When standard input closes (the server stops or dies), it finishes the turns it has taken and
exits.

The settings come from the environment variable ``ZALO_TURN_PROCESS`` (JSON: the channel's
credentials section, model path, endpoints file, this process's number), never from the command
line, which other users of the machine can read.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from typing import Any, Dict

SPEC_VARIABLE = "ZALO_TURN_PROCESS"
READY = "READY"

logger = logging.getLogger("channels.zalo.worker")


def _configure_logging(spec: Dict[str, Any]) -> None:
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    level = logging.getLevelName(str(spec.get("log_level") or os.environ.get("LOG_LEVEL") or "INFO").upper())
    if not isinstance(level, int):
        level = logging.INFO
    configure_logging_and_warnings(level)
    configure_structlog(level)
    # To standard error, as the server's own log; standard output is the protocol with the server.
    prefix = f"zalo-turns-{spec.get('index', 0) + 1}"
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(f"%(asctime)s {prefix} %(levelname)-7s %(name)s - %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)


async def serve(spec: Dict[str, Any]) -> int:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints

    from channels.zalo.config import load_settings
    from channels.zalo.runtime import ZaloRuntime

    settings = load_settings(spec.get("credentials") or {})
    endpoints = AvailableEndpoints.read_endpoints(spec["endpoints"]) if spec.get("endpoints") else None
    agent = await load_agent(model_path=spec["model"], endpoints=endpoints)
    if not agent.is_ready():
        logger.error("zalo: turn process could not load the model %s", spec["model"])
        return 2
    try:
        await agent.parse_message("xin chào")  # builds the TensorFlow graph before the first user
    except Exception:  # noqa: BLE001 - a warm-up only
        logger.exception("zalo: warm-up parse failed")
    runtime = ZaloRuntime(settings)
    await runtime.start(handle=agent.handle_message)
    print(READY, flush=True)
    logger.info("zalo: turn process %d of %d ready (model %s)", spec.get("index", 0) + 1,
                spec.get("count", 1), spec["model"])
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while await reader.readline():
            runtime.wake()
    finally:
        await runtime.stop()  # finishes the turns taken
    return 0


def main() -> int:
    raw = os.environ.get(SPEC_VARIABLE)
    if not raw:
        print(f"{__name__}: started without {SPEC_VARIABLE}; this process is started by the zalo channel",
              file=sys.stderr)
        return 2
    spec = json.loads(raw)
    os.environ.pop(SPEC_VARIABLE, None)  # secrets: not inherited by anything this process starts
    # Ctrl-C in the terminal reaches the whole process group: the server then closes our input,
    # and we finish the turns we took instead of dropping them half-way.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _configure_logging(spec)
    if spec.get("idle_priority") and hasattr(os, "SCHED_IDLE"):
        try:  # allowed without privileges: a process may always lower its own priority
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
        except OSError:
            pass
    import components  # noqa: F401 - the project's Rasa fixes, as in the server process

    return asyncio.run(serve(spec))


if __name__ == "__main__":
    sys.exit(main())
