"""The turn processes of ``turn_runner: process``, seen from the Rasa server process.

The server starts ``turn_processes`` processes (``channels.zalo.worker``) when the channel starts
and hands each accepted event's inbox row id to one of them:
- a user with turns in progress goes to the process that has them, so one user's turns run one at
  a time and in order (the inbox's order check backs this up);
- a user with none goes to the ready process with the fewest turns in progress, so a busy process
  does not build a queue while another idles (each process reports ``DONE <row id>``).
It watches them: a process that exits while the server runs is started again, and the events it
had taken or had not read yet are handed to its successor (the inbox still has them). The
hand-over is a line on the process's standard input; the inbox, not the pipe, is the durable
record, so a lost line delays a turn but never loses it.
"""
from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
from typing import Any, Dict, List, Optional, Tuple

from channels.zalo.inbox import Inbox, process_identity
from channels.zalo.worker import DONE, READY, SPEC_VARIABLE

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
        self.previous_identities: List[str] = []
        self.in_flight = 0

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.returncode is None


class TurnProcessPool:
    def __init__(self, count: int, inbox: Inbox, spec: Dict[str, Any],
                 command: Optional[List[str]] = None) -> None:
        self.count = max(1, int(count))
        self.inbox = inbox
        self.spec = spec  # credentials, model, endpoints, log_level, nice (see channels.zalo.worker)
        self.command = command or [sys.executable, "-m", "channels.zalo.worker"]
        self.processes = [_Process(i) for i in range(self.count)]
        self._tasks: List["asyncio.Task[Any]"] = []
        self._stopping = False
        self._rows: Dict[int, Tuple[int, str]] = {}  # row id in progress -> (process index, sender)
        self._users: Dict[str, List[int]] = {}  # sender -> [process index, turns in progress]
        self.stats: Dict[str, int] = {"handed": 0, "restarts": 0, "rehanded": 0}

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        for process in self.processes:
            await self._spawn(process)
            self._tasks.append(asyncio.ensure_future(self._watch(process)))

    async def _spawn(self, process: _Process) -> None:
        env = dict(os.environ)
        # Each turn process runs one turn at a time; TensorFlow's and BLAS's own thread pools would
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
            if text.startswith(DONE + " "):
                try:
                    self._finished(int(text[len(DONE) + 1:]))
                except ValueError:
                    pass
            elif text == READY:
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
            delay = RESTART_DELAYS[min(process.restarts, len(RESTART_DELAYS) - 1)]
            if time.monotonic() - process.started_at > 300:
                delay = RESTART_DELAYS[0]  # it had been running fine: not a crash loop
            logger.error("zalo: turn process %d exited with code %s; starting it again in %.0f s",
                         process.index + 1, code, delay)
            await asyncio.sleep(delay)
            if self._stopping:
                return
            if process.identity:
                process.previous_identities = (process.previous_identities + [process.identity])[-5:]
            process.restarts += 1
            self.stats["restarts"] += 1
            await self._spawn(process)
            self._rehand(process)

    def _rehand(self, process: _Process) -> None:
        """Hand the restarted process the events it had been handed and are not done: those the
        dead process had taken, and those still waiting in its pipe (owned by this server)."""
        undone = {row_id for row_id, _ in self.inbox.undone([self.inbox.owner] + process.previous_identities)}
        for row_id, (index, _sender) in sorted(self._rows.items()):
            if index != process.index:
                continue
            if row_id in undone:
                self._write(process, row_id)
                self.stats["rehanded"] += 1
            else:
                self._finished(row_id)  # done before the process died; its DONE line was lost

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

    # ------------------------------------------------------------------- hand-over
    def _write(self, process: _Process, row_id: int) -> bool:
        proc = process.proc
        if proc is None or proc.stdin is None or proc.returncode is not None or proc.stdin.is_closing():
            return False  # handed over again when it is restarted
        proc.stdin.write(f"{row_id}\n".encode())  # buffered by the transport: never blocks
        return True

    def _pick(self) -> _Process:
        ready = [p for p in self.processes if p.alive and p.ready]
        return min(ready or [p for p in self.processes if p.alive] or self.processes,
                   key=lambda p: (p.in_flight, p.index))

    def submit(self, sender_id: str, row_id: int) -> None:
        user = self._users.get(sender_id)
        if user is None:
            user = self._users[sender_id] = [self._pick().index, 0]
        user[1] += 1
        process = self.processes[user[0]]
        process.in_flight += 1
        self._rows[row_id] = (process.index, sender_id)
        self.stats["handed"] += 1
        self._write(process, row_id)

    def _finished(self, row_id: int) -> None:
        found = self._rows.pop(row_id, None)
        if found is None:
            return
        index, sender = found
        self.processes[index].in_flight -= 1
        user = self._users.get(sender)
        if user is not None:
            user[1] -= 1
            if user[1] <= 0:
                del self._users[sender]

    # --------------------------------------------------------------------- status
    def status(self) -> Dict[str, Any]:
        return {"processes": self.count,
                "ready": sum(1 for p in self.processes if p.ready and p.proc is not None and p.proc.returncode is None),
                "pids": [p.proc.pid if p.proc is not None else None for p in self.processes],
                "in_flight": [p.in_flight for p in self.processes],
                **self.stats}
