"""CQL2 filters, property filters and ``datetime`` evaluated in SQL give the same ids on
SQLite and PostGIS: a conformance table of expressions in text and JSON over hospitals
(points), districts and streets (outlines); and each layer's extent holds every feature."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import cql2
import pytest

from app.domain.enums import Level, Precision
from app.domain.layers import Area
from app.domain.records import SeedData, UnitRecord
from app.domain.statuses import State, StatusReport
from app.services.layers import COLLECTIONS
from app.services.ogc_filters import parse_datetime, parse_filter
from app.storage.port import Store
from tests.storage.test_store_contract import SERVICES, _hospital


def _square(west: float, south: float, east: float, north: float) -> dict:
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


UNITS = [
    UnitRecord("310101000000", Level.district, "黄浦区", "区", None, 121.45, 31.25,
               Precision.district, "Huangpu", _square(121.40, 31.20, 121.50, 31.30)),
    UnitRecord("310115000000", Level.district, "浦东新区", "区", None, 121.60, 31.25,
               Precision.district, "Pudong", _square(121.50, 31.20, 121.70, 31.30)),
    UnitRecord("310101001000", Level.street, "南京东路街道", "街道", "310101000000", 121.425,
               31.225, Precision.street, None, _square(121.40, 31.20, 121.45, 31.25)),
    UnitRecord("310101001001", Level.committee, "某居委会", "居委会", "310101001000", 121.42,
               31.22, Precision.committee),
]  # fmt: skip
HOSPITALS = [
    ("h1", "瑞金医院", "Ruijin Hospital", "瑞金二路197号", 121.46, 31.21, "310101000000"),
    ("h2", "华山医院", "Huashan hospital", None, 121.44, 31.22, "310101000000"),
    ("h3", "仁济医院", None, "浦建路160号", 121.55, 31.25, "310115000000"),
    ("h4", "东方医院", "EAST Hospital", "即墨路150号", 121.60, 31.29, "310115000000"),
    ("h5", "Test_Clinic%", "test_clinic", "*?[x]", 121.30, 31.10, None),
]
STATUSES = [  # ref, service, state, reported_at
    ("h1", "dialysis", State.open, "2024-03-01T10:00:00+00:00"),
    ("h2", "emergency", State.closed, "2024-06-01T00:00:00+00:00"),
    ("h3", "dialysis", State.limited, "2024-01-15T00:00:00+00:00"),
    ("h3", "emergency", State.open, "2024-02-01T00:00:00+00:00"),
]
BOX_D1 = "BBOX(121.40, 31.20, 121.50, 31.30)"
TRIANGLE = "POLYGON((121.43 31.20, 121.62 31.20, 121.62 31.29, 121.43 31.20))"

# (collection, filter in cql2-text, expected feature names); every row is also sent as
# cql2-json (the text's tree, as ``cql2`` writes it).
TABLE = [
    ("hospitals", "name = '瑞金医院'", {"瑞金医院"}),
    ("hospitals", "name <> '瑞金医院' AND district_id IS NOT NULL",
     {"华山医院", "仁济医院", "东方医院"}),
    ("hospitals", "id < 3", {"瑞金医院", "华山医院"}),
    ("hospitals", "id <= 3 AND id > 1", {"华山医院", "仁济医院"}),
    ("hospitals", "id >= 4", {"东方医院", "Test_Clinic%"}),
    ("hospitals", "id BETWEEN 2 AND 3", {"华山医院", "仁济医院"}),
    ("hospitals", "id IN (1, 4, 99)", {"瑞金医院", "东方医院"}),
    ("hospitals", "id NOT IN (1, 4)", {"华山医院", "仁济医院", "Test_Clinic%"}),
    ("hospitals", "address IS NULL", {"华山医院"}),
    ("hospitals", "name_en IS NULL OR location_verified = true", {"仁济医院", "东方医院"}),
    ("hospitals", "name LIKE '%医院'", {"瑞金医院", "华山医院", "仁济医院", "东方医院"}),
    ("hospitals", "name_en LIKE '%Hospital'", {"瑞金医院", "东方医院"}),
    ("hospitals", "name_en LIKE '%hospital'", {"华山医院"}),
    ("hospitals", "name_en LIKE 'H_ashan%'", {"华山医院"}),
    ("hospitals", r"name LIKE 'Test\_Clinic\%'", {"Test_Clinic%"}),
    ("hospitals", "name LIKE 'Test_Clinic_'", {"Test_Clinic%"}),
    ("hospitals", "address LIKE '*?[x]'", {"Test_Clinic%"}),
    ("hospitals", "address LIKE '%路%'", {"瑞金医院", "仁济医院", "东方医院"}),
    ("hospitals", "CASEI(name_en) LIKE CASEI('%hospital')", {"瑞金医院", "华山医院", "东方医院"}),
    ("hospitals", "CASEI(name_en) = CASEI('east HOSPITAL')", {"东方医院"}),
    ("hospitals", "NOT (district_id IS NULL) AND precision = 'approximate'",
     {"瑞金医院", "华山医院", "仁济医院", "东方医院"}),
    ("hospitals", "version = 1 AND 3 < id", {"东方医院", "Test_Clinic%"}),
    ("hospitals", "status_time < TIMESTAMP('2024-02-15T00:00:00Z')", {"仁济医院"}),
    ("hospitals", "status_time > '2024-02-15T00:00:00Z' AND status_time < '2025-01-01T00:00:00Z'",
     {"瑞金医院", "华山医院"}),
    ("hospitals", "T_BEFORE(status_time, TIMESTAMP('2024-03-01T10:00:00Z'))", {"仁济医院"}),
    ("hospitals", "T_AFTER(status_time, TIMESTAMP('2024-03-01T10:00:00Z')) AND id < 4",
     {"华山医院"}),
    ("hospitals", "T_EQUALS(status_time, TIMESTAMP('2024-06-01T00:00:00Z'))", {"华山医院"}),
    ("hospitals",
     "T_INTERSECTS(status_time, INTERVAL('2024-01-01T00:00:00Z', '2024-03-02T00:00:00Z'))",
     {"瑞金医院", "仁济医院"}),
    ("hospitals", "T_INTERSECTS(status_time, INTERVAL('..', '2024-03-01T10:00:00Z'))",
     {"瑞金医院", "仁济医院"}),
    ("hospitals", "status_time < DATE('2024-03-01')", {"仁济医院"}),
    ("hospitals", "updated > TIMESTAMP('2000-01-01T00:00:00Z')",
     {"瑞金医院", "华山医院", "仁济医院", "东方医院", "Test_Clinic%"}),
    ("hospitals", f"S_INTERSECTS(geometry, {BOX_D1})", {"瑞金医院", "华山医院"}),
    ("hospitals", f"S_WITHIN(geometry, {TRIANGLE})", {"瑞金医院", "仁济医院"}),
    ("hospitals", f"S_INTERSECTS(geometry, {TRIANGLE}) AND name_en IS NOT NULL", {"瑞金医院"}),
    ("hospitals", f"S_DISJOINT(geometry, {TRIANGLE})", {"华山医院", "东方医院", "Test_Clinic%"}),
    ("hospitals", "S_INTERSECTS(geometry, POINT(121.44 31.22))", {"华山医院"}),
    ("hospitals", "S_DWITHIN(geometry, POINT(121.463 31.21), 500)", {"瑞金医院"}),
    ("hospitals", "S_DWITHIN(geometry, POINT(121.463 31.21), 3000)", {"瑞金医院", "华山医院"}),
    ("hospitals", "S_DWITHIN(geometry, LINESTRING(121.55 31.245, 121.60 31.245), 1000)",
     {"仁济医院"}),
    ("districts", "S_INTERSECTS(geometry, POINT(121.46 31.21))", {"黄浦区"}),
    ("districts", "S_INTERSECTS(geometry, POINT(121.50 31.25))", {"黄浦区", "浦东新区"}),
    ("districts", "S_WITHIN(geometry, BBOX(121.39, 31.19, 121.51, 31.31))", {"黄浦区"}),
    ("districts", "S_CONTAINS(geometry, POINT(121.6 31.25))", {"浦东新区"}),
    ("districts", f"S_INTERSECTS(geometry, {TRIANGLE}) AND name_en LIKE 'P%'", {"浦东新区"}),
    ("districts", "S_DWITHIN(geometry, POINT(121.38 31.25), 1000)", set()),
    ("districts", "S_DWITHIN(geometry, POINT(121.38 31.25), 2500)", {"黄浦区"}),
    ("streets", "S_DWITHIN(geometry, POINT(121.38 31.25), 2500) AND code LIKE '3101%'",
     {"南京东路街道"}),
    ("streets", "S_INTERSECTS(geometry, POINT(121.46 31.21))", set()),
    ("districts", "S_TOUCHES(geometry, LINESTRING(121.50 31.22, 121.50 31.24))",
     {"黄浦区", "浦东新区"}),
    ("districts", "S_TOUCHES(geometry, POINT(121.46 31.21))", set()),
    ("streets", "S_CROSSES(geometry, LINESTRING(121.44 31.24, 121.46 31.24))", {"南京东路街道"}),
    ("districts", "S_CROSSES(geometry, LINESTRING(121.45 31.25, 121.48 31.25))", set()),
    ("districts", "S_OVERLAPS(geometry, BBOX(121.45, 31.25, 121.55, 31.35))",
     {"黄浦区", "浦东新区"}),
    ("streets", "S_OVERLAPS(geometry, BBOX(121.41, 31.21, 121.44, 31.24))", set()),
    ("streets", "S_EQUALS(geometry, POLYGON((121.40 31.20, 121.45 31.20, 121.45 31.25, "
     "121.40 31.25, 121.40 31.20)))", {"南京东路街道"}),
    ("hospitals", "S_EQUALS(geometry, POINT(121.55 31.25))", {"仁济医院"}),
    ("hospitals", f"S_CONTAINS(geometry, {BOX_D1}) OR S_TOUCHES(geometry, {BOX_D1})", set()),
    ("committees", "S_INTERSECTS(geometry, BBOX(121.41, 31.21, 121.43, 31.23))", {"某居委会"}),
    ("districts", "code IN ('310115000000') OR CASEI(name_en) = 'huangpu'", {"黄浦区", "浦东新区"}),
    ("districts", "parent_id IS NULL AND level = 'district'", {"黄浦区", "浦东新区"}),
]  # fmt: skip


@pytest.fixture
def filled(store: Store) -> Store:
    """Four units (two district outlines sharing an edge, a street outline, a committee
    point) and five hospitals, four with statuses at known times."""
    resources = [
        (_hospital(ref=ref, name=name, name_en=en, address=address, lon=lon, lat=lat,
                   location_verified=ref == "h4"), code)
        for ref, name, en, address, lon, lat, code in HOSPITALS
    ]  # fmt: skip
    seeded = [(new, code) for new, code in resources if code]
    store.seed(SeedData(services=SERVICES, units=UNITS, aliases=[], resources=seeded), "t")
    store.apply_resource_changes([new for new, code in resources if not code], [])
    ids = {v.resource.ref: v.resource.id for v in store.view_resources(limit=10)}
    for ref, service, state, at in STATUSES:
        version = store.view_resources(ids=[ids[ref]])[0].resource.version
        report = StatusReport(state, "v", reported_at=datetime.fromisoformat(at))
        store.set_status(ids[ref], service, report, version)
    return store


def _names(store: Store, collection_id: str, area: Area) -> set[str]:
    collection = COLLECTIONS[collection_id]
    if collection.kind is not None:
        _, views = store.resources_in(collection.kind, area, 100, 0)
        return {v.resource.name for v in views}
    _, units = store.units_in(collection.level, area, 100, 0)
    return {u.name for u in units}


def test_the_conformance_table_in_text_and_json(filled: Store):
    assert [v.resource.id for v in filled.view_resources(limit=10)] == [1, 2, 3, 4, 5]
    wrong = []
    for collection_id, text, expected in TABLE:
        collection = COLLECTIONS[collection_id]
        as_json = json.dumps(cql2.parse_text(text).to_json())
        for lang, given in (("cql2-text", text), ("cql2-json", as_json), ("cql-text", text)):
            where = parse_filter(given, lang, collection)
            found = _names(filled, collection_id, Area(where=where))
            if found != expected:
                wrong.append((collection_id, lang, text, sorted(found), sorted(expected)))
    assert not wrong, "\n".join(map(str, wrong))


def test_the_status_time_follows_the_service_asked(filled: Store):
    hospitals = COLLECTIONS["hospitals"]
    where = parse_filter("status_time < '2024-01-20T00:00:00Z'", None, hospitals)
    assert _names(filled, "hospitals", Area(where=where)) == set()
    dialysis = Area(where=where, service="dialysis", states=frozenset(State))
    assert _names(filled, "hospitals", dialysis) == {"仁济医院"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-01T00:00:00Z", {"华山医院"}),
        ("2024-06-01", {"华山医院"}),
        ("2024-01-01T00:00:00Z/2024-03-01T10:00:00Z", {"瑞金医院", "仁济医院"}),
        ("../2024-02-01T00:00:00Z", {"仁济医院"}),
        ("2024-03-01T10:00:00Z/..", {"瑞金医院", "华山医院", "东方医院", "Test_Clinic%"}),
        ("/2024-02-01T08:00:00+08:00", {"仁济医院"}),
        ("2020-01-01T00:00:00Z/2020-12-31T00:00:00Z", set()),
    ],
)
def test_datetime_instants_intervals_and_open_ends(filled: Store, text: str, expected: set):
    assert _names(filled, "hospitals", Area(during=parse_datetime(text))) == expected


def test_extents_hold_every_feature_and_differ_per_layer(filled: Store):
    hospitals = filled.layer_extent("hospital")
    west, south, east, north = hospitals.bbox
    assert (west, south, east, north) == (121.30, 31.10, 121.60, 31.29)
    first, last = hospitals.interval
    assert first == datetime(2024, 2, 1, tzinfo=UTC)
    assert last > datetime(2025, 1, 1, tzinfo=UTC)  # h4 and h5 have only updated_at
    assert filled.layer_extent("district").bbox == (121.40, 31.20, 121.70, 31.30)
    assert filled.layer_extent("district").interval is None
    assert filled.layer_extent("street").bbox == (121.40, 31.20, 121.45, 31.25)
    assert filled.layer_extent("committee").bbox == (121.42, 31.22, 121.42, 31.22)
    assert filled.layer_extent("office").bbox is None
