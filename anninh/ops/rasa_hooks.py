"""Turn metrics for every Rasa process (server, workers, Zalo turn processes): every channel hands
a citizen's message to ``Agent.handle_message``, so timing it there counts each bot turn once."""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from typing import Any, Callable, Optional, Sequence

from anninh.ops.metrics import timed

AGENT_MODULE = "rasa.core.agent"


def _patch_agent() -> None:
    from rasa.core.agent import Agent

    original = Agent.handle_message
    if getattr(original, "anninh_timed", False):
        return

    async def handle_message(self: Any, message: Any) -> Any:
        with timed(getattr(message, "input_channel", None) or "unknown"):
            return await original(self, message)

    handle_message.anninh_timed = True  # type: ignore[attr-defined]
    handle_message.__doc__ = original.__doc__
    Agent.handle_message = handle_message  # type: ignore[method-assign]


class _AfterImport(importlib.abc.MetaPathFinder):
    """Runs ``callback`` right after the module ``name`` is first imported (once)."""

    def __init__(self, name: str, callback: Callable[[], None]) -> None:
        self.name, self.callback = name, callback

    def find_spec(self, fullname: str, path: Optional[Sequence[str]], target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module
        callback = self.callback

        def exec_then_patch(module: Any) -> None:
            exec_module(module)
            callback()

        spec.loader.exec_module = exec_then_patch  # type: ignore[method-assign]
        return spec


def instrument_turns() -> None:
    """Count and time ``Agent.handle_message`` (idempotent). When Rasa is not imported yet (a turn
    process at start), it is done when Rasa's agent module is, so this costs no import."""
    if AGENT_MODULE in sys.modules:
        _patch_agent()
    elif not any(isinstance(f, _AfterImport) for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(AGENT_MODULE, _patch_agent))
