"""Starts the real Rasa server (with the zalo channel) and the action server as subprocesses, wired
to a fake Zalo API by URL. Used by the integration tests and by bench/zalo_bench.py --spawn.

The single OA is configured the way an operator would: credentials.yml names the channel and the
secrets come from ZALO_* environment variables.
"""
from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parents[2]


PG_DSN = os.environ.get("ZALO_TEST_PG_DSN", "host=127.0.0.1 port=5432 dbname=test user=postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


def pg_schema_url(schema: str) -> str:
    """The URL of the test PostgreSQL with ``schema`` as search path (what ZALO_DB_URL takes)."""
    params = dict(part.split("=", 1) for part in PG_DSN.split())
    return (f"postgresql://{params.get('user', 'postgres')}@{params.get('host', '127.0.0.1')}:"
            f"{params.get('port', '5432')}/{params.get('dbname', 'test')}?options=-csearch_path%3D{schema}")


class StackError(RuntimeError):
    pass


def pg_execute(sql: str, *args: Any) -> List[tuple]:
    """One statement on the test PostgreSQL (autocommit); its rows, if any."""
    import psycopg2

    conn = psycopg2.connect(PG_DSN, connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def services_error() -> Optional[str]:
    """Why PostgreSQL or Redis cannot be used here, or None."""
    try:
        import psycopg2

        psycopg2.connect(PG_DSN, connect_timeout=3).close()
    except Exception as exc:  # noqa: BLE001
        return f"PostgreSQL ({PG_DSN}): {type(exc).__name__}: {str(exc).strip()[:200]}"
    try:
        import redis

        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_timeout=3).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis ({REDIS_HOST}:{REDIS_PORT}): {type(exc).__name__}: {exc}"
    return None


def require_production_services(what: str) -> None:
    """Skip (fail with CI=true) without PostgreSQL and Redis; fail without a trained model."""
    import pytest

    from devtools.testing import service_missing

    problem = services_error()
    if problem:
        service_missing(f"{what} needs PostgreSQL and Redis: {problem}")
    if find_model(ROOT) is None:
        pytest.fail("no trained model: run make train", pytrace=False)


class ProductionStores:
    """A PostgreSQL schema and a Redis key prefix of their own, and the environment that points
    endpoints.production.yml at them (``workers`` Rasa worker processes). ``drop()`` removes both."""

    def __init__(self, name: str, workers: int = 2, redis_db: int = 2) -> None:
        import uuid

        self.schema = f"{name}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self.prefix = f"{name.replace('_', '')}{uuid.uuid4().hex[:10]}"
        self.workers = workers
        self.redis_db = redis_db

    def create(self) -> Dict[str, str]:
        pg_execute(f'CREATE SCHEMA "{self.schema}"')
        return {"SANIC_WORKERS": str(self.workers), "POSTGRESQL_SCHEMA": self.schema,
                "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432", "TRACKER_DB_NAME": "test",
                "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "", "TRACKER_DB_LOGIN_DB": "",
                "LOCK_STORE_REDIS_HOST": REDIS_HOST, "LOCK_STORE_REDIS_PORT": str(REDIS_PORT),
                "LOCK_STORE_REDIS_DB": str(self.redis_db), "LOCK_STORE_REDIS_PASSWORD": "",
                "LOCK_STORE_KEY_PREFIX": self.prefix, "ACTIONS_SHARED_SECRET": os.urandom(16).hex()}

    def drop(self) -> None:
        import redis

        pg_execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db)
        for key in client.scan_iter(f"{self.prefix}*"):
            client.delete(key)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def find_model(project_dir: Path) -> Optional[Path]:
    models = sorted((project_dir / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def _get_json(url: str, timeout: float = 2.0) -> Any:
    with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - loopback only
        return json.loads(resp.read() or b"null")


class RasaStack:
    def __init__(self, work_dir: Path, fake_url: str, account: Dict[str, str],
                 project_dir: Optional[Path] = None, python_bin: Optional[str] = None,
                 extra_credentials: Optional[Dict[str, Any]] = None, enable_api: bool = True,
                 extra_env: Optional[Dict[str, str]] = None,
                 extra_endpoints: Optional[Dict[str, Any]] = None,
                 endpoints_file: Optional[Path] = None) -> None:
        self.work_dir = Path(work_dir)
        self.fake_url = fake_url
        self.account = account
        self.project_dir = Path(project_dir or os.environ.get("ZALO_IT_PROJECT_DIR") or ROOT)
        bin_dir = Path(python_bin).parent if python_bin else Path(sys.executable).parent
        self.rasa_bin = str(bin_dir / "rasa")
        self.python_bin = str(bin_dir / "python")
        self.extra_credentials = extra_credentials or {}
        self.enable_api = enable_api
        self.extra_env = extra_env or {}
        self.extra_endpoints = extra_endpoints or {}
        self.endpoints_file = endpoints_file  # a project file (${VAR}s from extra_env), instead of ours
        self.rasa_port = free_port()
        self.actions_port = free_port()
        self.procs: List[subprocess.Popen] = []
        self.logs: Dict[str, Path] = {}

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def webhook_url(self) -> str:
        return self.rasa_url + "/webhooks/zalo/webhook"

    def _write_configs(self) -> Dict[str, Path]:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        creds = self.work_dir / "credentials.yml"
        zalo: Dict[str, Any] = {"db_path": str(self.work_dir / "zalo.db"), **self.extra_credentials}
        creds.write_text(json.dumps({"channels.zalo.ZaloInput": zalo}), encoding="utf-8")  # JSON is YAML
        if self.endpoints_file is not None:
            return {"credentials": creds, "endpoints": Path(self.endpoints_file)}
        endpoints = self.work_dir / "endpoints.yml"
        # As `make run` (endpoints.yml): conversations in a SQLite file, which the server process
        # (HTTP API) and its turn processes share.
        tracker_store = {"type": "components.tracker_store.SQLiteTrackerStore", "db": str(self.work_dir / "tracker.db")}
        endpoints.write_text(json.dumps({"action_endpoint": {
            "url": f"http://127.0.0.1:{self.actions_port}/webhook"}, "tracker_store": tracker_store,
            **self.extra_endpoints}), encoding="utf-8")
        return {"credentials": creds, "endpoints": endpoints}

    def env(self) -> Dict[str, str]:
        env = dict(os.environ)
        env.update({
            "ZALO_APP_ID": self.account["app_id"], "ZALO_OA_ID": self.account["oa_id"],
            "ZALO_OA_SECRET_KEY": self.account["oa_secret_key"],
            "ZALO_APP_SECRET_KEY": self.account["app_secret_key"],
            "ZALO_REFRESH_TOKEN": self.account["refresh_token"],
            "ZALO_UNIT": self.account.get("unit", ""),
            "ZALO_API_BASE_URL": self.fake_url, "ZALO_OAUTH_BASE_URL": self.fake_url,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
            "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
        })
        env.pop("ZALO_ACCESS_TOKEN", None)
        env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{self.actions_port}/webhook"
        env.update(self.extra_env)
        return env

    def _spawn(self, name: str, args: List[str]) -> None:
        log = self.work_dir / f"{name}.log"
        self.logs[name] = log
        handle = open(log, "wb")  # noqa: SIM115 - kept open for the process's life
        proc = subprocess.Popen(args, cwd=self.project_dir, env=self.env(), stdout=handle,
                                stderr=subprocess.STDOUT, start_new_session=True)
        self.procs.append(proc)

    def start(self, timeout: float = 300.0) -> "RasaStack":
        model = find_model(self.project_dir)
        if model is None:
            raise StackError(f"no trained model: run make train (nothing in {self.project_dir / 'models'})")
        files = self._write_configs()
        self._spawn("actions", [self.python_bin, "-m", "anninh.action_server", "--port", str(self.actions_port)])
        # `rasa run`, without the model in the server when its turn processes hold it (channels/zalo/serve.py)
        args = [self.python_bin, "-m", "channels.zalo.serve", "--model", str(model), "--credentials", str(files["credentials"]),
                "--endpoints", str(files["endpoints"]), "--port", str(self.rasa_port),
                "--interface", "127.0.0.1"]
        if self.enable_api:
            args.append("--enable-api")
        self._spawn("rasa", args)
        deadline = time.monotonic() + timeout
        ready = {"rasa": False, "actions": False}
        while time.monotonic() < deadline:
            for proc, name in zip(self.procs, ["actions", "rasa"]):
                if proc.poll() is not None:
                    self.stop()
                    raise StackError(f"{name} exited with {proc.returncode}:\n{self.tail(name)}")
            try:
                ready["actions"] = ready["actions"] or _get_json(
                    f"http://127.0.0.1:{self.actions_port}/health").get("status") == "ok"
                health = _get_json(self.rasa_url + "/webhooks/zalo/")
                # "ready": started, and with turn processes, every one has loaded the model
                ready["rasa"] = bool(health.get("ready", health.get("started")))
                if ready["rasa"] and self.enable_api:
                    ready["rasa"] = _get_json(self.rasa_url + "/status").get("model_file") is not None
            except (OSError, ValueError, AttributeError):
                pass
            if all(ready.values()):
                return self
            time.sleep(0.5)
        self.stop()
        raise StackError(f"the stack did not become ready in {timeout:.0f} s:\n{self.tail('rasa')}")

    def tail(self, name: str, lines: int = 60) -> str:
        path = self.logs.get(name)
        if path is None or not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def tracker(self, sender_id: str) -> Dict[str, Any]:
        """The conversation's events: from the HTTP API, or without it from the SQLite file of our
        endpoints (Rasa's events table)."""
        if self.enable_api:
            from urllib.parse import quote
            return _get_json(f"{self.rasa_url}/conversations/{quote(sender_id, safe=':')}/tracker", timeout=10)
        import sqlite3

        conn = sqlite3.connect(str(self.work_dir / "tracker.db"))
        try:
            rows = conn.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender_id,)).fetchall()
        except sqlite3.OperationalError:  # no conversation stored yet
            rows = []
        finally:
            conn.close()
        return {"events": [json.loads(row[0]) for row in rows]}

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(5)
        self.procs.clear()
