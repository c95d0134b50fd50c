"""Start the real action server and Rasa server as subprocesses on free localhost ports.

Used by the integration tests and by `make bench`; nothing here is mocked.
"""
from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(extra: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    env = dict(os.environ)
    env.update({"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
                "PYTHONPATH": str(ROOT), "SQLALCHEMY_SILENCE_UBER_WARNING": "1"})
    env.update(extra or {})
    return env


class Server:
    """A subprocess that is ready once ``health_url`` answers 200."""

    def __init__(self, name: str, cmd: List[str], health_url: str, log: Path,
                 env: Optional[Dict[str, str]] = None, cwd: Path = ROOT):
        self.name, self.cmd, self.health_url, self.log_path = name, cmd, health_url, log
        log.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(log, "wb")
        self.proc = subprocess.Popen(cmd, cwd=cwd, env=base_env(env), stdout=self._log,
                                     stderr=subprocess.STDOUT, start_new_session=True)

    def wait_ready(self, timeout: float = 180) -> "Server":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.proc.returncode}); log:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.health_url, timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f}s; log:\n{self.tail()}")

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def rss_mb(self) -> float:
        """Resident memory of the process and its children, in MB."""
        total = 0
        pids = [str(self.proc.pid)]
        try:
            out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(self.proc.pid)],
                                 capture_output=True, text=True).stdout.split()
            pids += out
        except OSError:
            pass
        for pid in pids:
            try:
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
            except OSError:
                pass
        return total / 1024

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, 15)
                self.proc.wait(timeout=15)
            except (OSError, subprocess.TimeoutExpired):
                os.killpg(self.proc.pid, 9)
                self.proc.wait(timeout=5)
        self._log.close()


def action_server(port: int, log: Path, env: Optional[Dict[str, str]] = None) -> Server:
    return Server("action server", [str(BIN / "python"), "-m", "anninh.action_server", "--port", str(port)],
                  f"http://127.0.0.1:{port}/health", log, env)


def rasa_server(model: Path, port: int, endpoints: Path, credentials: Path, log: Path,
                env: Optional[Dict[str, str]] = None) -> Server:
    return Server("rasa server", [str(BIN / "rasa"), "run", "--model", str(model), "--port", str(port),
                                  "--endpoints", str(endpoints), "--credentials", str(credentials)],
                  f"http://127.0.0.1:{port}/", log, env)


def write_endpoints(path: Path, action_port: int, tracker_db: Path) -> Path:
    path.write_text(
        f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
        f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{tracker_db}"\n',
        encoding="utf-8")
    return path
