"""What the Zalo channel adds to ``/metrics`` at every scrape, read from the shared stores (so any
worker of the server gives the same figures): the inbox backlog, the turns in progress, and per OA
the age of its token pair and the seconds left on its access token.

Counters (webhook outcomes, Zalo API errors by code, messages sent) are counted where they happen:
``CountingStats`` in ``channel.py`` and ``client.py`` (``anninh.ops.metrics``).
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Tuple

from prometheus_client.core import GaugeMetricFamily, Metric

from anninh.ops.health import register_check


def provider(channel: Any) -> Callable[[], Iterable[Metric]]:
    def collect() -> Iterable[Metric]:
        runtime = channel.runtime
        if not runtime.started:
            return
        inbox = runtime.inbox
        if inbox is not None:
            yield GaugeMetricFamily("zalo_inbox_backlog", "Acknowledged Zalo events whose bot turn is not done",
                                    value=inbox.pending())
            yield GaugeMetricFamily("zalo_turns_in_progress",
                                    "Messages whose turn runs now (claimed under a live lease, any node)",
                                    value=inbox.in_progress())
        pool = channel.pool
        if pool is not None:
            yield GaugeMetricFamily("zalo_turn_processes_ready", "Turn processes that have loaded the model",
                                    value=pool.status()["ready"])
        store = runtime.token_store
        if store is not None:
            now = time.time()
            age = GaugeMetricFamily("zalo_token_age_seconds", "Seconds since the OA's token pair was obtained",
                                    labels=["oa_id"])
            left = GaugeMetricFamily("zalo_access_token_expires_in_seconds",
                                     "Seconds until the OA's access token expires (negative: expired)",
                                     labels=["oa_id"])
            for oa_id, pair in store.all():
                if pair.updated_at:
                    age.add_metric([oa_id], now - pair.updated_at)
                if pair.access_expires_at is not None:
                    left.add_metric([oa_id], pair.access_expires_at - now)
            yield age
            yield left

    return collect


def readiness(channel: Any) -> Callable[[Any], Tuple[bool, Any]]:
    def check(app: Any) -> Tuple[bool, Any]:
        health = channel.health()
        return bool(health["ready"]), {"started": health["started"], "turn_processes": health["turn_processes"]}

    return check


def watch(channel: Any) -> None:
    """Register the channel's gauges and readiness check (the ops channel serves them)."""
    from anninh.ops.metrics import register_provider

    register_provider(provider(channel))
    register_check("zalo", readiness(channel))
