"""When the acknowledging server may run without the model (channels/zalo/serve.py)."""
from argparse import Namespace

from channels.zalo.serve import why_model_needed

ZALO = {"channels.ops.OpsInput": None, "channels.zalo.ZaloInput": {"turn_processes": 2}}


def args(**kw):
    return Namespace(enable_api=False, remote_storage=None, connector=None, **kw)


def test_zalo_with_turn_processes_and_ops_needs_no_model_in_the_server():
    assert why_model_needed(args(), ZALO) is None
    assert why_model_needed(args(), {"channels.zalo.ZaloInput": None}) is None  # default: 2 processes


def test_a_channel_that_runs_turns_in_the_server_keeps_the_model_there():
    assert "rest" in why_model_needed(args(), {**ZALO, "rest": None})
    assert "turn_processes: 0" in why_model_needed(args(), {"channels.zalo.ZaloInput": {"turn_processes": 0}})
    assert "--enable-api" in why_model_needed(Namespace(enable_api=True, remote_storage=None, connector=None), ZALO)
    assert why_model_needed(args(), None) is not None
    assert why_model_needed(args(), {"channels.ops.OpsInput": None}) is not None
