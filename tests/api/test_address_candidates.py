"""Addresses a person types that name no district, or only a short name: districts to
choose from instead of a dead end, and units found by short forms and beginnings."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.records import NewResource
from app.main import create_app
from app.services import geocoding


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client


def add_office_on(client: TestClient, address: str, district: str) -> None:
    store = client.app.state.context.store
    [unit] = store.find_units(name=district)
    store.add_resource(
        NewResource(
            kind="office",
            name="测试街道办事处",
            lon=unit.lon,
            lat=unit.lat,
            precision=Precision.approximate,
            district_id=unit.id,
            address=address,
        )
    )


def test_a_road_without_its_district_offers_the_districts_it_is_known_in(client: TestClient):
    add_office_on(client, "上海市浦东新区浦电路100号", "浦东新区")
    geocoded = client.get("/api/v1/geocode", params={"q": "浦电路221号"}).json()
    assert geocoded["outcome"] == "ambiguous" and geocoded["lon"] is None
    assert [c["district"] for c in geocoded["candidates"]] == ["浦东新区"]
    refused = client.get("/api/v1/nearest", params={"address": "浦电路221号"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "address_not_found"
    assert error["candidates"] == geocoded["candidates"]
    picked = error["candidates"][0]
    again = client.get("/api/v1/nearest", params={"lon": picked["lon"], "lat": picked["lat"]})
    assert again.status_code == 200 and again.json()["features"]


def test_a_road_nobody_stored_is_not_found_and_says_so(client: TestClient):
    refused = client.get("/api/v1/nearest", params={"address": "浦电路221号"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["candidates"] == []
    assert "浦电路 is not among the roads we know" in error["message"]


def test_roads_are_learnt_from_resources_added_later(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(geocoding, "ROADS_REFRESH_S", 0.0)
    before = client.get("/api/v1/geocode", params={"q": "浦电路221号"}).json()
    assert before["candidates"] == []
    add_office_on(client, "浦电路100号", "浦东新区")
    after = client.get("/api/v1/geocode", params={"q": "浦电路221号"}).json()
    assert [c["district"] for c in after["candidates"]] == ["浦东新区"]


def test_a_place_name_alone_is_found_at_street_level(client: TestClient):
    found = client.get("/api/v1/geocode", params={"q": "徐家汇"}).json()
    assert found["outcome"] == "found"
    assert (found["district"], found["street"]) == ("徐汇区", "徐家汇街道")
    nearest = client.get("/api/v1/nearest", params={"address": "徐家汇"})
    assert nearest.status_code == 200


def test_latin_text_is_not_understood_and_says_how_to_write_it(client: TestClient):
    refused = client.get("/api/v1/nearest", params={"address": "Pudian Road 221"})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["candidates"] == [] and "write the address in Chinese" in error["message"]


def unit_names(client: TestClient, **params) -> list[str]:
    response = client.get("/api/v1/units", params=params)
    assert response.status_code == 200, response.text
    return [unit["name"] for unit in response.json()]


def test_the_unit_search_finds_short_forms_and_beginnings(client: TestClient):
    assert unit_names(client, name="塘桥") == ["塘桥街道", "塘桥居委会", "塘桥社区居委会"]
    assert unit_names(client, name="东三里桥") == ["东三里桥居委会"]
    assert unit_names(client, name="东三里") == ["东三里桥居委会"]
    assert unit_names(client, name="塘桥", level="committee", limit=1, offset=1) == [
        "塘桥社区居委会"
    ]
    assert unit_names(client, name="塘桥街道") == ["塘桥街道"]  # an exact name: only it
    assert unit_names(client, name="塘桥街道", offset=1) == []
    assert unit_names(client, name="闸北区") == ["静安区"]  # former names still resolve
    assert unit_names(client, name="不存在的地方") == []
