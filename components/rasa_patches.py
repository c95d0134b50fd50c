"""Narrow runtime fixes for rasa 3.6.21, applied once in every process that imports ``components``
(Rasa imports this package when it loads our model, so ``rasa run``, ``rasa shell`` and ``rasa test``
all get them).

1. Custom action responses: ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``,
   which re-checks the constant response schema against the JSON Schema 2020-12 metaschema on every
   call before validating the response. On these 2-core machines that check costs about 21 ms of CPU
   per custom action call (validating the response itself: under 1 ms), which was a third of a bot
   turn under load. The replacement validates against a validator built once for the same schema and
   raises the same ``ValidationError`` (``best_match``, same message suffix) as the original.

Each fix checks that the Rasa code it replaces is still there; when Rasa changes, it leaves Rasa
alone and logs why, so a Rasa upgrade can never break the assistant through this module.
"""
from __future__ import annotations

import logging
from typing import Any, Dict, Optional, Text, Tuple

logger = logging.getLogger(__name__)

_applied = False
_cached: Optional[Tuple[Dict[Text, Any], Any]] = None  # (schema, validator built for it)


def _validator(schema: Dict[Text, Any]) -> Any:
    global _cached
    if _cached is None or _cached[0] != schema:
        from jsonschema.validators import validator_for

        cls = validator_for(schema)
        cls.check_schema(schema)  # once, as jsonschema.validate would on every call
        _cached = (schema, cls(schema))
    return _cached[1]


def _validate_action_result(self: Any, result: Dict[Text, Any]) -> bool:
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_validator(self.action_response_format_spec()).iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def apply() -> None:
    """Install the fixes (idempotent)."""
    global _applied
    if _applied:
        return
    _applied = True
    try:
        from rasa.core.actions.action import RemoteAction
    except ImportError:  # pragma: no cover - rasa is always installed with this project
        return
    if callable(getattr(RemoteAction, "_validate_action_result", None)) and callable(
            getattr(RemoteAction, "action_response_format_spec", None)):
        RemoteAction._validate_action_result = _validate_action_result  # type: ignore[assignment]
    else:  # pragma: no cover - only after a Rasa upgrade
        logger.info("rasa_patches: RemoteAction changed in this Rasa version; action responses "
                    "are validated by Rasa's own code")
