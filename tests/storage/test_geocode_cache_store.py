"""The store's geocoder cache on both backends: rows dated by the day, read back only when
young enough, deleted once expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.storage.port import Store


def test_cached_answers_are_read_since_a_day_and_forgotten_before_one(store: Store):
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    store.cache_answer("amap", "a" * 64, {"outcome": "found", "precision": "approximate"})
    store.cache_answer("nominatim", "b" * 64, {"outcome": "not_found"})
    assert store.cached_answer("amap", "a" * 64)["precision"] == "approximate"
    assert store.cached_answer("amap", "a" * 64, since=today + timedelta(hours=23)) is not None
    assert store.cached_answer("amap", "a" * 64, since=today + timedelta(days=1)) is None
    assert store.forget_cached_answers(today) == 0
    assert store.forget_cached_answers(today + timedelta(days=1)) == 2
    assert store.cached_answer("amap", "a" * 64) is None
