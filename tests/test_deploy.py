"""The container images and docker-compose.yml, checked by what runs on a machine without Docker.

- the compose file: the services a province needs, two assistant replicas, the explicit migration
  step every database user waits for, no secret written in the file, health checks;
- the Dockerfile: every target it names exists, runs as a non-root user, installs a dependency
  group that pyproject.toml defines, and copies only files that exist;
- pyproject.toml and requirements.lock agree (versions are chosen in one place);
- each service's command, run as a process from a folder holding exactly what its image copies,
  with the environment compose gives it (hosts pointed at this machine's PostgreSQL and Redis):
  the migration step exits 0, the action server, the console and the assistant answer their
  health endpoints.
"""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List

import pytest
import yaml

from devtools.servers import BIN, ROOT, Server, free_port
from devtools.testing import service_missing

try:  # Python 3.11+
    import tomllib  # type: ignore[import-not-found]
except ModuleNotFoundError:  # 3.10: the toml reader pip vendors
    from pip._vendor import tomli as tomllib  # type: ignore[no-redef]

COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
APP_SERVICES = ("migrate", "actions", "assistant", "console")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def stages() -> Dict[str, List[str]]:
    """Dockerfile stage name -> its instruction lines (continuations joined)."""
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    result: Dict[str, List[str]] = {}
    current = None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE)
        if m:
            current = m.group(1)
            result[current] = [line]
        elif current:
            result[current].append(line)
    return result


def _pyproject() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)


