"""What the geocoder cache keeps: places for anyone, homes only for imports, nothing for
longer than AIDMAP_GEOCODE_CACHE_DAYS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from app.core.config import Settings
from app.geo.geocoders.base import GeocodeQuery
from app.geo.geocoders.cache import AnswerCache
from app.geo.geocoders.chain import Asking, query_key
from app.geo.geocoders.registry import build_chain
from app.storage.port import Store
from tests.geo.fake_providers import DevRow, FakeAmap, read_dev_rows

TYPED = Asking(wait_s=0, cache_dwellings=False)
"""How a public request asks (app.services.public_geocoding)."""


@pytest.fixture(scope="module")
def rows(eval_dir: Path) -> list[DevRow]:
    return read_dev_rows(eval_dir)[:300]


@pytest.fixture
def amap(rows) -> Iterator[FakeAmap]:
    with FakeAmap(rows) as server:
        yield server


@pytest.fixture
def amap_settings(settings: Settings, amap: FakeAmap) -> Settings:
    return Settings(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        geocoders="gazetteer,amap",
        amap_key="test-key",
        amap_url=amap.url,
        amap_qps=1000,
        geocoder_timeout_s=0.3,
    )


def cached_rows(settings: Settings) -> list[dict]:
    engine = create_engine(settings.database_url)
    with engine.connect() as conn:
        found = conn.execute(text("SELECT * FROM geocode_cache")).mappings().all()
    engine.dispose()
    return [dict(row) for row in found]


def house_and_place(rows: list[DevRow]) -> tuple[GeocodeQuery, GeocodeQuery]:
    """A house-number address (门牌号 in the fake) and a named place (兴趣点)."""
    house = next(r for r in rows if r.address.endswith("号"))
    place = next(r for r in rows if not r.address.endswith("号"))
    return GeocodeQuery(house.address, house.district), GeocodeQuery(place.address, place.district)


def test_a_typed_home_address_is_answered_but_never_cached(
    seeded_store: Store, amap_settings: Settings, amap: FakeAmap, rows
):
    house, place = house_and_place(rows)
    chain = build_chain(amap_settings, seeded_store)
    assert chain.geocode(house, TYPED).provider == "amap"
    assert chain.geocode(GeocodeQuery("没有这个地址路1号", "黄浦区"), TYPED).provider == "gazetteer"
    assert cached_rows(amap_settings) == []
    assert chain.geocode(place, TYPED).provider == "amap"
    [kept] = cached_rows(amap_settings)
    assert kept["query_key"] == query_key(place, chain.index.district(place.district))
    assert place.address not in str(kept) and house.address not in str(kept)
    chain.geocode(house, TYPED)
    chain.geocode(place, TYPED)  # the place from the cache, the house asked again
    assert len(amap.requests) == 4


def test_an_import_caches_home_addresses_and_misses(
    seeded_store: Store, amap_settings: Settings, rows
):
    house, _ = house_and_place(rows)
    chain = build_chain(amap_settings, seeded_store)
    chain.geocode(house)
    chain.geocode(GeocodeQuery("没有这个地址路1号", "黄浦区"))
    assert len(cached_rows(amap_settings)) == 2


def test_answers_expire_and_old_rows_are_purged(
    seeded_store: Store, amap_settings: Settings, amap: FakeAmap, rows
):
    places = [GeocodeQuery(r.address, r.district) for r in rows if not r.address.endswith("号")]
    first, second = places[:2]
    now = [datetime.now(UTC)]
    cache = AnswerCache(seeded_store, amap_settings.geocode_cache_days, lambda: now[0])
    chain = build_chain(amap_settings, seeded_store, cache=cache)
    chain.geocode(first)
    now[0] += timedelta(days=amap_settings.geocode_cache_days)
    chain.geocode(first)
    assert len(amap.requests) == 1  # still young enough on its last day
    now[0] += timedelta(days=1)
    assert chain.geocode(first, TYPED).provider == "amap"  # too old: asked again
    assert len(amap.requests) == 2
    [kept] = cached_rows(amap_settings)
    day = kept["created_at"]
    day = day if isinstance(day, datetime) else datetime.fromisoformat(day)
    assert (day.hour, day.minute, day.second, day.microsecond) == (0, 0, 0, 0)
    now[0] += timedelta(days=amap_settings.geocode_cache_days + 1)
    chain.geocode(second, TYPED)  # the first write of a day purges what expired
    assert [row["query_key"] for row in cached_rows(amap_settings)] == [
        query_key(second, chain.index.district(second.district))
    ]
