"""A per-key sliding-window rate limit, in memory (one process's view)."""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    """At most ``limit`` events per ``window_s`` seconds for each key."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait when ``key`` is over its limit now, else None (nothing recorded)."""
        with self._lock:
            events = self._prune(key, time.monotonic())
            if len(events) < self.limit:
                return None
            return max(1, math.ceil(events[0] + self.window_s - time.monotonic()))

    def record(self, key: str) -> None:
        """Count one event for ``key``."""
        with self._lock:
            self._prune(key, time.monotonic()).append(time.monotonic())

    def _prune(self, key: str, now: float) -> deque[float]:
        events = self._events[key]
        while events and events[0] <= now - self.window_s:
            events.popleft()
        return events