def test_compose_has_the_services_of_a_deployment(compose):
    services = compose["services"]
    assert set(services) >= {"postgres", "redis", "migrate", "actions", "assistant", "console", "proxy"}
    assert services["assistant"]["deploy"]["replicas"] == 2
    for name in ("actions", "assistant", "console"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    for name in ("postgres", "redis", "actions", "assistant"):
        assert "healthcheck" in services[name], name


def test_compose_writes_no_secret(compose):
    secret_words = re.compile(r"PASSWORD|SECRET|TOKEN|_KEY$", re.IGNORECASE)
    for name, service in compose["services"].items():
        for key, value in (service.get("environment") or {}).items():
            value = str(value)
            if secret_words.search(key) and value:
                assert "${" in value, f"{name}.{key} holds a literal secret"
            if "://" in value and "@" in value:  # a URL with credentials
                assert "${" in value.split("@")[0], f"{name}.{key} holds a literal password"


def test_every_built_service_names_an_existing_non_root_target(compose, stages):
    built = {name: s for name, s in compose["services"].items() if "build" in s}
    assert set(built) == set(APP_SERVICES)
    for name, service in built.items():
        target = service["build"]["target"]
        assert target in stages, f"{name}: no stage {target} in deploy/Dockerfile"
        users = [line.split()[1] for line in stages[target] if line.upper().startswith("USER ")]
        assert users and users[-1] not in ("root", "0"), f"{name}: image {target} runs as root"
        user_at = max(i for i, line in enumerate(stages[target]) if line.upper().startswith("USER "))
        cmd_at = max(i for i, line in enumerate(stages[target]) if line.upper().startswith("CMD "))
        assert user_at < cmd_at
    assert "unprivileged" in compose["services"]["proxy"]["image"]


def test_dockerfile_installs_groups_that_exist_and_copies_files_that_exist(stages):
    groups = _pyproject()["dependency-groups"]
    for stage, lines in stages.items():
        for line in lines:
            for group in re.findall(r"--group\s+(\S+)", line):
                assert group in groups, f"stage {stage}: no dependency group {group}"
            if line.upper().startswith("COPY ") and "--from=" not in line:
                sources = line.split()[1:-1]
                for src in sources:
                    assert (ROOT / src).exists(), f"stage {stage}: COPY {src} does not exist"


def test_versions_are_chosen_in_one_place():
    """Every pin in pyproject.toml is the version requirements.lock installs."""
    lock = {}
    for line in (ROOT / "requirements.lock").read_text().splitlines():
        if "==" in line:
            name, version = line.split("==", 1)
            lock[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    for group, items in _pyproject()["dependency-groups"].items():
        for item in items:
            if isinstance(item, dict):
                continue
            name, version = item.split("==", 1)
            key = re.sub(r"[-_.]+", "-", name).lower()
            assert lock.get(key) == version, f"{group}: {name}=={version} but the lock has {lock.get(key)}"


def test_nginx_routes_to_the_compose_services(compose):
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    for host in re.findall(r"server\s+([a-z_-]+):\d+", conf):
        assert host in compose["services"], host


# --- each service's command as a process --------------------------------------------------------

def _staging(stages: Dict[str, List[str]], target: str, tmp: Path) -> Path:
    """A folder holding what the image of ``target`` copies, as links into this checkout."""
    folder = tmp / target
    if folder.exists():  # two services of one image (migrate and actions)
        return folder
    folder.mkdir()
    chain = [target]
    while True:  # follow FROM <stage> AS <target> to collect the parents' COPY lines too
        first = stages[chain[-1]][0].split()
        if first[1] in stages:
            chain.append(first[1])
        else:
            break
    for stage in reversed(chain):
        for line in stages[stage]:
            if not line.upper().startswith("COPY "):
                continue
            parts = line.split()
            if parts[1].startswith("--from="):
                src, dest = parts[2], parts[3]
                if src.startswith("/app/"):
                    src = src[len("/app/"):]
                pairs = [(src, dest)]
            else:
                *sources, dest = parts[1:]
                pairs = [(s, dest if not dest.endswith("/") and dest != "./" else s) for s in sources]
            for src, dest in pairs:
                dest = src if dest in ("./", ".") else dest
                link = folder / dest
                link.parent.mkdir(parents=True, exist_ok=True)
                if not link.exists():
                    link.symlink_to(ROOT / src)
    (folder / "var").mkdir(exist_ok=True)
    return folder


def _pg_database() -> str:
    try:
        import psycopg2
        conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test",
                                connect_timeout=3)
    except Exception as exc:  # noqa: BLE001 - the server is missing
        service_missing(f"PostgreSQL on 127.0.0.1:5432: {exc}")
    name = f"deploy_{secrets.token_hex(4)}"
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return name


def _drop_database(name: str) -> None:
    import psycopg2
    conn = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="test")
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def _service_env(service: dict, database: str) -> Dict[str, str]:
    """The compose environment with this machine's servers in place of the compose hosts."""
    secrets_env = {"POSTGRES_PASSWORD": "", "ACTIONS_SHARED_SECRET": "deploy-test-secret",
                   "CONSOLE_SECRET_KEY": "deploy-test-key"}
    env: Dict[str, str] = {}
    for key, value in (service.get("environment") or {}).items():
        value = str(value)
        value = re.sub(r"\$\{(\w+)(?::?[-?][^}]*)?\}", lambda m: secrets_env.get(m.group(1), ""), value)
        value = value.replace("anninh:@postgres:5432/zalo_an_ninh", f"postgres@127.0.0.1:5432/{database}")
        env[key] = value
    env.update({"TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_USER": "postgres",
                "TRACKER_DB_NAME": database, "TRACKER_DB_LOGIN_DB": "test",
                "LOCK_STORE_REDIS_HOST": "127.0.0.1", "LOCK_STORE_KEY_PREFIX": f"deploy{secrets.token_hex(3)}"}
               if "TRACKER_DB_HOST" in env else {})
    if "TRACKER_DB_LOGIN_DB" in env:  # the compose database exists there; here, log in to `test`
        env["TRACKER_DB_LOGIN_DB"] = "test"
    if "ACTION_ENDPOINT_URL" in env:
        env["ACTION_ENDPOINT_URL"] = env["ACTION_ENDPOINT_URL"].replace("actions:", "127.0.0.1:")
    if "REPORTS_ATTACHMENTS_DIR" in env:
        env["REPORTS_ATTACHMENTS_DIR"] = ""  # set per test
    return env


def _command(service: dict, port_flag_value: int) -> List[str]:
    cmd = [str(c) for c in service["command"]]
    if "--port" in cmd:
        cmd[cmd.index("--port") + 1] = str(port_flag_value)
    exe = cmd[0]
    if exe == "python":
        cmd[0] = sys.executable
    elif (BIN / exe).exists():
        cmd[0] = str(BIN / exe)
    return cmd


