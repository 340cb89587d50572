"""Every Prometheus metric of the service, in one registry per process.

Labels take values from small fixed sets only (route templates, HTTP methods, service
codes, states, provider names, outcomes), so the number of series stays bounded whatever
clients send. Each replica counts for itself (Prometheus scrapes every replica); the
workers of one server count together (``counted_together``), so that any worker's
``/metrics`` shows the server's totals.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    multiprocess,
)

disable_created_metrics()  # no `_created` twin of every counter: Prometheus reads the resets
REGISTRY = CollectorRegistry()
for _collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
    REGISTRY.register(_collector)

LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
"""Most answers take 1–10 ms; imports and preview images take seconds."""

HTTP_REQUESTS = Counter(
    "aidmap_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
    registry=REGISTRY,
)
HTTP_DURATION = Histogram(
    "aidmap_http_request_duration_seconds",
    "Time from request to the last byte of the answer, by method, route template and "
    "status class; event streams are left out (see aidmap_http_streams_open).",
    ["method", "route", "status_class"],
    buckets=LATENCY_BUCKETS_S,
    registry=REGISTRY,
)
HTTP_STREAMS_OPEN = Gauge(
    "aidmap_http_streams_open",
    "Event streams (text/event-stream answers) open now.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
CONNECTIONS_OPEN = Gauge(
    "aidmap_connections_open",
    "HTTP connections aidmap serve holds open now.",
    registry=REGISTRY,
    multiprocess_mode="livesum",
)
CONNECTIONS_CUT = Counter(
    "aidmap_connections_cut",
    "Connections aidmap serve refused or closed early, by reason (client_cap, server_cap, "
    "header_timeout, header_size, body_timeout, send_timeout).",
    ["reason"],
    registry=REGISTRY,
)
STATUS_UPDATES = Counter(
    "aidmap_status_updates",
    "Statuses written, by service, state and action (put, verify, batch).",
    ["service", "state", "action"],
    registry=REGISTRY,
)
STATUS_CONFLICTS = Counter(
    "aidmap_status_conflicts",
    "Versioned status writes refused because the resource had changed (412, or a batch 409).",
    ["action"],
    registry=REGISTRY,
)
GEOCODER_CALLS = Counter(
    "aidmap_geocoder_calls",
    "Geocoder provider calls (cache hits excluded), by provider and outcome.",
    ["provider", "outcome"],
    registry=REGISTRY,
)
GEOCODER_SKIPS = Counter(
    "aidmap_geocoder_skips",
    "Online providers not asked, by provider and reason: paused (after a refusal or a "
    "timeout), paced (no free slot under its rate), allowance (the client's is spent), "
    "busy (every provider thread in use).",
    ["provider", "reason"],
    registry=REGISTRY,
)
GEOCODER_CACHE = Counter(
    "aidmap_geocoder_cache_lookups",
    "Cached provider answers looked up, by provider and result (hit, miss).",
    ["provider", "result"],
    registry=REGISTRY,
)
SOURCE_RUNS = Counter(
    "aidmap_source_runs",
    "Runs of sources (teams' documents read again and again), by outcome (applied, "
    "unchanged, not_modified, held, failed).",
    ["outcome"],
    registry=REGISTRY,
)


class WrittenStatus(Protocol):
    """What the count reads of a status written (an ``IntakeStatus`` is one)."""

    @property
    def service(self) -> str:
        """The service's code."""

    @property
    def state(self) -> str:
        """Its state (a ``State``, which is a ``str``)."""


def count_status_written(status: WrittenStatus, action: str) -> None:
    """Count one status written by ``action`` (put, verify, batch)."""
    STATUS_UPDATES.labels(status.service, str(status.state), action).inc()


def count_status_conflict(action: str) -> None:
    """Count one status write refused for a version conflict."""
    STATUS_CONFLICTS.labels(action).inc()


def count_source_run(outcome: str) -> None:
    """Count one run of a source that ended with ``outcome``."""
    SOURCE_RUNS.labels(outcome).inc()


SHARED_DIR = "PROMETHEUS_MULTIPROC_DIR"
"""prometheus_client's multiprocess mode: set when it is imported, every value lives in a
file of this directory, which any process can sum."""


@contextlib.contextmanager
def counted_together() -> Iterator[None]:
    """Within the block, processes started from this one count in one new directory
    (removed at the end: the counts start at zero, as a single process's do)."""
    directory = tempfile.mkdtemp(prefix="aidmap-metrics-")
    os.environ[SHARED_DIR] = directory
    try:
        yield
    finally:
        del os.environ[SHARED_DIR]
        shutil.rmtree(directory, ignore_errors=True)


def exposed() -> CollectorRegistry:
    """What ``/metrics`` shows: this process's registry, or among workers counting
    together, every worker's counters and histograms summed and the gauges of those
    still running summed (no process_* or python_* series: they describe one process)."""
    if SHARED_DIR not in os.environ:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    return registry


def forget_dead_processes() -> None:
    """Drop the gauges of workers that are gone (one killed cannot drop its own), so a
    replacement's start leaves only the running workers' open connections and streams."""
    if SHARED_DIR not in os.environ:
        return
    for path in Path(os.environ[SHARED_DIR]).glob("gauge_live*_*.db"):
        pid = int(path.stem.rsplit("_", 1)[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid)
