"""Test setup for the Zalo connector: import paths, the ``integration`` marker, and a runner for
``async def`` tests (pytest-asyncio is not a dependency of this project)."""
from __future__ import annotations

import asyncio
import inspect
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
for path in (ROOT, ROOT / "tests" / "fakes", Path(__file__).resolve().parent):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "integration: starts the real Rasa server and action server (slow)")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):  # type: ignore[no-untyped-def]
    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        kwargs = {name: pyfuncitem.funcargs[name] for name in names}
        asyncio.run(asyncio.wait_for(pyfuncitem.obj(**kwargs), timeout=60))
        return True
    return None


@pytest.fixture
def pg_url():
    """A PostgreSQL URL whose tables land in a schema of their own (dropped afterwards); skipped
    without PostgreSQL, except with CI=true."""
    import uuid

    from devtools.testing import service_missing
    from stack import pg_execute, pg_schema_url

    schema = f"zt_{uuid.uuid4().hex[:12]}"
    try:
        pg_execute(f'CREATE SCHEMA "{schema}"')
    except Exception as exc:  # noqa: BLE001
        service_missing(f"needs PostgreSQL: {type(exc).__name__}: {str(exc).strip()[:200]}")
    yield pg_schema_url(schema)
    pg_execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
