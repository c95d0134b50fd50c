"""The figures row of the inbox (reports per status, overdue, assigned to me), kept a few
seconds per unit set: with 100,000 reports these counts are the costliest part of a page, and
officers do not need them to the second."""
from __future__ import annotations

import threading
import time
from typing import Any, Dict, Optional, Sequence, Tuple

TTL_S = 10.0

_lock = threading.Lock()
_cache: Dict[Tuple[Any, ...], Tuple[float, Any]] = {}


def _cached(key: Tuple[Any, ...], compute, ttl: float = TTL_S):
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and now - hit[0] < ttl:
            return hit[1]
    value = compute()
    with _lock:
        if len(_cache) > 1000:
            _cache.clear()
        _cache[key] = (now, value)
    return value


def inbox_figures(store: Any, units: Optional[Sequence[str]], username: str) -> Dict[str, Any]:
    ukey = None if units is None else tuple(sorted(units))
    shared = _cached((id(store), "units", ukey), lambda: {
        "counts": store.status_counts(units=units), "overdue": store.overdue_count(units=units)})
    mine = _cached((id(store), "mine", username), lambda: store.count_reports(assigned_to=username))
    return {**shared, "mine": mine}
