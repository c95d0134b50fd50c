"""Turn metrics for every Rasa process (server, workers, Zalo turn processes): every channel hands
a citizen's message to ``Agent.handle_message``, so timing it there counts each bot turn once."""
from __future__ import annotations

from typing import Any

from anninh.ops.metrics import timed


def instrument_turns() -> None:
    """Count and time ``Agent.handle_message`` (idempotent)."""
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
