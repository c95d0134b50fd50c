"""Rule-based entities the dialogue needs, matched accent-insensitively on the raw message.

- ``place``: a commune or ward of the province (``content/places.yml``); "huyện X" gives the
  former district ``huyen_x`` (districts were abolished on 1/7/2025, people still name them).
- ``vehicle_type``: ``xe_may`` / ``o_to`` (``content/lexicon/entities.yml``).
- ``age``: a child's age in years ("con 5 tuổi" -> "5", "bé 8 tháng tuổi" -> "0").

Lists are data, so editors extend them without retraining; offsets point into the raw text.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from anninh import CONTENT_DIR
from anninh.entities import find_age
from anninh.fingerprint import fingerprint, module_files
from anninh.places import load_places
from anninh.content import load_yaml, require_mapping
from anninh.text import fold, fold_with_map

_BOUNDARY_L = r"(?<![a-z0-9])"
_BOUNDARY_R = r"(?![a-z0-9])"


def _phrase_pattern(phrases: List[Tuple[str, str]]
                    ) -> Optional[Tuple[re.Pattern, Dict[str, str]]]:
    """One regex over folded text; longer phrases first so they win."""
    groups: Dict[str, str] = {}
    alternatives = []
    for i, (value, phrase) in enumerate(sorted(phrases, key=lambda p: -len(p[1]))):
        words = fold(phrase).split()
        if not words:
            continue
        name = f"p{i}"
        groups[name] = value
        alternatives.append(f"(?P<{name}>" + r"\s+".join(map(re.escape, words)) + ")")
    if not alternatives:
        return None
    pattern = re.compile(_BOUNDARY_L + "(?:" + "|".join(alternatives) + ")" + _BOUNDARY_R)
    return pattern, groups


def entity_files(content_dir: Path) -> List[Path]:
    """The editor files the phrases come from: places, then the vehicle words."""
    return [content_dir / "places.yml", content_dir / "lexicon" / "entities.yml"]


def load_entity_phrases(content_dir: Path) -> Dict[str, List[Tuple[str, str]]]:
    phrases: Dict[str, List[Tuple[str, str]]] = {"place": [], "vehicle_type": []}
    places_path, path = entity_files(content_dir)
    places = load_places(places_path)
    for commune in places.communes:
        phrases["place"].append((commune.id, commune.name))
        phrases["place"].append((commune.id, f"{commune.kind} {commune.name}"))
    for district in places.former_districts:
        phrases["place"].append((district.id, f"huyện {district.name}"))
    data = require_mapping(load_yaml(path), path)
    for value, words in require_mapping(data.get("vehicle_type"), path, field="vehicle_type").items():
        phrases["vehicle_type"].extend((str(value), str(w)) for w in (words or []))
    return phrases


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False
)
class LexiconEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Extracts place, vehicle_type and age with word lists and patterns, without training."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"content_dir": str(CONTENT_DIR)}

    @classmethod
    def fingerprint_addon(cls, config: Dict[Text, Any]) -> Optional[Text]:
        """Places, vehicle words and the helper code, so a cached node never outlives them."""
        content_dir = Path(config.get("content_dir") or CONTENT_DIR)
        return fingerprint(entity_files(content_dir) + module_files(__name__))

    def __init__(self, config: Dict[Text, Any]) -> None:
        self._config = config
        phrases = load_entity_phrases(Path(config.get("content_dir") or CONTENT_DIR))
        self._patterns = {entity: _phrase_pattern(p) for entity, p in phrases.items()}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "LexiconEntityExtractor":
        return cls(config)

    def extract(self, text: str) -> List[Dict[Text, Any]]:
        folded, index = fold_with_map(text)
        found: List[Dict[Text, Any]] = []

        def add(entity: str, value: str, start: int, end: int) -> None:
            raw_start, raw_end = index[start], index[end - 1] + 1
            found.append({"entity": entity, "value": value, "start": raw_start, "end": raw_end,
                          "confidence": 1.0, "extractor": self.__class__.__name__,
                          "text": text[raw_start:raw_end]})

        for entity, compiled in self._patterns.items():
            if compiled is None:
                continue
            pattern, values = compiled
            for m in pattern.finditer(folded):
                add(entity, values[m.lastgroup], m.start(), m.end())
        age = find_age(folded)
        if age is not None:
            add("age", str(age[0]), age[1], age[2])
        return found

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            entities = self.add_extractor_name(self.extract(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages

    def process_training_data(self, training_data):  # nothing to learn
        return training_data
