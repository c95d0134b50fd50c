"""The editable word lists behind the Vietnamese NLU: abbreviations and known compound words.

``content/lexicon/abbreviations.yml`` maps teencode to full words; ``content/lexicon/compounds.txt``
lists multi-syllable words (one per line, with or without diacritics) so that a message typed
without diacritics ("dang ky tam tru") is segmented like the same message with them
("đăng ký tạm trú"). ``scripts/build_compounds.py`` adds the compounds found in the training data.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import FrozenSet, Tuple

from anninh import CONTENT_DIR
from anninh.content import ContentError, load_yaml, require_mapping
from anninh.text import Abbreviations, syllables

LEXICON_DIR = CONTENT_DIR / "lexicon"
# The files of a lexicon folder that the tokenizer reads (its model fingerprint covers them).
ABBREVIATIONS_FILE = "abbreviations.yml"
COMPOUNDS_FILE = "compounds.txt"
LEXICON_FILES = (ABBREVIATIONS_FILE, COMPOUNDS_FILE)


@dataclass(frozen=True)
class Lexicon:
    abbreviations: Abbreviations
    compounds: FrozenSet[Tuple[str, ...]]
    max_compound_len: int


def load_abbreviations(path: Path) -> Abbreviations:
    data = require_mapping(load_yaml(path), path)
    mapping = require_mapping(data.get("abbreviations"), path, field="abbreviations")
    for short, long in mapping.items():
        if not isinstance(long, str) or not long.strip():
            raise ContentError(path, "cần ghi cách viết đầy đủ", entry=str(short))
    contexts = require_mapping(data.get("only_in_context") or {}, path, field="only_in_context")
    for short, spec in contexts.items():
        spec = require_mapping(spec, path, entry=str(short), field="only_in_context")
        if short not in mapping:
            raise ContentError(path, "không có trong danh sách viết tắt", entry=str(short),
                               field="only_in_context")
        for side in spec:
            if side not in ("before", "after") or not isinstance(spec[side], list):
                raise ContentError(path, "chỉ ghi before: [...] và after: [...]", entry=str(short),
                                   field="only_in_context")
    return Abbreviations(mapping, contexts)


def load_compounds(path: Path) -> FrozenSet[Tuple[str, ...]]:
    if not path.exists():
        return frozenset()
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("!"):
            continue
        words = tuple(syllables(line.replace("_", " ")))
        if len(words) >= 2:
            out.add(words)
    return frozenset(out)


@lru_cache(maxsize=8)
def load_lexicon(directory: "str | Path" = LEXICON_DIR) -> Lexicon:
    directory = Path(directory)
    compounds = load_compounds(directory / COMPOUNDS_FILE)
    return Lexicon(
        abbreviations=load_abbreviations(directory / ABBREVIATIONS_FILE),
        compounds=compounds,
        max_compound_len=max((len(c) for c in compounds), default=1),
    )
