"""GET /api/v1/nearest on the real app: statuses seen at once, freshness, bad input."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from app.core.config import Settings
from app.domain.enums import Precision, Role
from app.domain.records import NewResource
from app.geo.distance import haversine_m
from app.main import create_app
from app.models import NearestCollection
from app.services.auth import create_token
from tests.api.offering import offer

PEOPLES_SQUARE = {"lon": 121.4737, "lat": 31.2304}


@pytest.fixture
def client(settings: Settings, clock) -> Iterator[TestClient]:
    with TestClient(create_app(settings, clock=clock)) as client:
        _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client


def set_state(client: TestClient, resource_id: int, service: str, state: str) -> None:
    offer(client, resource_id, service)  # not every hospital lists every service
    etag = client.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
    response = client.put(
        f"/api/v1/resources/{resource_id}/status/{service}",
        json={"state": state},
        headers={"If-Match": etag},
    )
    assert response.status_code == 200


def nearest(client: TestClient, **params) -> dict:
    response = client.get("/api/v1/nearest", params=PEOPLES_SQUARE | params)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/geo+json"
    return response.json()


def test_without_a_service_it_is_a_plain_nearest_sorted_by_great_circle(client: TestClient):
    body = nearest(client, k=10)
    hospitals = client.get("/api/v1/resources", params={"kind": "hospital", "limit": 500}).json()
    expected = sorted(
        (haversine_m(PEOPLES_SQUARE["lon"], PEOPLES_SQUARE["lat"], h["lon"], h["lat"]), h["id"])
        for h in hospitals
    )[:10]
    assert [f["id"] for f in body["features"]] == [i for _, i in expected]
    distances = [f["properties"]["distance_m"] for f in body["features"]]
    assert distances == [round(d, 1) for d, _ in expected]
    assert body["origin"] == PEOPLES_SQUARE | {
        "precision": "exact", "source": "coordinates", "address": None,
        "place": {"district": "黄浦区", "street": None, "committee": None},
    }  # fmt: skip
    assert body["answer"] == "all" and body["contacts"] == []
    first = body["features"][0]
    assert first["geometry"]["type"] == "Point" and 0 <= first["properties"]["bearing"] < 360
    assert first["properties"]["precision"] == "approximate"


def test_status_changes_are_visible_to_the_next_query(client: TestClient):
    assert nearest(client, service="dialysis")["answer"] == "fallback"
    far, near = nearest(client, k=40)["features"][-1], nearest(client, k=1)["features"][0]
    set_state(client, far["id"], "dialysis", "open")
    assert [f["id"] for f in nearest(client, service="dialysis")["features"]] == [far["id"]]
    set_state(client, near["id"], "dialysis", "limited")
    only_open = nearest(client, service="dialysis", state="open")["features"]
    assert [f["id"] for f in only_open] == [far["id"]]
    both = nearest(client, service="dialysis")["features"]  # the default takes limited too
    assert [f["id"] for f in both] == [near["id"], far["id"]]
    assert both[0]["properties"]["status"]["state"] == "limited"
    set_state(client, far["id"], "dialysis", "closed")
    set_state(client, near["id"], "dialysis", "closed")
    assert nearest(client, service="dialysis")["answer"] == "fallback"


def test_stale_statuses_are_left_out_unless_asked_for(client: TestClient, clock):
    hit = nearest(client, k=1)["features"][0]
    set_state(client, hit["id"], "emergency", "open")
    clock.now += timedelta(hours=13)
    assert nearest(client, service="emergency")["answer"] == "fallback"
    stale = nearest(client, service="emergency", fresh="false")["features"]
    assert [f["id"] for f in stale] == [hit["id"]]
    assert stale[0]["properties"]["status"]["stale"] is True


def test_max_km_and_new_resources(client: TestClient, settings: Settings):
    within = nearest(client, k=50, max_km=2)["features"]
    assert within and all(f["properties"]["distance_m"] <= 2000 for f in within)
    store = client.app.state.context.store
    added = store.add_resource(
        NewResource(kind="hospital", name="新开方舱", lon=121.4738, lat=31.2305,
                    precision=Precision.exact)
    )  # fmt: skip
    assert nearest(client, k=1)["features"][0]["id"] == added.id  # the index was rebuilt


def test_an_address_origin_says_how_well_it_is_known(client: TestClient):
    response = client.get("/api/v1/nearest", params={"address": "闵行区塘口村", "k": 1})
    assert response.status_code == 200
    origin = response.json()["origin"]
    assert (origin["precision"], origin["source"], origin["address"]) == (
        "district", "gazetteer", "闵行区塘口村",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("params", "status", "fragment"),
    [
        ({"lon": 31.2, "lat": 121.4}, 422, "look swapped"),
        ({"lon": 121.4, "lat": 95}, 422, "lat must be between -90 and 90, not 95.0"),
        ({"lon": "nan", "lat": 31.2}, 422, "finite"),
        ({"lon": 181, "lat": 31.2}, 422, "query.lon"),
        ({"lon": 121.4, "lat": 31.2, "k": 0}, 422, "query.k"),
        ({"lon": 121.4, "lat": 31.2, "k": 1_000_000}, 422, "query.k"),
        ({"lon": 121.4, "lat": 31.2, "max_km": -1}, 422, "query.max_km"),
        ({"lon": 121.4, "lat": 31.2, "service": "teleport"}, 404, "no service"),
        ({"lon": 121.4, "lat": 31.2, "state": "maybe"}, 422, "state must be"),
        ({"lon": 121.4, "lat": 31.2, "kind": "shops"}, 422, "query.kind"),
        ({"lat": 31.2}, 422, "both lon and lat"),
        ({}, 422, "lon and lat, or an address"),
        ({"address": "某某路1号"}, 422, "could not be located"),
    ],
)
def test_bad_queries_are_precise_4xx(client: TestClient, params: dict, status: int, fragment):
    response = client.get("/api/v1/nearest", params=params)
    assert response.status_code == status
    assert fragment in response.json()["error"]["message"]


def test_nothing_near_is_an_empty_collection(client: TestClient):
    body = nearest(client, service="psychiatry", max_km=0.001)
    assert body["features"] == [] and body["numberReturned"] == 0
    assert body["answer"] == "fallback"  # nothing offering it that near either


def test_new_resources_show_even_when_every_query_names_a_service(client: TestClient):
    store = client.app.state.context.store
    nearest(client, service="dialysis", fresh="false", state="open,closed")
    nearest(client, kind="offices")
    added = store.add_resource(
        NewResource(kind="hospital", name="新点", lon=121.4737, lat=31.2304,
                    precision=Precision.exact, services=("dialysis",))
    )  # fmt: skip
    set_state(client, added.id, "dialysis", "open")
    assert nearest(client, service="dialysis", k=1)["features"][0]["id"] == added.id
    office = store.add_resource(
        NewResource(kind="office", name="居委", lon=121.4737, lat=31.2304,
                    precision=Precision.exact)
    )  # fmt: skip
    assert nearest(client, k=1)["features"][0]["id"] == added.id
    assert nearest(client, kind="offices", k=1)["features"][0]["id"] == office.id


def test_openapi_declares_the_query_parameters_the_route_validates(client: TestClient):
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/nearest"]["get"]
    declared = {p["name"]: p for p in operation["parameters"]}
    assert list(declared) == [
        "lon", "lat", "address", "precision", "kind", "service", "state", "fresh", "k", "max_km",
    ]  # fmt: skip
    assert declared["k"]["schema"] | {} == {
        "default": 5,
        "minimum": 1,
        "maximum": 50,
        "type": "integer",
    }
    assert all(p["in"] == "query" and not p["required"] for p in declared.values())


def test_answers_are_written_byte_for_byte_as_the_model_would_dump_them(client: TestClient):
    store = client.app.state.context.store
    [first, second] = [f["id"] for f in nearest(client, k=2)["features"]]
    set_state(client, first, "dialysis", "open")
    etag = client.get(f"/api/v1/resources/{second}").headers["ETag"]
    client.put(f"/api/v1/resources/{second}/status/dialysis",
               json={"state": "limited", "conditions": ["appointment_only", '带"引号"的 条件'],
                     "note": "换行\n与\\反斜杠"},
               headers={"If-Match": etag}).raise_for_status()  # fmt: skip
    store.verify_status(second, "dialysis", "checker")
    model = TypeAdapter(NearestCollection)
    for params in [{"k": 10}, {"service": "dialysis", "k": 3},
                   {"service": "dialysis", "state": "closed", "k": 2},
                   {"service": "dialysis", "fresh": "false", "state": "open,limited"},
                   {"address": "黄浦区人民大道200号", "service": "dialysis"}]:  # fmt: skip
        where = {} if "address" in params else PEOPLES_SQUARE
        answer = client.get("/api/v1/nearest", params=where | params)
        assert answer.status_code == 200, answer.text
        assert answer.content == model.dump_json(model.validate_json(answer.content)), params
