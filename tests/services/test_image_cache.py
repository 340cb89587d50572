"""Images kept per key: reused within their time, drawn once by one thread, dropped oldest
first past the byte budget, and a drawing that fails is tried again next time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.services.image_cache import ImageCache

NOW = datetime(2024, 5, 1, tzinfo=UTC)


def test_an_image_is_reused_within_its_time_and_drawn_again_after():
    cache, drawn = ImageCache(reuse_s=300), []

    def draw(at: datetime) -> bytes:
        drawn.append(at)
        return b"png" + str(len(drawn)).encode()

    first = cache.get("a", NOW, draw)
    assert cache.get("a", NOW + timedelta(seconds=299), draw) is first
    assert cache.get("a", NOW + timedelta(seconds=300), draw).body == b"png2"
    assert first.made_at == NOW and first.etag.startswith('"')


def test_the_oldest_go_first_past_the_budget():
    cache = ImageCache(max_bytes=10)
    cache.get("a", NOW, lambda at: b"x" * 6)
    cache.get("b", NOW, lambda at: b"y" * 6)
    assert cache.get("a", NOW, lambda at: b"z" * 6).body == b"z" * 6  # "a" was dropped


def test_a_failed_drawing_is_tried_again():
    cache = ImageCache()

    def fail(at: datetime) -> bytes:
        raise ValueError("no font")

    with pytest.raises(ValueError):
        cache.get("a", NOW, fail)
    assert cache.get("a", NOW, lambda at: b"png").body == b"png"
    assert not cache._drawing  # no lock left behind for the key
