"""The storage contract of rate limits, on every backend: a key's events in a window,
the last unit spent once by many stores at once, expiry, and keys hashed with the store's
own secret (never the address itself)."""

from __future__ import annotations

import threading

from app.core.config import Settings
from app.services.shared_limits import StoreRateLimiter
from app.storage import open_store
from app.storage import schema as t
from app.storage.port import Store

NOW = 1_790_000_000.0


def test_a_key_spends_up_to_its_limit_within_the_window(store: Store):
    assert store.spend_rate("shares", "k", NOW, NOW - 600, 2) == (0, None)
    assert store.spend_rate("shares", "k", NOW + 1, NOW - 599, 2) == (1, NOW)
    assert store.spend_rate("shares", "k", NOW + 2, NOW - 598, 2) == (2, NOW)  # refused
    assert store.rate_events("shares", "k", NOW - 598) == (2, NOW)
    assert store.rate_events("shares", "other", NOW - 598) == (0, None)
    assert store.rate_events("reports", "k", NOW - 598) == (0, None)
    assert store.spend_rate("shares", "k", NOW + 600, NOW, 2) == (1, NOW + 1)  # NOW expired
    assert store.spend_rate("shares", "k", NOW + 601, NOW + 1, None) == (1, NOW + 600)  # forced
    assert store.forget_rate_events("shares", NOW + 600) == 1
    assert store.rate_events("shares", "k", 0) == (1, NOW + 601)


def test_the_last_unit_is_spent_once_by_stores_spending_at_once(store_settings: Settings):
    stores = [open_store(store_settings) for _ in range(4)]
    got: list[tuple[int, float | None]] = []
    start = threading.Barrier(8)

    def spend(store: Store) -> None:
        start.wait()
        for _ in range(5):
            got.append(store.spend_rate("shares", "k", NOW, NOW - 600, 30))

    threads = [threading.Thread(target=spend, args=(s,)) for s in stores + stores]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(count for count, _ in got) == list(range(30)) + [30] * 10
    finally:
        for store in stores:
            store.close()


def test_limits_store_a_keyed_hash_of_the_address(store: Store):
    limiter = StoreRateLimiter(store, "public_shares", 2, 600.0)
    assert limiter.spend("203.0.113.7") is None
    assert limiter.spend("203.0.113.7") is None
    assert 599 <= limiter.spend("203.0.113.7") <= 600
    assert 599 <= limiter.retry_after("203.0.113.7") <= 600
    assert limiter.retry_after("203.0.113.8") is None
    with store._read() as conn:
        keys = {row.key for row in conn.execute(t.rate_events.select())}
    assert len(keys) == 1 and "203.0.113.7" not in next(iter(keys))
    assert len(store.rate_limit_secret()) == 64
