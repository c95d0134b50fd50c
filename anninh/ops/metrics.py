"""The Prometheus metrics of every process, and their text for a ``/metrics`` endpoint.

Counters and histograms are defined here once; processes that share a ``PROMETHEUS_MULTIPROC_DIR``
(the Rasa server, its workers and turn processes, see ``anninh.ops.multiproc``) are added up at
scrape time. Values that are read from shared state when scraped (inbox backlog, token age) come
from providers registered with ``register_provider``: functions returning metric families.

For a WSGI app (the officers' console): ``anninh.ops.wsgi``.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from prometheus_client import values
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import Metric
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

WEBHOOK_REQUESTS = Counter(
    "zalo_webhook_requests", "Zalo webhook requests by outcome (accepted = acknowledged and queued)",
    ["outcome"])
ZALO_API_ERRORS = Counter("zalo_api_errors", "Errors answered by the Zalo API, by Zalo's error code", ["code"])
ZALO_MESSAGES = Counter("zalo_messages", "Messages sent to citizens through the Zalo API, by outcome", ["outcome"])
TURNS = Counter("assistant_turns", "Bot turns (one citizen message each), by channel and outcome",
                ["channel", "outcome"])
TURN_SECONDS = Histogram("assistant_turn_seconds", "Time to run one bot turn (NLU, policies, actions, sending)",
                         ["channel"], buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60))
NOTIFICATIONS = Counter("report_notifications", "Notifications to citizens about their reports, by outcome "
                        "(sent, refused by the channel, failed, skipped)", ["outcome"])
REPORTS_RECEIVED = Counter("reports_received", "Reports received from citizens, by kind", ["kind"])

Provider = Callable[[], Iterable[Metric]]
_providers: List[Provider] = []


class _Providers:
    def collect(self) -> Iterable[Metric]:
        for provider in list(_providers):
            try:
                yield from provider()
            except Exception:  # noqa: BLE001 - one broken provider must not hide the others
                logger.exception("metrics: provider %r failed", provider)


_PROVIDED = CollectorRegistry(auto_describe=False)
_PROVIDED.register(_Providers())  # type: ignore[arg-type]


def register_provider(provider: Provider) -> None:
    """Add a function called at every scrape that yields metric families."""
    if provider not in _providers:
        _providers.append(provider)


def unregister_provider(provider: Provider) -> None:
    if provider in _providers:
        _providers.remove(provider)


def render() -> Tuple[bytes, str]:
    """The text of ``/metrics`` (body, content type)."""
    if values.ValueClass is not values.MutexValue:  # prometheus_client found PROMETHEUS_MULTIPROC_DIR
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_PROVIDED), CONTENT_TYPE_LATEST


class CountingStats(dict):
    """A dict of counters (``stats[key] += 1``) that also counts every increase in a Prometheus
    counter with the key as label: existing per-object statistics become metrics unchanged."""

    def __init__(self, counter: Counter, initial: Dict[str, int], label: Optional[Callable[[str], str]] = None):
        super().__init__(initial)
        self._counter = counter
        self._label = label or (lambda key: key)

    def __setitem__(self, key: str, value: int) -> None:
        increase = value - self.get(key, 0)
        super().__setitem__(key, value)
        if increase > 0:
            self._counter.labels(self._label(key)).inc(increase)


class timed:
    """``with timed(channel): ...`` counts a turn and observes its duration."""

    def __init__(self, channel: str) -> None:
        self.channel = channel or "unknown"

    def __enter__(self) -> "timed":
        self.start = time.perf_counter()
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        TURN_SECONDS.labels(self.channel).observe(time.perf_counter() - self.start)
        TURNS.labels(self.channel, "failed" if exc_type else "ok").inc()

ACTION_CALLS_REFUSED = Counter("action_calls_refused", "Calls of the action server refused for a missing or "
                               "wrong shared secret")
