"""Narrow runtime fixes for rasa 3.6.21, applied once in every process that imports ``components``
(Rasa imports this package when it loads our model, so ``rasa run``, ``rasa shell`` and ``rasa test``
all get them).

1. Custom action responses: ``RemoteAction._validate_action_result`` calls ``jsonschema.validate``,
   which re-checks the constant response schema against the JSON Schema 2020-12 metaschema on every
   call before validating the response. On these 2-core machines that check costs about 21 ms of CPU
   per custom action call (validating the response itself: under 1 ms), which was a third of a bot
   turn under load. The replacement validates against a validator built once for the same schema and
   raises the same ``ValidationError`` (``best_match``, same message suffix) as the original.

2. ``Event.resolve_by_type`` (called for every event Rasa deserialises: every event of a tracker
   read from a store, every event a custom action returns) walks all subclasses of ``Event`` and
   calls ``inspect.isabstract`` on each, about 0.2 ms per event. The replacement remembers the
   class found for each type name (a name not found yet is still looked up by the same walk).
3. ``DaskGraphRunner.run`` (three times a turn: the NLU parse and two policy predictions) derives
   the minimal graph for its targets on every call and runs it with ``dask.get``, dask's full
   local scheduler (task ordering, callbacks, futures) for a chain of ten nodes. The replacement
   remembers the minimal graph per target list and runs it with ``dask.core.get``, dask's plain
   synchronous executor over the same graph: same nodes, same order constraints, same errors.
4. Rasa's processor and its memoization and rule policies pass ``copy.deepcopy(...)`` of events,
   states and slots as arguments to structlog debug calls, so the copies are made even when debug
   logging is off. In those three modules ``copy.deepcopy`` now copies only while Rasa's logger
   is at DEBUG (``rasa run --debug``); the modules use ``copy`` for nothing else.

5. Every message runs through the whole NLU graph (tokenizer, featurizers, DIET, fallback), even a
   button payload such as ``/ask_procedure{"procedure": "cu_tru.tam_tru"}``, whose result the
   graph's last node, ``RegexMessageHandler``, then throws away: for a payload naming an intent of
   the domain it returns a new message holding only the payload's text, intent, ranking and
   entities. That costs about 17 ms of CPU per button tap. The replacement answers such payloads
   with that same call (``YAMLStoryReader.unpack_regex_message`` with the model's domain) without
   running the graph, and only when the model's NLU target is that ``RegexMessageHandler`` node
   fed by the domain; everything else goes through the graph as before.

6. A typed button title works like the button (``components.typed_buttons``): the text of a
   message that is the title of a button of the bot's last message becomes that button's payload
   before parsing.

7. DIET is loaded for prediction without Rasa's one step of training (``components.inference_load``):
   about 150 MB and 8 s less at every start of a process that answers citizens, same predictions.

Each fix checks that the Rasa code it replaces is still there; when Rasa changes, it leaves Rasa
alone and logs why, so a Rasa upgrade can never break the assistant through this module.
"""
from __future__ import annotations

import copy as _copy
import logging
import types
from typing import Any, Dict, List, Optional, Text, Tuple

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


# ----------------------------------------------------------------- 2. event types
_event_types: Dict[Text, Any] = {}


def _resolve_by_type(original: Any) -> Any:
    def resolve_by_type(type_name: Text, default: Optional[Any] = None) -> Optional[Any]:
        found = _event_types.get(type_name)
        if found is not None:
            return found
        result = original(type_name, default)
        if result is not None and result is not default and getattr(result, "type_name", None) == type_name:
            _event_types[type_name] = result
        return result

    return staticmethod(resolve_by_type)