def test_each_service_command_runs_as_a_process(compose, stages, tmp_path):
    if not (ROOT / "models" / "zalo-an-ninh.tar.gz").exists():
        pytest.skip("no trained model (make train)")
    database = _pg_database()
    attachments = tmp_path / "attachments"
    attachments.mkdir()
    services = compose["services"]
    started: List[Server] = []
    fakes: list = []
    try:
        # 1. the migration step, and it can run twice (several nodes start at once)
        migrate = services["migrate"]
        env = _service_env(migrate, database)
        folder = _staging(stages, migrate["build"]["target"], tmp_path)
        for _ in range(2):
            run = subprocess.run(_command(migrate, 0), cwd=folder, capture_output=True, text=True,
                                 timeout=180, env={**os.environ, **env, "PYTHONPATH": str(folder)})
            assert run.returncode == 0, run.stdout + run.stderr

        # 2. the action server, with its shared secret, on a free port
        actions = services["actions"]
        actions_port = free_port()
        env = _service_env(actions, database)
        env.update({"REPORTS_ATTACHMENTS_DIR": str(attachments), "ACTIONS_HOST": "127.0.0.1",
                    "PYTHONPATH": str(_staging(stages, actions["build"]["target"], tmp_path))})
        started.append(Server("actions", _command(actions, actions_port),
                              f"http://127.0.0.1:{actions_port}/health/ready", tmp_path / "actions.log",
                              env, cwd=Path(env["PYTHONPATH"])))

        # 3. the console
        console = services["console"]
        console_port = free_port()
        env = _service_env(console, database)
        folder = _staging(stages, console["build"]["target"], tmp_path)
        env.update({"CONSOLE_HOST": "127.0.0.1", "CONSOLE_PORT": str(console_port),
                    "CONSOLE_SECURE_COOKIES": "0", "REPORTS_ATTACHMENTS_DIR": str(attachments),
                    "PYTHONPATH": str(folder)})
        started.append(Server("console", _command(console, 0),
                              f"http://127.0.0.1:{console_port}/login", tmp_path / "console.log",
                              env, cwd=folder))

        # 4. one assistant replica, talking to that action server; its OA is the fake Zalo API's
        sys.path.insert(0, str(ROOT / "tests" / "fakes"))
        from fake_zalo import FakeZalo

        fake = FakeZalo().start_in_thread()
        fakes.append(fake)
        oa_id, app_id, app_secret = "4300000000000999", "1200000000000999", "app-secret-deploy"
        refresh = fake.issue_tokens(oa_id, app_id, app_secret)["refresh_token"]
        assistant = services["assistant"]
        rasa_port = free_port()
        env = _service_env(assistant, database)
        env.update({"ZALO_OA_ID": oa_id, "ZALO_APP_ID": app_id, "ZALO_OA_SECRET_KEY": "oa-secret-deploy",
                    "ZALO_APP_SECRET_KEY": app_secret, "ZALO_REFRESH_TOKEN": refresh,
                    "ZALO_API_BASE_URL": fake.url, "ZALO_OAUTH_BASE_URL": fake.url})
        folder = _staging(stages, assistant["build"]["target"], tmp_path)
        assert (folder / "models").resolve() == (ROOT / "models").resolve()  # the model stage's output
        env["ACTION_ENDPOINT_URL"] = f"http://127.0.0.1:{actions_port}/webhook"
        env["PYTHONPATH"] = str(folder)
        started.append(Server("assistant", _command(assistant, rasa_port),
                              f"http://127.0.0.1:{rasa_port}/health/ready", tmp_path / "assistant.log",
                              env, cwd=folder))
        for server in started:
            server.wait_ready(timeout=300)
        # The action server refuses a call without the shared secret.
        request = urllib.request.Request(f"http://127.0.0.1:{actions_port}/webhook", data=b"{}",
                                         headers={"Content-Type": "application/json"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code in (401, 403)
    finally:
        for server in started:
            server.stop()
        for fake in fakes:
            fake.stop_thread()
        _drop_database(database)
