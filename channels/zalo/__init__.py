"""Zalo Official Account (OA) connector for Rasa 3.6.

Use it from credentials.yml as ``channels.zalo.ZaloInput``; see docs/zalo.md.
The Rasa-facing classes are imported lazily so that the token command and the benchmark can use
the rest of the package without loading Rasa.
"""
import os
from typing import Any

if os.environ.get("ZALO_TURN_PROCESS"):  # a turn process (channels/zalo/pool.py), before its set-up:
    # masked (and on request JSON) logs and turn metrics, as in the server's ops channel.
    from anninh.ops.logs import install_logging
    from anninh.ops.rasa_hooks import instrument_turns

    install_logging("zalo-turns")
    instrument_turns()

__all__ = ["ZaloInput", "ZaloOutput"]


def __getattr__(name: str) -> Any:
    if name == "ZaloInput":
        from channels.zalo.channel import ZaloInput

        return ZaloInput
    if name == "ZaloOutput":
        from channels.zalo.output import ZaloOutput

        return ZaloOutput
    raise AttributeError(f"module 'channels.zalo' has no attribute {name!r}")