# ------------------------------------------------------------------ 3. graph runner
def _graph_run(self: Any, inputs: Optional[Dict[Text, Any]] = None,
               targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
    import dask.core
    from rasa.engine.exceptions import GraphRunError

    run_targets = targets if targets else self._graph_schema.target_names
    graphs = self.__dict__.setdefault("_zalo_minimal_graphs", {})
    key = tuple(run_targets)
    graph = graphs.get(key)
    if graph is None:
        graph = graphs[key] = self._build_dask_graph(self._graph_schema.minimal_graph_schema(run_targets))
    run_graph = dict(graph)
    if inputs:
        self._add_inputs_to_graph(inputs, run_graph)
    try:
        return dict(dask.core.get(run_graph, list(run_targets)))  # (node name, output) pairs
    except RuntimeError as e:
        raise GraphRunError("Error running runner.") from e


# ------------------------------------------------------------- 4. debug-only copies
def _debug_only_copy_module() -> types.ModuleType:
    rasa_logger = logging.getLogger("rasa")
    module = types.ModuleType("copy", "copy, with deepcopy only while Rasa logs at DEBUG")
    module.__dict__.update({k: v for k, v in vars(_copy).items() if not k.startswith("__")})

    def deepcopy(value: Any, memo: Any = None) -> Any:
        if rasa_logger.isEnabledFor(logging.DEBUG):
            return _copy.deepcopy(value, memo)
        return value

    module.deepcopy = deepcopy  # type: ignore[attr-defined]
    return module


def _patch_debug_copies() -> List[str]:
    import importlib
    import inspect

    patched = []
    shim = _debug_only_copy_module()
    for name in ("rasa.core.processor", "rasa.core.policies.memoization", "rasa.core.policies.rule_policy"):
        try:
            module = importlib.import_module(name)
            source = inspect.getsource(module)
        except (ImportError, OSError):  # pragma: no cover
            continue
        uses = source.count("copy.")
        logged = source.count("copy.deepcopy(")
        # Only where every use of ``copy`` is a deepcopy handed to a structlog call.
        if getattr(module, "copy", None) is _copy and uses == logged and logged == _in_log_calls(source):
            module.copy = shim  # type: ignore[attr-defined]
            patched.append(name)
    return patched


def _in_log_calls(source: str) -> int:
    """How many ``copy.deepcopy(`` in ``source`` are keyword arguments of a structlogger call."""
    import re

    count = 0
    for call in re.finditer(r"structlogger\.(?:debug|info|warning|error)\(", source):
        depth, i = 1, call.end()
        while depth and i < len(source):
            depth += {"(": 1, ")": -1}.get(source[i], 0)
            i += 1
        count += source[call.end():i].count("copy.deepcopy(")
    return count


# -------------------------------------------------------- 5. payloads skip the graph
def _payload_shortcut_applies(processor: Any) -> bool:
    """True when the model's NLU output is RegexMessageHandler's, fed with the model's domain."""
    cached = processor.__dict__.get("_zalo_payload_shortcut")
    if cached is not None:
        return cached
    applies = False
    try:
        from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler

        target = processor.model_metadata.nlu_target
        node = processor.model_metadata.predict_schema.nodes[target]
        applies = (node.uses is RegexMessageHandler and node.fn == "process"
                   and node.needs.get("domain") == "domain_provider")
    except (AttributeError, KeyError, ImportError):
        applies = False
    processor.__dict__["_zalo_payload_shortcut"] = applies
    return applies


def _parse_payload(original: Any) -> Any:
    def _parse_message_with_graph(self: Any, message: Any, tracker: Any,
                                  only_output_properties: bool = True) -> Dict[Text, Any]:
        text = getattr(message, "text", None)
        if isinstance(text, str) and text.strip().startswith("/") and _payload_shortcut_applies(self):
            from rasa.nlu.classifiers.regex_message_handler import RegexMessageHandler
            from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader
            from rasa.shared.nlu.constants import (ENTITIES, INTENT, INTENT_NAME_KEY,
                                                   PREDICTED_CONFIDENCE_KEY, TEXT)
            from rasa.shared.nlu.training_data.message import Message

            unpacked = YAMLStoryReader.unpack_regex_message(
                Message(data={TEXT: text}), self.domain, entity_extractor_name=RegexMessageHandler.__name__)
            if unpacked.get(INTENT):  # a payload of a known intent: the graph's answer is this
                parse_data = {TEXT: "", INTENT: {INTENT_NAME_KEY: None, PREDICTED_CONFIDENCE_KEY: 0.0},
                              ENTITIES: []}
                parse_data.update(unpacked.as_dict(only_output_properties=only_output_properties))
                return parse_data
        return original(self, message, tracker, only_output_properties)

    _parse_message_with_graph.__wrapped__ = original  # type: ignore[attr-defined]
    return _parse_message_with_graph


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

    from rasa.shared.core.events import Event

    if isinstance(Event.__dict__.get("resolve_by_type"), staticmethod):
        Event.resolve_by_type = _resolve_by_type(Event.resolve_by_type)
    else:  # pragma: no cover
        logger.info("rasa_patches: Event.resolve_by_type changed in this Rasa version; left alone")

    from rasa.engine.runner.dask import DaskGraphRunner

    if all(callable(getattr(DaskGraphRunner, n, None)) for n in ("_build_dask_graph", "_add_inputs_to_graph")):
        DaskGraphRunner.run = _graph_run  # type: ignore[assignment]
    else:  # pragma: no cover
        logger.info("rasa_patches: DaskGraphRunner changed in this Rasa version; left alone")

    from rasa.core.processor import MessageProcessor

    if callable(getattr(MessageProcessor, "_parse_message_with_graph", None)):
        MessageProcessor._parse_message_with_graph = _parse_payload(MessageProcessor._parse_message_with_graph)
    else:  # pragma: no cover
        logger.info("rasa_patches: MessageProcessor changed in this Rasa version; payloads use the graph")

    from components import typed_buttons

    typed_buttons.apply()

    from components import inference_load

    if not inference_load.apply():  # pragma: no cover
        logger.info("rasa_patches: RasaModel.load changed in this Rasa version; DIET loads with Rasa's code")

    patched = _patch_debug_copies()
    if len(patched) < 3:  # pragma: no cover
        logger.info("rasa_patches: debug-only copies in %s only; Rasa changed elsewhere", patched)
