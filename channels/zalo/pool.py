"""The turn processes, seen from the Rasa server process.

The server starts ``turn_processes`` processes (``channels.zalo.worker``) when the channel starts.
They claim their work from the inbox themselves (channels/zalo/runner.py); the server only wakes
them with a line on their standard input when it has accepted an event, so a new message is taken
at once rather than at the next poll. A process that is busy takes nothing (its slots are full),
the other takes the event: new work goes to whichever process is free.

It watches them: a process that exits while the server runs is started again, and the rows it had
claimed are freed at once for the others (on another node, they would wait for their leases to run
out).
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from typing import Any, Dict, List, Optional

from channels.zalo.inbox import InboxBase, process_identity
from channels.zalo.worker import READY, SPEC_VARIABLE

logger = logging.getLogger(__name__)

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
        self.spec = spec  # credentials, model, endpoints, log_level, nice (see channels.zalo.worker)
        self.command = command or [sys.executable, "-m", "channels.zalo.worker"]
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
