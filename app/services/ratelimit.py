"""A per-key sliding-window rate limit, in memory (one process's view): what a process
limits for itself (event-stream polls). Limits that must hold across workers and replicas
count in the store (``shared_limits``)."""

from __future__ import annotations

import math
import threading
import time
from collections import deque

SWEEP_FROM = 1024
"""Keys held before ``record`` first drops every key whose window has passed."""


def wait_s(oldest: float | None, window_s: float, now: float) -> int:
    """Whole seconds until the oldest counted event leaves the window (at least 1)."""
    return max(1, math.ceil((oldest or now) + window_s - now))


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds for each key.

    Memory follows the keys with events inside the window, not every key ever seen:
    asking about a key stores nothing (limits checked on every request, such as share
    look-ups, are asked by every client), and a key whose events have all expired is
    dropped when next touched or by a sweep once the keys have doubled since the last.
    """

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._events: dict[str, deque[float]] = {}
        self._lock = threading.RLock()  # ``spend`` checks and records under one hold
        self._sweep_at = SWEEP_FROM

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait when ``key`` is over its limit now, else None (nothing recorded)."""
        with self._lock:
            now = time.monotonic()
            events = self._prune(key, now)
            if len(events) < self.limit:
                return None
            return wait_s(events[0], self.window_s, now)

    def spend(self, key: str) -> int | None:
        """Count one event for ``key`` if it is within its limit (None), else the seconds
        to wait (nothing counted)."""
        with self._lock:
            wait = self.retry_after(key)
            if wait is None:
                self.record(key)
            return wait

    def record(self, key: str) -> None:
        """Count one event for ``key``."""
        with self._lock:
            now = time.monotonic()
            self._prune(key, now)
            self._events.setdefault(key, deque()).append(now)
            if len(self._events) >= self._sweep_at:
                for old in list(self._events):
                    self._prune(old, now)
                self._sweep_at = max(SWEEP_FROM, 2 * len(self._events))

    def _prune(self, key: str, now: float) -> deque[float]:
        events = self._events.get(key)
        if events is None:
            return deque()
        while events and events[0] <= now - self.window_s:
            events.popleft()
        if not events:
            del self._events[key]
        return events
