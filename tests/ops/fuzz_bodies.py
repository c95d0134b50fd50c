"""Malformed Zalo webhook bodies for the fuzz test: bad bytes, lone surrogates, deep nesting, wrong
types, huge fields, NaN, random mutations of valid events. Deterministic (seeded)."""
from __future__ import annotations

import copy
import json
import random
from typing import Any, Callable, Dict, Iterator, List, Tuple

WRONG_VALUES: List[Any] = [None, True, False, 0, -1, 1.5, 1e308, -1e308, "", " ", "x", [], {}, [1], {"a": 1},
                           "9" * 400, 10 ** 40, [[[]]], {"id": None}, "\u0000", "\u202e", "🚓" * 50]
SURROGATES = ["\ud800", "\udfff", "a\udc00b", "\ud83d"]  # lone halves (a pair would be an emoji)


def _paths(data: Any, prefix: Tuple = ()) -> Iterator[Tuple]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield prefix + (key,)
            yield from _paths(value, prefix + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield prefix + (i,)
            yield from _paths(value, prefix + (i,))


def _set(data: Any, path: Tuple, value: Any) -> Any:
    data = copy.deepcopy(data)
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


def _dumps(data: Any) -> bytes:
    # ensure_ascii writes a lone surrogate as the JSON escape \ud800, as a hostile client would
    return json.dumps(data, ensure_ascii=True, allow_nan=True).encode("ascii")


def bodies(templates: List[Dict[str, Any]], fresh: Callable[[Dict[str, Any]], Dict[str, Any]],
           seed: int = 13) -> Iterator[Tuple[str, bytes]]:
    """(category, body) pairs; ``fresh(template)`` gives the template a new msg id and timestamp."""
    rng = random.Random(seed)
    # bad bytes
    for raw in [b"", b" ", b"\x00", b"\xff\xfe{}", b"\xef\xbb\xbf{}", b"{", b"}", b"[", b"null", b"true", b"1",
                b'"x"', b"[]", b"{}", b'{"event_name":', b"\xc3\x28", b"\xed\xa0\x80", b"{\"a\":\"\xff\"}"]:
        yield "bad bytes", raw
    for _ in range(150):
        yield "bad bytes", bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300)))
    for template in templates:
        valid = _dumps(fresh(template))
        for _ in range(60):  # random byte flips and truncations of a valid event
            body = bytearray(valid)
            for _ in range(rng.randrange(1, 4)):
                body[rng.randrange(len(body))] = rng.randrange(256)
            yield "bad bytes", bytes(body[:rng.randrange(1, len(body) + 1)] if rng.random() < 0.3 else body)
    # lone surrogates, in every string and key of every template
    for template in templates:
        event = fresh(template)
        for path in _paths(event):
            for surrogate in SURROGATES[:2]:
                yield "surrogate", _dumps(_set(fresh(template), path, surrogate))
            renamed = fresh(template)
            target = renamed
            for key in path[:-1]:
                target = target[key]
            if isinstance(target, dict):
                target[str(path[-1]) + SURROGATES[2]] = target.pop(path[-1])
                yield "surrogate", _dumps(renamed)
    # deep nesting
    for depth in (33, 64, 500, 5000, 50000, 200000):
        yield "deep", b"[" * depth + b"]" * depth
        yield "deep", b'{"a":' * depth + b"1" + b"}" * depth
        for template in templates[:2]:
            nested = b'{"a":' * depth + b'"x"' + b"}" * depth
            yield "deep", _dumps(_set(fresh(template), ("message",), "NEST")).replace(b'"NEST"', nested)
    # wrong types, in every field of every template
    for template in templates:
        for path in _paths(fresh(template)):
            for value in WRONG_VALUES:
                yield "wrong type", _dumps(_set(fresh(template), path, value))
    # NaN and Infinity
    for template in templates:
        for path in list(_paths(fresh(template)))[:12]:
            for constant in (float("nan"), float("inf"), float("-inf")):
                yield "nan", _dumps(_set(fresh(template), path, constant))
    # huge fields (a few: each is a megabyte)
    for template in templates[:3]:
        for path in list(_paths(fresh(template)))[:8]:
            yield "huge", _dumps(_set(fresh(template), path, "ư" * 300_000))
    yield "huge", _dumps({"event_name": "user_send_text", "k": ["x"] * 200_000})
    yield "huge", b'{"a":"' + b"x" * (5 * 1024 * 1024) + b'"}'
