"""When the acknowledging server may run without the model (channels/zalo/serve.py)."""
import os
import subprocess
import sys
import textwrap
from argparse import Namespace
from pathlib import Path

from channels.zalo.serve import find_model, parse_args, why_model_needed

ROOT = Path(__file__).resolve().parents[2]

ZALO = {"channels.ops.OpsInput": None, "channels.zalo.ZaloInput": {"turn_processes": 2}}


def args(**kw):
    return Namespace(enable_api=False, remote_storage=None, connector=None, **kw)


def test_zalo_with_turn_processes_and_ops_needs_no_model_in_the_server():
    assert why_model_needed(args(), ZALO) is None
    assert why_model_needed(args(), {"channels.zalo.ZaloInput": None}) is None  # default: 1 process


def test_a_channel_that_runs_turns_in_the_server_keeps_the_model_there():
    assert "rest" in why_model_needed(args(), {**ZALO, "rest": None})
    assert "turn_processes: 0" in why_model_needed(args(), {"channels.zalo.ZaloInput": {"turn_processes": 0}})
    assert "--enable-api" in why_model_needed(Namespace(enable_api=True, remote_storage=None, connector=None), ZALO)
    assert why_model_needed(args(), None) is not None
    assert why_model_needed(args(), {"channels.ops.OpsInput": None}) is not None


def test_endpoints_with_a_model_server_keep_the_model_in_the_server():
    assert "model server" in why_model_needed(args(), ZALO, {"models": {"url": "http://x"}})


def test_an_option_the_acknowledging_server_does_not_know_means_rasa_run():
    parsed, unknown = parse_args(["--port", "5006", "--cors", "*", "--model", "models"])
    assert parsed.port == 5006 and "--cors" in why_model_needed(parsed, ZALO, {}, unknown)


def test_the_newest_model_of_a_folder_is_found(tmp_path):
    assert find_model(str(tmp_path)) is None
    old, new = tmp_path / "a.tar.gz", tmp_path / "b.tar.gz"
    old.write_text("a")
    new.write_text("b")
    os.utime(old, (1, 1))
    assert find_model(str(tmp_path)) == new.resolve() and find_model(str(old)) == old.resolve()


def test_the_acknowledging_server_imports_neither_rasa_nor_tensorflow(tmp_path):
    """Its app built with the project's credentials (zalo + ops channels): no Rasa, no TensorFlow
    (about 160 MB), checked in a fresh interpreter's sys.modules."""
    code = textwrap.dedent(f"""
        import sys
        from channels.zalo.serve import ack_app, read_yaml
        credentials = read_yaml("credentials.zalo.yml")
        credentials["channels.zalo.ZaloInput"] = {{**credentials["channels.zalo.ZaloInput"],
                                                  "db_path": {str(tmp_path / "zalo.db")!r}}}
        app = ack_app(credentials, {{"model": "m.tar.gz", "endpoints": None}})
        routes = sorted(r.path for r in app.router.routes)
        heavy = sorted({{m.split(".")[0] for m in sys.modules if m.split(".")[0] in ("rasa", "tensorflow")}})
        print(heavy, routes)
    """)
    env = {**os.environ, "ZALO_OA_ID": "1", "ZALO_APP_ID": "2", "ZALO_OA_SECRET_KEY": "s",
           "ZALO_APP_SECRET_KEY": "t"}
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    heavy, routes = run.stdout.strip().split(" ", 1)
    assert heavy == "[]", run.stdout
    for path in ("webhooks/zalo/webhook", "metrics", "health/live", "health/ready"):
        assert path in routes, routes
