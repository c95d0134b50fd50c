"""Asking back when the NLU is unsure: the top candidate intents as buttons, then the hotline."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from anninh.answer_texts import load_texts
from anninh.content import ContentError, load_yaml, require_mapping
from anninh.lexicon import LEXICON_DIR
from anninh.render import Reply

LABELS_FILE = LEXICON_DIR / "intent_labels.yml"
MAX_CANDIDATES = 3


@lru_cache(maxsize=2)
def load_intent_labels(path: "str | Path" = LABELS_FILE) -> Dict[str, Tuple[str, str]]:
    """intent -> (button label, payload)."""
    path = Path(path)
    data = require_mapping(load_yaml(path), path)
    out = {}
    for intent, spec in require_mapping(data.get("intent_labels"), path, field="intent_labels").items():
        spec = require_mapping(spec, path, entry=str(intent))
        label = spec.get("label")
        if not isinstance(label, str) or not label.strip():
            raise ContentError(path, "thiếu chữ trên nút", entry=str(intent), field="label")
        out[str(intent)] = (label.strip(), str(spec.get("payload") or f"/{intent}"))
    return out


def first_miss(ranking: Sequence[Dict], labels: Dict[str, Tuple[str, str]]) -> Reply:
    buttons: List[Dict[str, str]] = []
    for item in ranking:
        name = item.get("name")
        if name in labels and len(buttons) < MAX_CANDIDATES:
            label, payload = labels[name]
            if all(b["payload"] != payload for b in buttons):
                buttons.append({"title": label, "payload": payload})
    if not buttons:
        buttons = [{"title": labels["greet"][0], "payload": labels["greet"][1]}]
    return Reply(load_texts()("first_miss"), buttons)


def second_miss(labels: Dict[str, Tuple[str, str]]) -> Reply:
    buttons = [{"title": labels[i][0], "payload": labels[i][1]}
               for i in ("ask_hotline", "human_handoff", "browse_procedures") if i in labels]
    return Reply(load_texts()("second_miss"), buttons)
