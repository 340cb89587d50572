"""The geocoder chain's holder under concurrent public lookups (attacker review of issue
14): its metadata is read again only after a commit, the road index is built by one thread
at a time, and lookups that find every provider line busy answer offline on threads of
their own, never the default pool that reads and writes share. A real seeded SQLite file."""

from __future__ import annotations

import threading
import time

import anyio
import pytest

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.records import NewResource
from app.geo.geocoders.base import GeocodeQuery
from app.geo.road_index import RoadIndex
from app.services import geocoding
from app.services.geocoding import ChainHolder
from app.services.public_geocoding import PublicGeocoder
from app.storage.port import Store

QUERY = GeocodeQuery(address="上海市黄浦区南京东路街道")


def count_meta_reads(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of ``store.get_meta`` calls from now on (the real method answers)."""
    keys: list[str] = []
    real = store.get_meta

    def counted(key: str) -> str | None:
        keys.append(key)
        return real(key)

    monkeypatch.setattr(store, "get_meta", counted)
    return keys


def add_hospital(store: Store) -> None:
    store.add_resource(NewResource(kind="hospital", name="测试医院", lon=121.47, lat=31.23,
                                   precision=Precision.exact))  # fmt: skip


def test_metadata_is_read_again_only_after_a_commit(settings, seeded_store, monkeypatch):
    holder = ChainHolder(settings, seeded_store)
    holder.get(online=False)
    keys = count_meta_reads(seeded_store, monkeypatch)
    for _ in range(50):
        holder.get(online=False)
    assert keys.count("units_version") == 0
    add_hospital(seeded_store)
    holder.get(online=False)
    holder.get(online=False)
    assert keys.count("units_version") == 1


def slow_builds(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Make each road index build take 0.3 s; the times they started."""
    started: list[float] = []
    real = RoadIndex.from_store

    def slow(store, index):
        started.append(time.monotonic())
        time.sleep(0.3)
        return real(store, index)

    monkeypatch.setattr(RoadIndex, "from_store", staticmethod(slow))
    return started


def ask_at_once(holder: ChainHolder, count: int) -> list[tuple[RoadIndex, float]]:
    """``count`` threads asking for the road index together: what each got, in how long."""
    got: list[tuple[RoadIndex, float]] = []
    barrier = threading.Barrier(count)

    def ask() -> None:
        barrier.wait()
        start = time.monotonic()
        roads = holder.roads()
        got.append((roads, time.monotonic() - start))

    threads = [threading.Thread(target=ask) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return got


def test_the_road_index_is_built_once_while_others_wait_or_keep_the_old_one(
    settings, seeded_store, monkeypatch
):
    holder = ChainHolder(settings, seeded_store)
    started = slow_builds(monkeypatch)
    first = ask_at_once(holder, 6)
    assert len(started) == 1 and len({id(roads) for roads, _ in first}) == 1
    monkeypatch.setattr(geocoding, "ROADS_REFRESH_S", 0.0)
    add_hospital(seeded_store)  # resources changed: one thread rebuilds
    again = ask_at_once(holder, 6)
    assert len(started) == 2
    old = first[0][0]
    kept = [waited for roads, waited in again if roads is old]
    assert len(kept) == 5 and max(kept) < 0.2, again  # not held up by the rebuild


def test_busy_provider_lines_answer_offline_off_the_default_pool(settings, seeded_store):
    one_line = Settings(**settings.model_dump() | {"geocode_threads": 1})
    holder = ChainHolder(one_line, seeded_store)
    release = threading.Event()
    calls = 0

    def chain():
        nonlocal calls
        calls += 1
        if calls == 1:  # the first lookup holds the only provider line
            release.wait(10)
        return holder.get()

    public = PublicGeocoder(chain, one_line, seeded_store)

    async def run():
        anyio.to_thread.current_default_thread_limiter().total_tokens = 1
        async with anyio.create_task_group() as group:
            group.start_soon(public.geocode, QUERY, "198.51.100.7")
            group.start_soon(anyio.to_thread.run_sync, release.wait, 10)  # the pool is full
            await anyio.sleep(0.2)
            try:
                with anyio.fail_after(5):
                    return await public.geocode(QUERY, "203.0.113.9")
            finally:
                release.set()

    answer = anyio.run(run)
    assert answer.provider == "gazetteer" and answer.lon is not None and calls == 2
