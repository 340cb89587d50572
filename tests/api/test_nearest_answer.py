"""What /api/v1/nearest tells a requester (issue 14): limited hospitals by default, a
fallback instead of a dead end, the place as we resolved it, honest distances, English
names, and the offices to call."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Precision, Role
from app.domain.records import NewResource
from app.main import create_app
from app.services.auth import create_token

SQUARE = {"lon": 121.4737, "lat": 31.2304}  # People's Square, 黄浦区


@pytest.fixture
def client(settings: Settings, clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as client:
        _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client


def set_state(client: TestClient, resource_id: int, service: str, state: str, **extra) -> None:
    etag = client.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
    response = client.put(
        f"/api/v1/resources/{resource_id}/status/{service}",
        json={"state": state} | extra,
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.text


def nearest(client: TestClient, **params) -> dict:
    response = client.get("/api/v1/nearest", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def offering(client: TestClient, service: str, k: int) -> list[dict]:
    """The k hospitals nearest the square that list ``service``, by brute force."""
    every = nearest(client, **SQUARE, k=50)["features"]
    ids = [f["id"] for f in every]
    services = {r["id"]: r["services"] for r in client.get(
        "/api/v1/resources", params={"kind": "hospital", "limit": 500}).json()}  # fmt: skip
    return [f for f in every if service in services[f["id"]]][:k] if ids else []


def add_office(client: TestClient, name: str, lon: float, lat: float, phones=(), **extra) -> int:
    office = client.app.state.context.store.add_resource(NewResource(
        kind="office", name=name, lon=lon, lat=lat, precision=Precision.exact,
        phones=tuple(phones), **extra,
    ))  # fmt: skip
    return office.id


def test_the_default_takes_limited_with_conditions_and_note(client: TestClient):
    near, second = offering(client, "dialysis", 2)
    set_state(client, near["id"], "dialysis", "limited", conditions=["negative_test_48h"],
              note="只收本院老病人")  # fmt: skip
    set_state(client, second["id"], "dialysis", "open")
    body = nearest(client, **SQUARE, service="dialysis")
    assert body["answer"] == "open"
    assert [f["id"] for f in body["features"]] == [near["id"], second["id"]]
    status = body["features"][0]["properties"]["status"]
    assert (status["state"], status["conditions"], status["note"]) == (
        "limited", ["negative_test_48h"], "只收本院老病人",
    )  # fmt: skip
    assert status["age_seconds"] == 0
    only_open = nearest(client, **SQUARE, service="dialysis", state="open")
    assert [f["id"] for f in only_open["features"]] == [second["id"]]


def test_nothing_open_falls_back_to_the_nearest_offering_the_service(client, clock):
    first, second, third, *_ = offering(client, "dialysis", 5)
    set_state(client, first["id"], "dialysis", "closed")
    set_state(client, second["id"], "dialysis", "open")
    clock.now += timedelta(hours=13)  # the open one is stale now
    set_state(client, third["id"], "dialysis", "closed", reported_at=clock.now.isoformat())
    body = nearest(client, **SQUARE, service="dialysis", k=5)
    assert body["answer"] == "fallback"
    assert [f["id"] for f in body["features"]] == [f["id"] for f in offering(client, "dialysis", 5)]
    states = [(f["properties"]["status"]["state"], f["properties"]["status"]["stale"])
              for f in body["features"]]  # fmt: skip
    assert states[:3] == [("closed", True), ("open", True), ("closed", False)]
    assert states[3:] == [("unknown", True)] * 2
    every = {f["id"] for f in nearest(client, **SQUARE, k=10)["features"]}
    assert every - {f["id"] for f in body["features"]}  # some nearer ones do not offer it


def test_without_a_service_the_answer_claims_no_status(client: TestClient):
    body = nearest(client, **SQUARE, k=3)
    assert body["answer"] == "all"
    assert all(f["properties"]["status"] is None for f in body["features"])


def test_features_carry_the_english_name_and_whether_the_distance_is_a_fact(client):
    body = nearest(client, **SQUARE, k=50)
    names = {f["properties"]["name"]: f["properties"]["name_en"] for f in body["features"]}
    assert names["上海交通大学医学院附属瑞金医院"] == "Ruijin Hospital"
    assert all(f["properties"]["distance_exact"] for f in body["features"])
    rough = client.app.state.context.store.add_resource(NewResource(
        kind="hospital", name="只知道区的医院", lon=121.4738, lat=31.2305,
        precision=Precision.district,
    ))  # fmt: skip
    first = nearest(client, **SQUARE, k=1)["features"][0]
    assert first["id"] == rough.id and first["properties"]["name_en"] is None
    assert first["properties"]["distance_exact"] is False
    assert isinstance(first["properties"]["distance_m"], float)  # still orders the list


def test_a_district_only_address_names_the_district_and_keeps_to_it(client: TestClient):
    body = nearest(client, address="浦东新区浦电路221号", k=10)
    origin = body["origin"]
    assert origin["precision"] == "district"
    assert origin["place"] == {"district": "浦东新区", "street": None, "committee": None}
    pudong = client.get("/api/v1/units", params={"level": "district", "name": "浦东新区"}).json()
    districts = {
        client.get(f"/api/v1/resources/{f['id']}").json()["district_id"] for f in body["features"]
    }
    assert districts == {pudong[0]["id"]} and len(body["features"]) == 10
    assert not any(f["properties"]["distance_exact"] for f in body["features"])


def test_the_place_is_the_gazetteers_units_never_the_typed_words(client: TestClient):
    place = nearest(client, address="闵行区塘口村", k=1)["origin"]["place"]
    assert place == {"district": "闵行区", "street": "浦锦街道", "committee": "塘口村村委会"}
    place = nearest(client, address="卢湾区", k=1)["origin"]["place"]
    assert place["district"] == "黄浦区"  # the current name of a former district


def test_contacts_are_the_two_nearest_offices_with_phones(client: TestClient):
    add_office(client, "没有电话的居委会", 121.4738, 31.2305)
    near = add_office(client, "人民广场居委会", 121.4740, 31.2306, ["021-63211234"])
    far = add_office(client, "南京东路街道办事处", 121.4800, 31.2350, ["021-63500000"])
    add_office(client, "更远的居委会", 121.4900, 31.2400, ["021-63999999"])
    add_office(client, "郊外居委会", 121.60, 31.30, ["021-60000000"])
    body = nearest(client, **SQUARE, service="dialysis")
    contacts = body["contacts"]
    assert [c["id"] for c in contacts] == [near, far]
    assert contacts[0]["name"] == "人民广场居委会" and contacts[0]["phones"] == ["021-63211234"]
    assert 0 < contacts[0]["distance_m"] < contacts[1]["distance_m"] < 1000
    assert nearest(client, **SQUARE, kind="offices")["contacts"] == []
    lonely = nearest(client, lon=121.9, lat=31.0)["contacts"]  # offices 5 km away are not its
    assert lonely == []


def test_a_district_only_origin_gets_contacts_of_its_district(client: TestClient):
    units = client.get("/api/v1/units", params={"level": "district", "name": "浦东新区"}).json()
    add_office(client, "黄浦的街道", 121.70, 31.12, ["021-1"])  # nearest, but not Pudong's
    inside = add_office(client, "浦东的街道", 121.55, 31.22, ["021-2"], district_id=units[0]["id"])
    body = nearest(client, address="浦东新区", service="dialysis")
    assert [c["id"] for c in body["contacts"]] == [inside]
    assert body["contacts"][0]["distance_exact"] is False


def test_openapi_describes_the_new_fields(client: TestClient):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert {"answer", "contacts"} <= set(schemas["NearestCollection"]["properties"])
    assert {"name_en", "distance_exact"} <= set(schemas["NearestProperties"]["properties"])
    assert "place" in schemas["NearestOrigin"]["properties"]
