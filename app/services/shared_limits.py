"""Per-key sliding-window rate limits counted in the store: one truth for every worker and
replica, so 30 shares per address per 10 minutes stay 30 however many processes answer.

Keys (client addresses, phones) are stored only as an HMAC under the store's own secret
(``MetaKey.rate_limit_key``): a table of hashed IPv4 addresses or phone numbers would
otherwise be reversed by trying them all. Times are the wall clock, which every process
shares (a monotonic clock is per machine).
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from typing import Protocol

from app.services.ratelimit import wait_s
from app.storage.port import RateStore

SWEEP_S = 60.0
"""Seconds between one process's sweeps of a limit's expired events (of keys that never
came back; a key's own are dropped whenever it spends)."""


class Limiter(Protocol):
    """What routes ask of a limit (``RateLimiter`` in memory, ``StoreRateLimiter``)."""

    limit: int
    window_s: float

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait when ``key`` is over its limit now, else None."""

    def record(self, key: str) -> None:
        """Count one event for ``key``."""

    def spend(self, key: str) -> int | None:
        """Count one event if within the limit (None), else the seconds to wait."""


class StoreRateLimiter:
    """At most ``limit`` events per ``window_s`` seconds for each key, counted in the
    store under ``bucket``. ``limit`` and ``window_s`` may be changed while it runs
    (tests loosen them); they are read at every call. Blocking (a worker thread)."""

    def __init__(self, store: RateStore, bucket: str, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self.bucket = bucket
        self._store = store
        self._secret: bytes | None = None
        self._swept_at = 0.0
        self._lock = threading.Lock()

    def retry_after(self, key: str) -> int | None:
        """Seconds to wait when ``key`` is over its limit now, else None (nothing counted)."""
        now = time.time()
        count, oldest = self._store.rate_events(self.bucket, self._hash(key), now - self.window_s)
        return None if count < self.limit else wait_s(oldest, self.window_s, now)

    def record(self, key: str) -> None:
        """Count one event for ``key``, whatever its count."""
        now = time.time()
        self._store.spend_rate(self.bucket, self._hash(key), now, now - self.window_s, None)
        self._sweep(now)

    def spend(self, key: str) -> int | None:
        """Count one event for ``key`` if within its limit (None), else the seconds to
        wait; atomic across processes (the last unit is spent once)."""
        now = time.time()
        count, oldest = self._store.spend_rate(
            self.bucket, self._hash(key), now, now - self.window_s, self.limit
        )
        if count >= self.limit:
            return wait_s(oldest, self.window_s, now)
        self._sweep(now)
        return None

    def _hash(self, key: str) -> str:
        if self._secret is None:
            self._secret = self._store.rate_limit_secret().encode()
        return hmac.new(self._secret, key.encode(), hashlib.sha256).hexdigest()

    def _sweep(self, now: float) -> None:
        with self._lock:
            if now - self._swept_at < SWEEP_S:
                return
            self._swept_at = now
        self._store.forget_rate_events(self.bucket, now - self.window_s)


class StorePace:
    """One online provider's slots counted in the store (``gate.SharedSlots``): its
    per-second limit holds for every worker and replica together. The key is the
    provider's name (nothing personal), and each take drops the key's expired events."""

    BUCKET = "provider_pace"

    def __init__(self, store: RateStore, provider: str) -> None:
        self._store, self._provider = store, provider

    def take(self, burst: int, window_s: float) -> float | None:
        """Take a slot (None), or the seconds until the oldest counted one leaves."""
        now = time.time()
        count, oldest = self._store.spend_rate(
            self.BUCKET, self._provider, now, now - window_s, burst
        )
        if count < burst:
            return None
        return max(0.001, (oldest or now) + window_s - now)
