"""Prometheus metrics, one registry per application so tests can start several."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Generic, TypeVar

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from bot.store.queue import QueueStats
from bot.store.schedule import JobStats


class Metrics:
    def __init__(self, queue_stats: Callable[[], QueueStats],
                 job_stats: Callable[[], JobStats] | None = None) -> None:
        self.registry = CollectorRegistry()
        self.received = Counter(
            "usecase_bot_events_received", "Webhook events received",
            ["tracker", "event"], registry=self.registry,
        )
        self.processed = Counter(
            "usecase_bot_events_processed", "Events processed to the end",
            ["tracker", "event"], registry=self.registry,
        )
        self.failed = Counter(
            "usecase_bot_events_failed", "Event attempts that failed",
            ["tracker", "event"], registry=self.registry,
        )
        self.dead = Counter(
            "usecase_bot_events_dead", "Events given up after the last attempt",
            ["tracker", "event"], registry=self.registry,
        )
        self.latency = Histogram(
            "usecase_bot_processing_seconds", "Time from receipt to processed",
            ["tracker"], registry=self.registry,
            buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800),
        )
        self.api_calls = Counter(
            "usecase_bot_tracker_api_calls", "Calls to the trackers' APIs",
            ["tracker", "method", "status"], registry=self.registry,
        )
        self.registry.register(_FromDatabase(queue_stats, _queue_families))
        if job_stats is not None:
            self.registry.register(_FromDatabase(job_stats, _reconcile_families))


T = TypeVar("T")


class _FromDatabase(Collector, Generic[T]):
    """Gauges read from the database at scrape time, so every process shows the same."""

    def __init__(self, read: Callable[[], T],
                 families: Callable[[T], Iterator[GaugeMetricFamily]]) -> None:
        self._read = read
        self._families = families

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            stats = self._read()
        except Exception:  # a scrape must not fail because the DB is down
            return
        yield from self._families(stats)


def _queue_families(stats: QueueStats) -> Iterator[GaugeMetricFamily]:
    gauge = GaugeMetricFamily("usecase_bot_queue_depth", "Events by queue state",
                              labels=["state"])
    gauge.add_metric(["pending"], stats.pending)
    gauge.add_metric(["failed"], stats.failed)
    gauge.add_metric(["dead"], stats.dead)
    yield gauge


def _reconcile_families(stats: JobStats) -> Iterator[GaugeMetricFamily]:
    """The nightly reconcile as the database records it, so that the web process shows
    what a separate `clock:` process did."""
    runs = GaugeMetricFamily("usecase_bot_reconcile_runs",
                             "Reconcile slots by how their last attempt ended",
                             labels=["result"])
    runs.add_metric(["ok"], stats.done)
    runs.add_metric(["failed"], stats.failed)
    yield runs
    yield GaugeMetricFamily("usecase_bot_reconcile_issues_read",
                            "Issues the last successful reconcile read",
                            value=stats.last_read)
    yield GaugeMetricFamily("usecase_bot_reconcile_issues_changed",
                            "Issues the last successful reconcile wrote to",
                            value=stats.last_changed)
    if stats.last_success is not None:
        yield GaugeMetricFamily(
            "usecase_bot_reconcile_last_success_timestamp_seconds",
            "When the last successful reconcile ended (Unix time)",
            value=stats.last_success.replace(tzinfo=UTC).timestamp())
