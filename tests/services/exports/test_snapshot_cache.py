"""The built offline map files kept in memory: reused while their data holds, bounded in
bytes whatever the number of views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.services.exports.snapshot_cache import REUSE, SnapshotCache

TAKEN = datetime(2026, 4, 12, 6, 30, tzinfo=UTC)
MIB = 1024 * 1024


def test_a_file_serves_its_view_while_its_version_holds_and_for_reuse_at_most():
    cache = SnapshotCache()
    built = cache.put(("dialysis", None, "zh"), b"<html>", "v1", TAKEN)
    assert cache.get(("dialysis", None, "zh"), "v1", TAKEN + REUSE / 2) == built
    assert cache.get(("dialysis", None, "zh"), "v2", TAKEN) is None
    assert cache.get(("dialysis", None, "zh"), "v1", TAKEN + REUSE) is None
    assert cache.get((None, None, "zh"), "v1", TAKEN) is None


def test_files_past_the_byte_bound_go_least_recently_used_first():
    """A big store's city files are tens of MiB each: a count of views would not bound them."""
    cache = SnapshotCache(max_bytes=3 * MIB)
    for view in ("a", "b", "c"):
        cache.put(view, bytes(MIB), "v1", TAKEN)
    assert cache.get("a", "v1", TAKEN) is not None  # "b" is now the least recently used
    cache.put("d", bytes(MIB), "v1", TAKEN)
    assert [cache.get(view, "v1", TAKEN) is not None for view in "abcd"] == [
        True, False, True, True
    ]  # fmt: skip
    cache.put("c", bytes(2 * MIB), "v2", TAKEN)  # rebuilt larger: its old bytes count no more
    assert [cache.get(view, "v1", TAKEN) is not None for view in "abd"] == [False, False, True]
    assert cache.get("c", "v2", TAKEN) is not None


def test_the_newest_file_is_kept_even_when_it_alone_passes_the_bound():
    cache = SnapshotCache(max_bytes=MIB)
    cache.put("small", bytes(10), "v1", TAKEN)
    cache.put("city", bytes(2 * MIB), "v1", TAKEN)
    assert cache.get("city", "v1", TAKEN) is not None
    assert cache.get("small", "v1", TAKEN) is None


def test_one_view_rebuilt_many_times_holds_one_file():
    cache = SnapshotCache(max_bytes=2 * MIB)
    cache.put("other", bytes(MIB), "v1", TAKEN)
    for minute in range(50):
        cache.put("city", bytes(MIB), f"v{minute}", TAKEN + timedelta(minutes=minute))
    assert cache.get("other", "v1", TAKEN) is not None
