"""Adding a hospital by hand: placed by its location, its address or its district; every
possible duplicate (same name, same phone, similar name nearby) held back with nothing
stored, and checkable before saving; precise 422s; coordinators only. The main path runs
on SQLite and PostGIS."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Role
from app.geo.crs import from_wgs84
from app.main import create_app
from app.services.auth import create_token
from tests import postgres

RUIJIN = (121.466, 31.212)
"""Where the bundled data has 瑞金医院 (resource 1; phone 021-64370045, alias 瑞金)."""


def bearer(client: TestClient, role: Role, name: str = "协调员") -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, name, role)
    return {"Authorization": f"Bearer {secret}"}


def hospitals(client: TestClient) -> int:
    return client.app.state.context.store.counts()["hospitals"]


def add(client: TestClient, body: dict, headers: dict | None = None):
    return client.post("/api/v1/resources", json=body,
                       headers=headers or bearer(client, Role.coordinator))  # fmt: skip


@pytest.fixture(params=["sqlite", "postgis"])
def any_client(
    request: pytest.FixtureRequest, sqlite_settings: Settings, clock
) -> Iterator[TestClient]:
    """The app on a copy of the seeded database of each backend."""
    if request.param == "sqlite" and os.environ.get("TEST_BACKEND") != "postgis":
        settings = request.getfixturevalue("seeded_settings")
        with TestClient(create_app(settings, clock=clock)) as client:
            yield client
        return
    name = postgres.create_database(template=request.getfixturevalue("seeded_postgis"))
    try:
        url = postgres.database_url(name)
        settings = Settings(data_dir=sqlite_settings.data_dir, database_url=url)
        with TestClient(create_app(settings, clock=clock)) as client:
            yield client
    finally:
        postgres.drop_database(name)


def test_a_hospital_added_from_its_address_reads_as_any_other(any_client: TestClient):
    client = any_client
    before = hospitals(client)
    coordinator = bearer(client, Role.coordinator, "协调员")
    answer = add(client, {
        "name": "测试新医院", "name_en": "Test Hospital", "aliases": ["测新"],
        "district": "浦东新区", "address": "塘桥街道蓝村路100号",
        "phones": ["021 5555 0001", "５５５５０００２"], "services": ["血透", "emergency"],
    }, coordinator | {"X-Aidmap-Source": "workspace"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    rid = body["id"]
    assert answer.headers["ETag"] == '"1"' and body["version"] == 1
    assert answer.headers["Location"] == f"http://testserver/api/v1/resources/{rid}"
    assert answer.headers["Cache-Control"] == "private"
    assert body == client.get(f"/api/v1/resources/{rid}", headers=coordinator).json()
    assert (body["kind"], body["services"]) == ("hospital", ["dialysis", "emergency"])
    assert body["phones"] == ["021-55550001", "021-55550002"]  # as an import reads them
    store = client.app.state.context.store
    [district] = store.find_units(name="浦东新区")
    assert body["district_id"] == district.id
    assert store.get_unit(body["street_id"]).name == "塘桥街道"  # the gazetteer's answer
    assert (body["precision"], body["location_verified"]) == ("district", False)
    assert [s["state"] for s in body["statuses"]] == ["unknown", "unknown"]
    assert hospitals(client) == before + 1
    [created] = client.get(f"/api/v1/resources/{rid}/edits", headers=coordinator).json()
    assert (created["action"], created["changed_by"], created["source"]) == (
        "created", "协调员", "workspace",
    )  # fmt: skip
    assert created["changes"]["name"] == [None, "测试新医院"]
    assert created["changes"]["services"] == [None, ["dialysis", "emergency"]]


@pytest.mark.parametrize(
    "location",
    [
        {"lon": 121.5, "lat": 31.23},
        {"lon": from_wgs84(121.5, 31.23, "gcj02")[0], "lat": from_wgs84(121.5, 31.23, "gcj02")[1],
         "crs": "gcj02"},
        {"link": "https://uri.amap.com/marker?position={:.6f},{:.6f}".format(
            *from_wgs84(121.5, 31.23, "gcj02"))},
    ],
    ids=["wgs84", "gcj02", "amap link"],
)  # fmt: skip
def test_a_given_location_is_kept_exact_and_verified(client: TestClient, location: dict):
    answer = add(client, {"name": "定点医院", "location": location})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["precision"], body["location_verified"]) == ("exact", True)
    assert abs(body["lon"] - 121.5) < 1e-5 and abs(body["lat"] - 31.23) < 1e-5
    assert client.app.state.context.store.get_unit(body["district_id"]).name == "浦东新区"


def test_without_a_findable_address_it_goes_to_its_district_point(client: TestClient):
    answer = add(client, {"name": "无名小医院", "district": "闸北区", "address": "某某路"})
    assert answer.status_code == 201, answer.text
    body = answer.json()
    jingan = client.app.state.context.store.get_unit(body["district_id"])
    assert jingan.name == "静安区"  # 闸北区 is a former name of it
    assert (body["lon"], body["lat"], body["precision"]) == (jingan.lon, jingan.lat, "district")
    by_id = add(client, {"name": "另一家小医院", "district": jingan.id})
    assert by_id.status_code == 201 and by_id.json()["district_id"] == jingan.id


def test_html_in_a_name_is_stored_and_returned_as_plain_text(client: TestClient):
    name = '<img src=x onerror="alert(1)">仁<b>爱</b>'
    answer = add(client, {"name": name, "district": "黄浦区", "aliases": ["<script>x</script>"]})
    assert answer.status_code == 201, answer.text
    read = client.get(f"/api/v1/resources/{answer.json()['id']}").json()
    assert (read["name"], read["aliases"]) == (name, ["<script>x</script>"])


NEAR_RUIJIN = {"lon": RUIJIN[0] + 0.001, "lat": RUIJIN[1]}
"""About 95 m east of 瑞金医院."""
DUPLICATES = {
    "an alias, in another district": ({"name": "瑞金医院", "district": "浦东新区"}, "same_name"),
    "the name, spaced": ({"name": "上海交通大学医学院附属　瑞金医院", "district": "黄浦区"},
                         "same_name"),
    "a phone, written otherwise": (
        {"name": "新的诊所", "district": "浦东新区", "phones": ["+86 21 6437 0045"]},
        "same_phone",
    ),
    "a similar name nearby": (
        {"name": "上海瑞金医院（急诊部）", "location": NEAR_RUIJIN}, "similar_name_nearby",
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", DUPLICATES)
def test_a_possible_duplicate_is_a_409_and_nothing_is_stored(client: TestClient, case: str):
    body, why = DUPLICATES[case]
    before = hospitals(client)
    answer = add(client, body)
    assert answer.status_code == 409, answer.text
    error = answer.json()["error"]
    assert error["code"] == "possible_duplicates"
    [found] = error["duplicates"]
    assert {k: found[k] for k in ("id", "name", "address", "phones", "why")} == {
        "id": 1, "name": "上海交通大学医学院附属瑞金医院", "address": "瑞金二路197号",
        "phones": ["021-64370045"], "why": why,
    }  # fmt: skip
    if "location" in body:
        assert 80 <= found["distance_m"] <= 110
    assert hospitals(client) == before
    checked = client.post("/api/v1/resources/duplicates", json=body,
                          headers=bearer(client, Role.coordinator))  # fmt: skip
    assert checked.status_code == 200, checked.text
    assert checked.json() == {"duplicates": error["duplicates"]}
    assert hospitals(client) == before
    allowed = add(client, body | {"allow_duplicates": True})
    assert allowed.status_code == 201, allowed.text
    assert hospitals(client) == before + 1


def test_a_similar_name_far_away_and_an_unplaced_one_are_no_duplicates(client: TestClient):
    coordinator = bearer(client, Role.coordinator)
    far = {"name": "上海瑞金医院（急诊部）", "location": {"lon": 121.5, "lat": 31.25}}
    checked = client.post("/api/v1/resources/duplicates", json=far, headers=coordinator)
    assert checked.status_code == 200 and checked.json() == {"duplicates": []}
    unplaced = client.post("/api/v1/resources/duplicates", json={"name": "瑞金医院"},
                           headers=coordinator)  # fmt: skip
    [same] = unplaced.json()["duplicates"]
    assert (same["id"], same["why"], same["distance_m"]) == (1, "same_name", None)
    assert add(client, far).status_code == 201


TOO_LONG = "医" * 201
BAD = {
    "unknown district": ({"name": "x医院", "district": "火星区"}, "unknown_district"),
    "a street's id as district": ({"name": "x医院", "district": "STREET"}, "unknown_district"),
    "no such unit": ({"name": "x医院", "district": 2_000_000}, "unknown_district"),
    "unknown service": ({"name": "x医院", "district": "黄浦区", "services": ["x光"]},
                        "unknown_service"),
    "nowhere to put it": ({"name": "x医院", "address": "某某路"}, "cannot_locate"),
    "outside the city": ({"name": "x医院", "location": {"lon": 116.4, "lat": 39.9}},
                         "outside_area"),
    "swapped": ({"name": "x医院", "location": {"lon": 31.23, "lat": 121.5}},
                "swapped_coordinates"),
    "short link": ({"name": "x医院", "location": {"link": "https://surl.amap.com/3sXk"}},
                   "short_link"),
    "both forms of location": ({"name": "x医院", "location": {"lon": 121.5, "lat": 31.2,
                                "link": "x"}}, "invalid_request"),
    "name too long": ({"name": TOO_LONG, "district": "黄浦区"}, "invalid_request"),
    "blank name": ({"name": "\u200b \u202e", "district": "黄浦区"}, "invalid_request"),
    "not a phone": ({"name": "x医院", "district": "黄浦区", "phones": ["call me"]},
                    "invalid_request"),
    "the city's hotline": ({"name": "x医院", "district": "黄浦区", "phones": ["12345"]},
                           "invalid_request"),
    "a number too long": ({"name": "x医院", "district": "黄浦区",
                           "phones": ["021-663005888888"]}, "invalid_request"),
    "two phones in one": ({"name": "x医院", "district": "黄浦区",
                           "phones": ["021-64370045、021-64370046"]}, "invalid_request"),
    "too many phones": ({"name": "x医院", "district": "黄浦区", "phones": ["12345"] * 11},
                        "invalid_request"),
    "address too long": ({"name": "x医院", "district": "黄浦区", "address": "路" * 301},
                         "invalid_request"),
    "unknown field": ({"name": "x医院", "district": "黄浦区", "level": "三级"},
                      "invalid_request"),
    "no name": ({"district": "黄浦区"}, "invalid_request"),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD)
def test_bad_hospitals_are_precise_422s_and_store_nothing(client: TestClient, case: str):
    body, code = BAD[case]
    if body.get("district") == "STREET":
        body = body | {"district": client.app.state.context.store.find_units(level="street")[0].id}
    before = hospitals(client)
    coordinator = bearer(client, Role.coordinator)
    for path in ("/api/v1/resources", "/api/v1/resources/duplicates"):
        answer = client.post(path, json=body, headers=coordinator)
        if code == "cannot_locate" and path.endswith("duplicates"):
            assert answer.status_code == 200  # nothing to compare by place: names and phones
            continue
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["code"] == code, answer.text
    assert hospitals(client) == before


def test_only_coordinators_add_or_check_hospitals(client: TestClient):
    body = {"name": "权限医院", "district": "黄浦区"}
    for path in ("/api/v1/resources", "/api/v1/resources/duplicates"):
        assert client.post(path, json=body).status_code == 401
        for role in (Role.volunteer, Role.verifier):
            refused = client.post(path, json=body, headers=bearer(client, role))
            assert refused.status_code == 403, refused.text
    assert client.get("/api/v1/resources", params={"name": "权限医院"}).json() == []
    assert add(client, body, bearer(client, Role.admin)).status_code == 201


def test_a_body_over_the_limit_is_a_413(client: TestClient):
    body = {
        "name": "x医院",
        "district": "黄浦区",
        "aliases": ["别" * 100] * 20,
        "address": "路" * 300,
        "location": {"link": "x" * 2000},
        "note": "x" * 20_000,
    }
    answer = add(client, body)
    assert answer.status_code == 413, answer.text
