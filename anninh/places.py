"""The province's communes and wards, and the former district names people still use."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import List, Tuple

from anninh import CONTENT_DIR
from anninh.content import ContentError, load_yaml, require_mapping

PLACES_FILE = CONTENT_DIR / "places.yml"


@dataclass(frozen=True)
class Place:
    id: str
    name: str
    kind: str  # "xã", "phường" or "huyện cũ"


@dataclass(frozen=True)
class Places:
    province: str
    communes: Tuple[Place, ...]
    former_districts: Tuple[Place, ...]


def _places(data: dict, key: str, path: Path, kind: str = "") -> List[Place]:
    raw = data.get(key)
    if not isinstance(raw, list):
        raise ContentError(path, "cần một danh sách", field=key)
    out = []
    seen = set()
    for i, item in enumerate(raw):
        item = require_mapping(item, path, entry=f"{key}[{i}]")
        pid, name = item.get("id"), item.get("name")
        if not isinstance(pid, str) or not isinstance(name, str) or not pid or not name:
            raise ContentError(path, "cần có 'id' và 'name'", entry=f"{key}[{i}]")
        if pid in seen:
            raise ContentError(path, "mã bị trùng", entry=pid, field="id")
        seen.add(pid)
        item_kind = item.get("kind", kind)
        if item_kind not in ("xã", "phường", "huyện cũ"):
            raise ContentError(path, "loại phải là 'xã' hoặc 'phường'", entry=pid, field="kind")
        out.append(Place(pid, name.strip(), item_kind))
    return out


@lru_cache(maxsize=4)
def load_places(path: "str | Path" = PLACES_FILE) -> Places:
    path = Path(path)
    data = require_mapping(load_yaml(path), path)
    return Places(
        province=str(data.get("province") or ""),
        communes=tuple(_places(data, "communes", path)),
        former_districts=tuple(_places(data, "former_districts", path, kind="huyện cũ")),
    )


@lru_cache(maxsize=4)
def _commune_index(path: "str | Path" = PLACES_FILE):
    from anninh.lexicon import load_lexicon
    from anninh.phrases import PhraseIndex
    places = load_places(path)
    by_id = {c.id: c for c in places.communes}
    return PhraseIndex(((c.id, c.name) for c in places.communes), load_lexicon().abbreviations,
                       gaps=False), by_id


def find_commune(text: str, path: "str | Path" = PLACES_FILE) -> "Place | None":
    """The commune or ward named in ``text`` (accent-insensitive, one typo), if exactly one is."""
    from anninh.text import normalize
    index, by_id = _commune_index(path)
    tokens = normalize(text, index.abbreviations)
    scores = index.scores(tokens)
    if not scores:
        return _after_commune_word(tokens, path)
    top = max(scores.values())
    best = [c for c, s in scores.items() if s == top]
    return by_id[best[0]] if len(best) == 1 else None


COMMUNE_WORDS = ("xa", "phuong")


def _after_commune_word(tokens: List[str], path: "str | Path") -> "Place | None":
    """The commune written right after "xã"/"phường" with one typo ("xa Hoa Ann", "xã Hưng Dap"),
    when exactly one commune's name is that close."""
    from anninh.text import edit_distance_at_most_one, normalize

    names = [(c, normalize(c.name)) for c in load_places(path).communes]
    found = set()
    for i, token in enumerate(tokens):
        if token not in COMMUNE_WORDS:
            continue
        for commune, name in names:
            written = tokens[i + 1:i + 1 + len(name)]
            if len(written) == len(name) and sum(w != n for w, n in zip(written, name)) <= 1 and \
                    all(edit_distance_at_most_one(w, n) for w, n in zip(written, name)):
                found.add(commune)
    return found.pop() if len(found) == 1 else None
