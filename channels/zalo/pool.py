"""The turn process(es): started and watched by the server (``TurnProcessPool``), and what runs in
one (``main``, ``python -m channels.zalo.pool``).

The server starts ``turn_processes`` processes (two by default) when the channel starts. Each loads
the model with the server's endpoints file (tracker store, action server, lock store) and claims its
work from the inbox itself (channels/zalo/runner.py: one user's rows in order, leases, takeover, up
to ``turn_slots`` conversations at once), on this node or, with a shared database, any node's. The
server only wakes them with a line on their standard input when it has accepted an event, so a new
message is taken at once rather than at the next poll. A turn process prints ``READY`` on standard
output once the model is loaded; when its standard input closes (the server stops or dies), it
finishes the turns it has taken and exits.

The server watches them: a process that exits while the server runs is started again, and the rows
it had claimed are freed at once (on another node, they would wait for their leases to run out).

A turn process's settings come from the environment variable ``ZALO_TURN_PROCESS`` (JSON: the
channel's credentials section, model path, endpoints file, its number), never from the command line,
which other users of the machine can read.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
import time
from typing import Any, Dict, List, Optional

from channels.zalo.inbox import InboxBase, process_identity

SPEC_VARIABLE = "ZALO_TURN_PROCESS"
READY = "READY"
TURN_PROCESS_NICE = 10
logger = logging.getLogger("channels.zalo.pool")  # also when run as __main__

RESTART_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


class _Process:
    def __init__(self, index: int) -> None:
        self.index = index
        self.proc: Optional[asyncio.subprocess.Process] = None
        self.identity: Optional[str] = None
        self.ready = False
        self.started_at = 0.0
        self.restarts = 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None


class TurnProcessPool:
    def __init__(self, count: int, inbox: InboxBase, spec: Dict[str, Any],
                 command: Optional[List[str]] = None) -> None:
        self.count = max(1, int(count))
        self.inbox = inbox
        self.spec = spec  # credentials, model, endpoints, log_level (see ``main``)
        self.command = command or [sys.executable, "-m", "channels.zalo.pool"]
        self.processes = [_Process(i) for i in range(self.count)]
        self._tasks: List["asyncio.Task[Any]"] = []
        self._stopping = False
        self.stats: Dict[str, int] = {"woken": 0, "restarts": 0, "freed": 0}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        for process in self.processes:
            await self._spawn(process)
            self._tasks.append(asyncio.ensure_future(self._watch(process)))

    async def _spawn(self, process: _Process) -> None:
        env = dict(os.environ)
        # A turn process computes one turn at a time; TensorFlow's and BLAS's own thread pools would
        # only make the processes fight over the same cores (unless the operator set them).
        for name in ("TF_INTRA_OP_PARALLELISM_THREADS", "TF_INTER_OP_PARALLELISM_THREADS",
                     "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(name, "1")
        env[SPEC_VARIABLE] = json.dumps({**self.spec, "index": process.index, "count": self.count})
        process.ready = False
        process.proc = await asyncio.create_subprocess_exec(
            *self.command, stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE, stderr=None, env=env, cwd=os.getcwd())
        process.identity = process_identity(process.proc.pid)
        process.started_at = time.monotonic()
        logger.info("zalo: started turn process %d of %d (pid %d)", process.index + 1, self.count,
                    process.proc.pid)

    async def _read_output(self, process: _Process) -> None:
        assert process.proc is not None and process.proc.stdout is not None
        while True:
            line = await process.proc.stdout.readline()
            if not line:
                return
            text = line.decode(errors="replace").rstrip()
            if text == READY:
                process.ready = True
            elif text:
                logger.info("zalo: turn process %d: %s", process.index + 1, text)

    async def _watch(self, process: _Process) -> None:
        """Keep this turn process running until the pool stops."""
        while True:
            assert process.proc is not None
            reader = asyncio.ensure_future(self._read_output(process))
            code = await process.proc.wait()
            await asyncio.gather(reader, return_exceptions=True)
            if self._stopping:
                return
            if process.identity:
                freed = self.inbox.release([process.identity])
                self.stats["freed"] += freed
                self.wake()  # the other processes take its rows over now
            delay = RESTART_DELAYS[min(process.restarts, len(RESTART_DELAYS) - 1)]
            if time.monotonic() - process.started_at > 300:
                delay = RESTART_DELAYS[0]  # it had been running fine: not a crash loop
            logger.error("zalo: turn process %d exited with code %s; starting it again in %.0f s",
                         process.index + 1, code, delay)
            await asyncio.sleep(delay)
            if self._stopping:
                return
            process.restarts += 1
            self.stats["restarts"] += 1
            await self._spawn(process)

    async def stop(self, timeout: float = 30.0) -> None:
        """Close the processes' input (they finish the turns they took), then wait for them."""
        self._stopping = True
        procs = [p.proc for p in self.processes if p.proc is not None and p.proc.returncode is None]
        for proc in procs:
            if proc.stdin is not None:
                proc.stdin.close()
        if procs:
            done, pending = await asyncio.wait([asyncio.ensure_future(p.wait()) for p in procs], timeout=timeout)
            for proc in procs:
                if proc.returncode is None:
                    logger.warning("zalo: turn process pid %d did not stop in %.0f s; killing it", proc.pid, timeout)
                    proc.kill()
                    await proc.wait()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    # ------------------------------------------------------------------------ wake
    def wake(self) -> None:
        """Tell the processes that there is new work (a line on their input; never blocks)."""
        self.stats["woken"] += 1
        for process in self.processes:
            proc = process.proc
            if proc is None or proc.stdin is None or proc.returncode is not None or proc.stdin.is_closing():
                continue
            proc.stdin.write(b"\n")  # buffered by the transport

    # --------------------------------------------------------------------- status
    def status(self) -> Dict[str, Any]:
        return {"processes": self.count,
                "ready": sum(1 for p in self.processes if p.ready and p.proc is not None and p.proc.returncode is None),
                "pids": [p.proc.pid if p.proc is not None else None for p in self.processes],
                **self.stats}


# ----------------------------------------------------------- in the turn process
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


def _return_free_memory() -> None:
    """Give the heap the model's loading left free back to the system (glibc keeps it otherwise:
    about 35 MB per turn process)."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        pass


async def serve(spec: Dict[str, Any]) -> int:
    import gc

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
    # The model, TensorFlow and Rasa live as long as the process: out of the garbage collector's
    # reach, full collections do not walk their millions of objects (pauses of half a second).
    gc.collect()
    gc.freeze()
    _return_free_memory()
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
    # Below the acknowledging server, never starved: with a nice value of 10 the scheduler gives a
    # waking server process the core at once (a 200 never waits behind a turn), and the turn
    # process everything the server leaves (SCHED_IDLE would also leave it nothing on a busy machine).
    os.nice(TURN_PROCESS_NICE)
    _configure_logging(spec)
    import components  # noqa: F401 - the project's Rasa fixes, as in the server process

    return asyncio.run(serve(spec))


if __name__ == "__main__":
    sys.exit(main())
