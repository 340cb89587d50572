"""Typed addresses through the API with a fake Amap: answered, but a possible home is never
kept in the cache, and no typed text reaches the metrics."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from app.core.config import Settings
from app.main import create_app
from tests.geo.fake_providers import DevRow, FakeAmap, read_dev_rows


@pytest.fixture(scope="module")
def rows(eval_dir: Path) -> list[DevRow]:
    return read_dev_rows(eval_dir)[:300]


@pytest.fixture
def amap_client(settings: Settings, rows: list[DevRow]) -> Iterator[TestClient]:
    with FakeAmap(rows) as amap:
        amap_settings = Settings(
            data_dir=settings.data_dir,
            database_url=settings.database_url,
            geocoders="gazetteer,amap",
            amap_key="test-key",
            amap_url=amap.url,
            amap_qps=1000,
        )
        with TestClient(create_app(amap_settings)) as client:
            yield client


def cached_keys(client: TestClient) -> list[str]:
    engine = create_engine(client.app.state.context.settings.database_url)
    with engine.connect() as conn:
        keys = conn.execute(text("SELECT query_key FROM geocode_cache")).scalars().all()
    engine.dispose()
    return list(keys)


def test_a_typed_home_address_is_answered_and_forgotten(amap_client: TestClient, rows):
    house = next(r for r in rows if r.address.endswith("号"))
    place = next(r for r in rows if not r.address.endswith("号"))
    params = {"address": house.district + house.address, "k": 1}
    nearest = amap_client.get("/api/v1/nearest", params=params)
    assert nearest.status_code == 200
    assert (nearest.json()["origin"]["source"], nearest.json()["origin"]["precision"]) == (
        "amap",
        "exact",
    )
    found = amap_client.get("/api/v1/geocode", params={"q": house.district + house.address})
    assert found.json()["provider"] == "amap"
    assert cached_keys(amap_client) == []
    amap_client.get("/api/v1/geocode", params={"q": place.district + place.address})
    assert len(cached_keys(amap_client)) == 1  # a named place, not a home
    metrics = amap_client.get("/metrics").text
    assert 'aidmap_geocoder_calls_total{outcome="found",provider="amap"}' in metrics
    assert not any(r.address in metrics for r in (house, place))


def test_a_bad_token_on_geocode_is_refused(amap_client: TestClient):
    response = amap_client.get(
        "/api/v1/geocode", params={"q": "人民广场"}, headers={"Authorization": "Bearer nope"}
    )
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
