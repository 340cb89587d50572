"""Learning addresses from the deployment's own places, on a real store: a verifier's
placement is learned and a correction replaces it; an import teaches the sheet's points
but not the gazetteer's; a help request's address never becomes a learned point; a
rebuild derives the same rows again and drops those that teach nothing now."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import LearnedFrom, Precision, Role, SourceCrs
from app.domain.records import NewResource
from app.geo.crs import gcj02_to_wgs84
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.registry import build_chain
from app.services.address_learning import learned_from_resource, rebuild
from app.services.imports.plan import apply_import, plan_import
from app.services.imports.read import read_table
from app.storage.port import Store
from tests.api.help import ask
from tests.api.test_hospital_writes import any_client  # noqa: F401
from tests.api.test_location_api import bearer, place

RUIJIN = {"lon": 121.4684, "lat": 31.2117, "crs": "wgs84"}
CORRECTED = {"lon": 121.4690, "lat": 31.2121, "crs": "wgs84"}
SHEET = """名称,区,地址,经度,纬度,坐标系
坐标医院,浦东新区,浦电路221号,121.523775,31.218517,GCJ02
地名医院,浦东新区,张东路2281弄,,,
"""


def _learned(store: Store) -> list:
    return [replace(p, learned_at=None) for p in store.iter_learned()]


def test_a_placed_hospital_is_learned_as_verified_and_a_correction_replaces_it(
    client: TestClient,
):
    store = client.app.state.context.store
    verifier = bearer(client, Role.verifier)
    assert place(client, RUIJIN, verifier).status_code == 200
    [point] = store.iter_learned()
    hospital = store.get_resource(1)
    assert (point.source, point.resource_id, point.origin) == (LearnedFrom.verified, 1, "resource")
    assert (point.road, point.house_number, point.house_text) == ("瑞金二路", 197, "197号")
    assert point.district_id == hospital.district_id
    assert (point.lon, point.lat) == (RUIJIN["lon"], RUIJIN["lat"])
    version = store.learned_version()
    assert place(client, CORRECTED, verifier).status_code == 200
    [corrected] = store.iter_learned()
    assert (corrected.lon, corrected.lat) == (CORRECTED["lon"], CORRECTED["lat"])
    assert corrected.resource_id == 1 and store.learned_version() != version


def test_a_placement_stands_when_its_house_number_is_too_long_to_learn(client: TestClient):
    store = client.app.state.context.store
    coordinator = bearer(client, Role.coordinator, "协调员") | {
        "If-Match": client.get("/api/v1/resources/1").headers["ETag"]
    }
    overlong = {"address": "瑞金二路" + "9" * 30 + "号"}
    patched = client.patch("/api/v1/resources/1", json=overlong, headers=coordinator)
    assert patched.status_code == 200
    assert place(client, RUIJIN, bearer(client, Role.verifier)).status_code == 200
    assert list(store.iter_learned()) == []


def test_an_import_teaches_the_sheets_points_and_not_the_gazetteers(
    seeded_store: Store, settings: Settings
):
    chain = build_chain(settings, seeded_store, online=False)
    plan = plan_import(seeded_store, chain, read_table(SHEET.encode(), "list.csv"),
                       "hospitals", "list.csv")  # fmt: skip
    assert [row.located_by for row in plan.rows] == ["coordinates", "gazetteer"]
    assert apply_import(seeded_store, plan)["addresses_learned"] == 1
    [point] = seeded_store.iter_learned()
    assert (point.source, point.road, point.house_number) == (LearnedFrom.sheet, "浦电路", 221)
    assert point.source_crs is SourceCrs.gcj02
    wgs = gcj02_to_wgs84(121.523775, 31.218517)
    assert (point.lon, point.lat) == pytest.approx(wgs, abs=1e-6)
    assert "张东路" not in {p.road for p in seeded_store.iter_learned()}


def test_a_help_request_and_geocode_queries_teach_nothing(client: TestClient, clock):
    store = client.app.state.context.store
    assert place(client, RUIJIN, bearer(client, Role.verifier)).status_code == 200
    client.get("/api/v1/geocode", params={"q": "黄浦区"})  # the store's resources, learned once
    assert store.resources_learned()
    before, version = _learned(store), store.learned_version()
    ask(client, clock.now, location={"address": "浦东新区浦电路221号"})
    for query in ("浦东新区浦电路221号", "黄浦区瑞金二路199号"):
        assert client.get("/api/v1/geocode", params={"q": query}).status_code == 200
    assert _learned(store) == before and store.learned_version() == version


def test_only_exact_points_of_place_addresses_are_learned(seeded_store: Store):
    index = GazetteerIndex.from_store(seeded_store)
    pudong = index.district("浦东新区")
    new = NewResource(kind="hospital", name="某医院", lon=121.5194, lat=31.2206,
                      precision=Precision.exact, district_id=pudong.id, address="浦电路221号",
                      source="import list.csv row 2")  # fmt: skip
    sheet = seeded_store.add_resource(new)
    assert learned_from_resource(sheet, index).source is LearnedFrom.sheet
    answered = seeded_store.add_resource(replace(new, name="另一医院", source=None))
    assert learned_from_resource(answered, index).source is LearnedFrom.provider
    for refused in (
        replace(new, name="近似医院", precision=Precision.approximate),
        replace(new, name="无号医院", address="浦电路"),
        replace(new, name="区点医院", lon=pudong.lon, lat=pudong.lat),  # a fallback point
        replace(new, name="室医院", address="浦电路221号302室"),  # a flat, not a place
        replace(new, name="户医院", address="浦电路221号5号302"),
        replace(new, name="楼医院", address="浦电路221号3号楼东室"),
    ):
        assert learned_from_resource(seeded_store.add_resource(refused), index) is None
    village = seeded_store.add_resource(replace(new, name="村医院", address="曹路镇建新村"))
    assert learned_from_resource(village, index).place is not None


def test_a_rebuild_derives_the_same_rows_and_drops_stale_ones(any_client: TestClient):  # noqa: F811
    client = any_client
    store = client.app.state.context.store
    index = GazetteerIndex.from_store(store)
    assert place(client, RUIJIN, bearer(client, Role.verifier)).status_code == 200
    learned = _learned(store)
    assert rebuild(store, index).resources == 1
    assert [replace(p, id=None) for p in _learned(store)] == [replace(p, id=None) for p in learned]
    hospital = store.get_resource(1)
    store.update_resource(1, hospital.version, address=None)  # teaches nothing now
    assert rebuild(store, index).resources == 0
    assert list(store.iter_learned()) == []


def _edit(client: TestClient, body: dict, rid: int = 1):
    headers = bearer(client, Role.coordinator) | {
        "If-Match": client.get(f"/api/v1/resources/{rid}").headers["ETag"]
    }
    return client.patch(f"/api/v1/resources/{rid}", json=body, headers=headers)


def test_an_edited_address_or_district_is_learned_again(any_client: TestClient):  # noqa: F811
    client, store = any_client, any_client.app.state.context.store
    assert place(client, RUIJIN, bearer(client, Role.verifier)).status_code == 200
    assert _edit(client, {"address": "瑞金二路199号"}).status_code == 200
    [point] = store.iter_learned()
    assert (point.resource_id, point.road, point.house_number) == (1, "瑞金二路", 199)
    assert _edit(client, {"name": "瑞金医院总院"}).status_code == 200  # teaches the same
    assert [p.house_number for p in store.iter_learned()] == [199]
    assert _edit(client, {"district": "浦东新区"}).status_code == 200
    [moved] = store.iter_learned()
    assert moved.district_id == store.find_units(name="浦东新区")[0].id
    assert _edit(client, {"address": "浦电路"}).status_code == 200  # no number: nothing
    assert list(store.iter_learned()) == []


def test_a_hospital_added_at_a_location_is_learned_and_one_the_chain_placed_is_not(
    any_client: TestClient,  # noqa: F811
):
    client, store = any_client, any_client.app.state.context.store
    coordinator = bearer(client, Role.coordinator)
    body = {"name": "定点医院", "district": "浦东新区", "address": "浦电路221号",
            "location": {"lon": 121.5194, "lat": 31.2206}}  # fmt: skip
    added = client.post("/api/v1/resources", json=body, headers=coordinator)
    assert added.status_code == 201, added.text
    [point] = store.iter_learned()
    assert (point.source, point.resource_id) == (LearnedFrom.verified, added.json()["id"])
    assert (point.road, point.house_number, point.lon) == ("浦电路", 221, 121.5194)
    found = {"name": "查到医院", "district": "浦东新区", "address": "塘桥街道蓝村路100号"}
    assert client.post("/api/v1/resources", json=found, headers=coordinator).status_code == 201
    assert [p.resource_id for p in store.iter_learned()] == [point.resource_id]
