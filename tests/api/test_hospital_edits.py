"""Correcting a hospital by hand: versioned like every write (428, 412 with the resource),
each change recorded with who, when and from where and read back by volunteers only;
renames and new phones that duplicate another hospital held back; a service with a
status kept; a change of district; cookie sessions from our page only. The main path runs
on SQLite and PostGIS."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Role
from tests.api.test_hospital_writes import any_client, bearer  # noqa: F401
from tests.api.test_sessions_api import PAGE, signed_in


def etag(client: TestClient, rid: int) -> str:
    return client.get(f"/api/v1/resources/{rid}").headers["ETag"]


def patch(client: TestClient, rid: int, body: dict, headers: dict, version: str | None = None):
    tag = version or etag(client, rid)
    return client.patch(f"/api/v1/resources/{rid}", json=body,
                        headers=headers | {"If-Match": tag})  # fmt: skip


def edits(client: TestClient, rid: int) -> list[dict]:
    answer = client.get(f"/api/v1/resources/{rid}/edits", headers=bearer(client, Role.volunteer))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_an_edit_is_versioned_recorded_and_read_back(any_client: TestClient):  # noqa: F811
    client = any_client
    coordinator = bearer(client, Role.coordinator, "协调员")
    before = client.get("/api/v1/resources/2").json()
    change = {"name": "仁济医院西院", "address": "山东中路145号（门诊）",
              "phones": ["021-55550123"], "name_en": None}  # fmt: skip
    answer = patch(client, 2, change, coordinator)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["version"] == before["version"] + 1
    assert answer.headers["ETag"] == f'"{body["version"]}"'
    assert (body["name"], body["phones"], body["name_en"]) == (
        "仁济医院西院", ["021-55550123"], None,
    )  # fmt: skip
    assert body == client.get("/api/v1/resources/2", headers=coordinator).json()
    [edit] = edits(client, 2)
    assert (edit["action"], edit["changed_by"], edit["source"], edit["resource_version"]) == (
        "edited", "协调员", "api", body["version"],
    )  # fmt: skip
    assert edit["changes"] == {
        "name": [before["name"], "仁济医院西院"],
        "name_en": [before["name_en"], None],
        "address": ["山东中路145号", "山东中路145号（门诊）"],
        "phones": [[], ["021-55550123"]],
    }
    same = patch(client, 2, {"name": "仁济医院西院", "phones": ["021-55550123"]}, coordinator)
    assert same.status_code == 200 and same.json()["version"] == body["version"]  # no-op
    assert len(edits(client, 2)) == 1
    stale = patch(client, 2, {"name": "lost"}, coordinator, version=f'"{before["version"]}"')
    assert stale.status_code == 412, stale.text
    assert stale.headers["ETag"] == f'"{body["version"]}"'
    conflict = stale.json()
    assert conflict["error"]["code"] == "version_conflict"
    assert conflict["current"]["name"] == "仁济医院西院"  # what changed, to show
    assert client.get("/api/v1/resources/2").json()["name"] == "仁济医院西院"


def test_a_write_needs_if_match_a_coordinator_and_a_known_resource(client: TestClient):
    coordinator = bearer(client, Role.coordinator)
    bare = client.patch("/api/v1/resources/2", json={"name": "x"}, headers=coordinator)
    assert bare.status_code == 428
    for role in (Role.volunteer, Role.verifier):
        assert patch(client, 2, {"name": "x"}, bearer(client, role)).status_code == 403
    assert client.patch("/api/v1/resources/2", json={"name": "x"},
                        headers={"If-Match": '"1"'}).status_code == 401  # fmt: skip
    assert patch(client, 9999, {"name": "x"}, coordinator, '"1"').status_code == 404
    assert client.get("/api/v1/resources/9999/edits",
                      headers=bearer(client, Role.volunteer)).status_code == 404  # fmt: skip
    assert client.get("/api/v1/resources/2").json()["name"] != "x"
    assert edits(client, 2) == []


def test_the_record_names_people_and_so_is_never_public(client: TestClient):
    patch(client, 3, {"address": "制造局路639号甲"}, bearer(client, Role.coordinator, "协调员"))
    assert client.get("/api/v1/resources/3/edits").status_code == 401
    [edit] = edits(client, 3)
    assert edit["changed_by"] == "协调员"
    public = client.get("/api/v1/resources/3").text
    assert "协调员" not in public


BAD = {
    "null name": ({"name": None}, "invalid_request"),
    "null phones": ({"phones": None}, "invalid_request"),
    "name too long": ({"name": "医" * 201}, "invalid_request"),
    "unknown field": ({"lon": 121.5}, "invalid_request"),
    "unknown service": ({"services": ["dialysis", "x光"]}, "unknown_service"),
    "unknown district": ({"district": "火星区"}, "unknown_district"),
    "not a phone": ({"phones": ["<script>"]}, "invalid_request"),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_edits_are_precise_422s_and_change_nothing(client: TestClient, case: str):
    body, code = BAD[case]
    before = client.get("/api/v1/resources/2").json()
    answer = patch(client, 2, body, bearer(client, Role.coordinator))
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["code"] == code
    assert client.get("/api/v1/resources/2").json() == before
    assert edits(client, 2) == []


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"name": "瑞金医院"}, "same_name"),  # 瑞金医院's alias
        ({"aliases": ["上海交通大学医学院附属瑞金医院"]}, "same_name"),
        ({"phones": ["64370045"]}, "same_phone"),
    ],
)
def test_an_edit_that_duplicates_another_hospital_is_a_409(client: TestClient, body, why):
    coordinator = bearer(client, Role.coordinator)
    before = client.get("/api/v1/resources/2").json()
    refused = patch(client, 2, body, coordinator)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["code"] == "possible_duplicates"
    assert [(d["id"], d["why"]) for d in error["duplicates"]] == [(1, why)]
    assert client.get("/api/v1/resources/2").json() == before
    allowed = patch(client, 2, body | {"allow_duplicates": True}, coordinator)
    assert allowed.status_code == 200, allowed.text
    again = patch(client, 2, {"address": "山东中路145号甲"}, coordinator)
    assert again.status_code == 200, again.text  # a known duplicate is no news


def test_a_service_with_a_status_stays_listed(client: TestClient):
    coordinator = bearer(client, Role.coordinator)
    volunteer = bearer(client, Role.volunteer)
    reported = client.put("/api/v1/resources/1/status/dialysis", json={"state": "open"},
                          headers=volunteer | {"If-Match": etag(client, 1)})  # fmt: skip
    assert reported.status_code == 200, reported.text
    services = client.get("/api/v1/resources/1").json()["services"]
    without = [s for s in services if s not in ("dialysis", "pharmacy")]
    refused = patch(client, 1, {"services": without}, coordinator)
    assert refused.status_code == 409, refused.text
    assert refused.json()["error"]["code"] == "service_has_status"
    assert "dialysis" in refused.json()["error"]["message"]
    assert client.get("/api/v1/resources/1").json()["services"] == services
    kept = patch(client, 1, {"services": [*without, "血透"]}, coordinator)
    assert kept.status_code == 200, kept.text  # pharmacy, never reported, goes
    assert kept.json()["services"] == [*without, "dialysis"]
    [edit] = edits(client, 1)
    assert edit["changes"] == {"services": [services, [*without, "dialysis"]]}


def test_a_new_district_clears_the_old_units_and_moves_a_district_point(client: TestClient):
    coordinator = bearer(client, Role.coordinator)
    added = client.post("/api/v1/resources", headers=coordinator, json={
        "name": "搬迁医院", "district": "浦东新区", "address": "塘桥街道蓝村路1号",
    }).json()  # fmt: skip
    assert added["street_id"] is not None and added["precision"] == "district"
    moved = patch(client, added["id"], {"district": "徐汇区"}, coordinator)
    assert moved.status_code == 200, moved.text
    xuhui = client.app.state.context.store.find_units(name="徐汇区")[0]
    body = moved.json()
    assert (body["district_id"], body["street_id"]) == (xuhui.id, None)
    assert (body["lon"], body["lat"], body["precision"]) == (xuhui.lon, xuhui.lat, "district")
    assert set(edits(client, added["id"])[0]["changes"]) == {"district_id", "street_id", "lon",
                                                             "lat"}  # fmt: skip
    placed = client.app.state.context.store.get_resource(1)  # a point of its own stays
    patch(client, 1, {"district": "徐汇区"}, coordinator)
    after = client.get("/api/v1/resources/1").json()
    assert (after["lon"], after["lat"], after["district_id"]) == (placed.lon, placed.lat, xuhui.id)


def test_adding_a_service_is_recorded_too(client: TestClient):
    coordinator = bearer(client, Role.coordinator, "协调员")
    answer = client.put("/api/v1/resources/2/services/产科", headers=coordinator)
    assert answer.status_code == 200, answer.text
    [edit] = edits(client, 2)
    assert edit["changes"]["services"][1][-1] == "maternity"
    assert edit["changed_by"] == "协调员"


def test_a_session_edits_from_our_page_only_and_is_named_in_the_record(client: TestClient):
    signed_in(client, "coordinator")  # 王阿姨's session cookie
    before = client.get("/api/v1/resources/2").json()
    for headers in ({"Origin": "https://evil.example", "X-Aidmap-Page": "1"}, {}):
        refused = patch(client, 2, {"name": "被改的名字"}, headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "cross_site"
        added = client.post("/api/v1/resources", json={"name": "跨站医院", "district": "黄浦区"},
                            headers=headers)  # fmt: skip
        assert added.status_code == 403
    assert client.get("/api/v1/resources/2").json() == before
    assert client.get("/api/v1/resources", params={"name": "跨站医院"}).json() == []
    page = PAGE | {"X-Aidmap-Source": "workspace"}
    assert patch(client, 2, {"name": "仁济西院"}, page).status_code == 200
    [edit] = client.get("/api/v1/resources/2/edits").json()  # the cookie reads it too
    assert (edit["changed_by"], edit["source"]) == ("王阿姨", "workspace")
