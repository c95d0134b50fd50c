"""The settings classes document every environment variable the code reads, and the README's
configuration table is the one they generate."""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterator, Set, Tuple

import pytest
from pydantic import ValidationError

from anninh import settings as settings_module
from anninh.settings import ActionServerSettings, AssistantSettings, load, variables

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("anninh", "actions", "channels", "components", "scripts", "devtools")
NAME = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$")
ENVIRON = {"os.environ", "environ", "env", "os"}
ENV_METHODS = {"get", "getenv", "setdefault", "pop", "__getitem__"}
# Upper-case names the scanner sees that are not environment variables.
NOT_VARIABLES = {"PATH_INFO": "key of a WSGI request", "SCHED_IDLE": "os constant"}


def _constants(tree: ast.Module) -> Dict[str, str]:
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _name_of(node: ast.AST, constants: Dict[str, str]) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return constants.get(node.id, "")
    return ""


def python_reads(path: Path) -> Iterator[Tuple[str, int]]:
    """Variables read through os.environ / os.getenv / an ``environ``/``env`` mapping, a helper
    whose name says env (``_env_seconds("X", …)``), or an ``ENV_*`` table of variable names."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    constants = _constants(tree)
    reads_environment = "environ" in source or "getenv" in source
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and reads_environment:
            # a helper given the variable's name: pick("db_path", "ZALO_DB_PATH", default)
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str) and NAME.match(arg.value):
                    yield arg.value, node.lineno
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            receiver = ast.unparse(func.value) if isinstance(func, ast.Attribute) else ""
            method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if (receiver in ENVIRON and method in ENV_METHODS) or "env" in method.lower():
                yield _name_of(node.args[0], constants), node.lineno
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value) in ENVIRON:
            yield _name_of(node.slice, constants), node.lineno
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict) and any(
                isinstance(t, ast.Name) and "ENV" in t.id for t in node.targets):
            for value in node.value.values:
                yield _name_of(value, constants), node.lineno


def code_reads() -> Dict[str, Set[str]]:
    """{variable: {"file:line", ...}} for everything the project's code reads."""
    reads: Dict[str, Set[str]] = {}

    def add(name: str, where: str) -> None:
        if NAME.match(name or "") and name not in NOT_VARIABLES:
            reads.setdefault(name, set()).add(where)

    for folder in CODE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            for name, line in python_reads(path):
                add(name, f"{path.relative_to(ROOT)}:{line}")
    for path in sorted((ROOT / "scripts").glob("*.sh")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*):?-", line):  # ${VAR:-default}: from the environment
                add(name, f"{path.relative_to(ROOT)}:{number}")
    for path in sorted(ROOT.glob("*.yml")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for name in re.findall(r"\$\{([A-Z][A-Z0-9_]*)\}", line.split("#", 1)[0]):
                add(name, f"{path.relative_to(ROOT)}:{number}")
    return reads


def test_the_scanner_finds_the_ways_the_code_reads_variables(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('import os\nENV_DB = "ONE_VAR"\nENV_MAP = {"a": "FOUR_VAR"}\n'
                      'a = os.environ.get(ENV_DB)\nb = os.getenv("TWO_VAR")\nc = os.environ["THREE_VAR"]\n'
                      'd = _env_seconds("FIVE_VAR", 3)\ne = env.get("SIX_VAR")\nf = pick("k", "SEVEN_VAR")\n',
                      encoding="utf-8")
    assert {name for name, _ in python_reads(sample)} == {
        "ONE_VAR", "TWO_VAR", "THREE_VAR", "FOUR_VAR", "FIVE_VAR", "SIX_VAR", "SEVEN_VAR"}
    reads = code_reads()
    for known in ("REPORTS_DB_URL", "ZALO_OA_ID", "ZALO_DB_PATH", "NEWS_CACHE_SECONDS", "RASA_PORT",
                  "TRACKER_DB_HOST", "ACTIONS_SHARED_SECRET", "ZALO_TURN_PROCESS", "PROVINCIAL_HOTLINE"):
        assert known in reads, known


def test_every_variable_the_code_reads_is_documented_by_the_settings():
    documented = set(variables())
    missing = {name: sorted(where) for name, where in code_reads().items() if name not in documented}
    assert not missing, ("variables read by the code but documented by no settings class in "
                         f"anninh/settings.py: {missing}")


def test_the_readme_table_is_generated_from_the_settings():
    result = subprocess.run([sys.executable, "scripts/settings_table.py", "--check"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_table_check_fails_when_the_readme_is_stale(monkeypatch, tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("settings_table", ROOT / "scripts" / "settings_table.py")
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)  # type: ignore[union-attr]
    readme = tmp_path / "README.md"
    readme.write_text((ROOT / "README.md").read_text(encoding="utf-8").replace("`ACTIONS_HOST`", "`ACTION_HOST`"),
                      encoding="utf-8")
    monkeypatch.setattr(table, "README", readme)
    assert table.main(["--check"]) == 1
    assert table.main(["--write"]) == 0 and table.main(["--check"]) == 0


def test_settings_are_typed_and_secrets_never_printed():
    s = load(ActionServerSettings, {"ACTIONS_PORT": "6000", "ACTIONS_SHARED_SECRET": "s3cret-s3cret-s3cret",
                                    "LOG_FORMAT": "JSON"})
    assert (s.actions_port, s.log_format, s.actions_host, s.loopback_only) == (6000, "json", "127.0.0.1", True)
    assert "s3cret" not in repr(s) and "s3cret" not in str(s)
    with pytest.raises(ValidationError):
        load(ActionServerSettings, {"ACTIONS_PORT": "many"})
    with pytest.raises(ValidationError):
        load(ActionServerSettings, {"LOG_FORMAT": "xml"})
    with pytest.raises(ValidationError):
        load(ActionServerSettings, {"ACTIONS_SHARED_SECRET": "short"})
    assert load(AssistantSettings, {"REST_CHANNEL_ENABLED": "true"}).rest_channel_enabled is True
    assert settings_module.AssistantSettings().zalo_db_path  # defaults need no environment
