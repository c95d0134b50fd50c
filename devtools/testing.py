"""Test helpers shared by the test packages."""
from __future__ import annotations

import os

import pytest


def service_missing(message: str) -> None:
    """A test needs a local server (PostgreSQL, Redis) that is not there: skip it, except with
    CI=true, where such tests must run, so it fails."""
    if os.environ.get("CI", "").strip().lower() == "true":
        pytest.fail(message + " — CI=true, so this test must run, not be skipped", pytrace=False)
    pytest.skip(message)
