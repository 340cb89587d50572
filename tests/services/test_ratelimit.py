"""The sliding-window limiter: its limit, its wait, and memory that follows live keys only."""

from __future__ import annotations

import time

from app.services.ratelimit import SWEEP_FROM, RateLimiter


def test_a_key_is_refused_after_its_limit_until_its_oldest_event_leaves_the_window():
    limiter = RateLimiter(2, 0.2)
    for _ in range(2):
        assert limiter.retry_after("a") is None
        limiter.record("a")
    assert limiter.retry_after("a") == 1  # at least a second, never 0
    assert limiter.retry_after("b") is None  # each key counts for itself
    time.sleep(0.25)
    assert limiter.retry_after("a") is None


def test_asking_stores_nothing_and_expired_keys_are_dropped():
    limiter = RateLimiter(5, 0.05)
    for n in range(10_000):  # every reader of a share is asked about
        assert limiter.retry_after(f"10.0.{n // 256}.{n % 256}") is None
    assert limiter._events == {}
    for n in range(SWEEP_FROM - 1):  # guessers from many addresses, gone after the window
        limiter.record(f"guesser-{n}")
    time.sleep(0.06)
    limiter.record("last")  # the key that reaches the sweep size sweeps the rest
    assert list(limiter._events) == ["last"]
    limiter.record("last")
    time.sleep(0.06)
    assert limiter.retry_after("last") is None and limiter._events == {}
