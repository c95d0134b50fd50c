import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# sanic (imported by Rasa) runs warnings.filterwarnings("once", DeprecationWarning) on import,
# which puts itself before pytest.ini's filters and lets third-party import noise through. Import
# it once here, inside catch_warnings, so that filter is dropped again when the block ends.
import warnings  # noqa: E402

with warnings.catch_warnings():
    import sanic  # noqa: E402,F401

import pytest  # noqa: E402


@pytest.fixture(scope="session")
def real_agent(tmp_path_factory):
    """The trained agent in this process, calling the real action server on a free port."""
    model = ROOT / "models" / "zalo-an-ninh.tar.gz"
    if not model.is_file():
        pytest.fail("no trained model: run make train", pytrace=False)
    from devtools.conversations import agent_with_actions

    with agent_with_actions(model, tmp_path_factory.mktemp("agent")) as agent:
        yield agent
