"""OGC API – Features Part 3 and 5 over HTTP on the bundled data: queryables and schemas as
typed JSON Schema, property filters and CQL2 selecting what the same test in Python
selects, 400 for every filter that cannot be applied, ``datetime``, and extents that hold
every feature of their collection."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point, box, shape

from app.api.routes_ogc_part3 import PART3_CONFORMANCE
from app.core.config import Settings
from app.main import create_app
from app.services.layers import COLLECTIONS
from app.services.ogc_filters import BadFilter, parse_filter
from tests.conftest import Clock

ITEMS = "/ogc/collections/{}/items"
TRIANGLE = "POLYGON((121.43 31.20, 121.62 31.20, 121.62 31.29, 121.43 31.20))"


def _all(client: TestClient, collection_id: str, **params) -> list[dict]:
    found, offset = [], 0
    while True:
        page = client.get(
            ITEMS.format(collection_id), params=params | {"limit": 1000, "offset": offset}
        )
        assert page.status_code == 200, page.text
        found += page.json()["features"]
        offset += 1000
        if offset >= page.json()["numberMatched"]:
            return found


def _ids(client: TestClient, collection_id: str, **params) -> list[int]:
    return [f["id"] for f in _all(client, collection_id, **params)]


@pytest.mark.parametrize("collection_id", list(COLLECTIONS))
def test_queryables_and_schema_are_typed_json_schema(client: TestClient, collection_id: str):
    for part in ("queryables", "schema"):
        response = client.get(f"/ogc/collections/{collection_id}/{part}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/schema+json"
        document = response.json()
        assert document["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert document["$id"].endswith(f"/ogc/collections/{collection_id}/{part}")
        assert document["properties"]["id"]["type"] == "integer"
        assert document["properties"]["geometry"]["x-ogc-role"] == "primary-geometry"
    assert response.json().get("additionalProperties") is None  # the schema: open
    queryables = client.get(f"/ogc/collections/{collection_id}/queryables").json()
    assert queryables["additionalProperties"] is False
    collection = client.get(f"/ogc/collections/{collection_id}").json()
    rels = {link["rel"]: link["href"] for link in collection["links"]}
    assert rels["http://www.opengis.net/def/rel/ogc/1.0/queryables"] == queryables["$id"]


@pytest.mark.parametrize("collection_id", ["hospitals", "districts", "committees"])
def test_every_property_a_feature_carries_is_in_its_schema(client: TestClient, collection_id):
    schema = client.get(f"/ogc/collections/{collection_id}/schema").json()["properties"]
    page = client.get(ITEMS.format(collection_id), params={"limit": 20}).json()
    assert page["features"]
    for feature in page["features"]:
        assert set(feature["properties"]) <= set(schema)
        for name, value in feature["properties"].items():
            kinds = schema[name]["type"]
            kinds = kinds if isinstance(kinds, list) else [kinds]
            python = {"integer": int, "string": str, "boolean": bool, "array": list,
                      "object": dict, "null": type(None)}  # fmt: skip
            assert isinstance(value, tuple(python[k] for k in kinds)), (name, value)


def test_property_filters_and_cql2_select_what_python_selects(client: TestClient):
    everything = _all(client, "hospitals")
    district = everything[len(everything) // 2]["properties"]["district_id"]
    in_district = [f["id"] for f in everything if f["properties"]["district_id"] == district]
    assert 0 < len(in_district) < len(everything)
    assert _ids(client, "hospitals", district_id=str(district)) == in_district
    named = [
        f["id"] for f in everything
        if f["properties"]["district_id"] == district and "医院" in f["properties"]["name"]
    ]  # fmt: skip
    text = f"name LIKE '%医院%' AND district_id = {district}"
    like = {"op": "like", "args": [{"property": "name"}, "%医院%"]}
    tree = {
        "op": "and",
        "args": [like, {"op": "=", "args": [{"property": "district_id"}, district]}],
    }
    for params in (
        {"filter": text},
        {"filter": f"({text.replace(' AND ', ') AND (')})", "filter-lang": "cql-text"},
        {"filter": json.dumps(tree, ensure_ascii=False), "filter-lang": "cql2-json"},
    ):
        assert _ids(client, "hospitals", **params) == named, params
    verified = [f["id"] for f in everything if f["properties"]["location_verified"]]
    assert _ids(client, "hospitals", location_verified="true") == verified


def test_clusters_count_what_the_same_filter_selects(client: TestClient):
    params = {
        "filter": "name LIKE '%医院%' AND S_INTERSECTS(geometry, BBOX(121.3, 31.1, 121.6, 31.4))"
    }
    matched = client.get(ITEMS.format("hospitals"), params=params | {"limit": 1}).json()
    clusters = client.get("/api/v1/layers/hospitals/clusters", params=params | {"zoom": 8})
    assert clusters.status_code == 200
    assert 0 < clusters.json()["pointCount"] == matched["numberMatched"]
    every = client.get(ITEMS.format("hospitals"), params={"limit": 1}).json()
    assert matched["numberMatched"] < every["numberMatched"]


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"filter": "name = "}, "not cql2-text"),
        ({"filter": "{bad", "filter-lang": "cql2-json"}, "not cql2-json"),
        ({"filter": '{"op": "=", "args": [1]}', "filter-lang": "cql2-json"}, "not cql2-json"),
        ({"filter": "this_is_not_a_queryable"}, "must be a condition"),
        ({"filter": "colour = 'red'"}, "not a queryable"),
        ({"filter": "district_id = 'three'"}, "not a valid integer"),
        ({"filter": "status_time > 'yesterday'"}, "not a valid date-time"),
        ({"filter": "name = 3"}, "not a valid string"),
        ({"filter": "location_verified < true"}, "booleans compare"),
        ({"filter": "name LIKE 3"}, "LIKE"),
        ({"filter": "name IS NULL", "filter-lang": "ecql"}, "filter-lang"),
        ({"filter-lang": "cql2-text"}, "without a filter"),
        ({"filter": "id = 1", "filter-crs": "EPSG:4326"}, "filter-crs"),
        ({"filter": "S_INTERSECTS(name, POINT(121 31))"}, "geometry property"),
        ({"filter": "S_INTERSECTS(geometry, POINT(200 31))"}, "CRS84"),
        ({"filter": "S_DWITHIN(geometry, POINT(121 31), 1e9)"}, "distance"),
        (
            {"filter": "S_WITHIN(geometry, POLYGON((121 31, 122 32, 122 31, 121 32, 121 31)))"},
            "not valid: Self-intersection",
        ),
        ({"filter": "S_WITHIN(geometry, 3)"}, "geometry literal"),
        ({"filter": "S_DWITHIN(geometry, POINT(121 31), 10, furlongs)"}, "S_DWITHIN takes"),
        ({"filter": "T_INTERSECTS(status_time, INTERVAL('2024-01-01', 'soon'))"}, "date-time"),
        ({"filter": "T_AFTER(name, TIMESTAMP('2024-01-01T00:00:00Z'))"}, "date-time property"),
        ({"filter": "id = NULL"}, "IS NULL"),
        ({"filter": "geometry IS NULL"}, "not the geometry"),
        ({"district_id": "three"}, "not a valid integer"),
        ({"location_verified": "maybe"}, "not a valid boolean"),
        ({"datetime": "yesterday"}, "RFC 3339"),
        ({"datetime": "2024-02-01T00:00:00Z/2024-01-01T00:00:00Z"}, "starts after"),
        ({"datetime": "../.."}, "at least one end"),
        ({"datetime": "9999-12-31"}, "RFC 3339"),
        ({"filter": "name = 'a\x00b'"}, "NUL"),
        ({"filter": "name LIKE 'a\x00%'"}, "NUL"),
        ({"name": "a\x00b"}, "NUL"),
        ({"datetime": "9999-12-31T23:59:59-14:00/.."}, "RFC 3339"),
        ({"filter": "updated < TIMESTAMP('0001-01-01T00:00:00+14:00')"}, "not a valid date-time"),
        # each of these crashed the parser's thread (the whole process) before it was bounded
        ({"filter": "NOT " * 4000 + "id = 1"}, "over 500 operators"),
        ({"filter": "(" * 2000 + "id = 1" + ")" * 2000}, "deeper than 20"),
        ({"filter": "id = " + "-" * 8000 + "1"}, "over 500 operators"),
        ({"filter": "NOT (" * 21 + "id = 1" + ")" * 21}, "deeper than 20"),
        ({"filter": f"id IN ({','.join(map(str, range(1001)))})"}, "over 1000 conditions"),
        (
            {"filter": " OR ".join([f"S_WITHIN(geometry, {TRIANGLE})"] * 5)},
            "over 4 geometry literals",
        ),
        ({"filter": " OR ".join(["name LIKE '%x%'"] * 33)}, "over 32 LIKE patterns"),
        (
            {"filter": " OR ".join(["status_time > TIMESTAMP('2030-01-01T00:00:00Z')"] * 5)},
            "status_time over 4 times",
        ),
    ],
)
def test_filters_that_cannot_be_applied_are_400(client: TestClient, params: dict, says: str):
    response = client.get(ITEMS.format("hospitals"), params=params)
    assert response.status_code == 400, response.text
    assert says in response.json()["error"]["message"]


def test_spatial_filters_on_the_bundled_outlines_agree_with_shapely(client: TestClient):
    outlines = {f["id"]: shape(f["geometry"]) for f in _all(client, "districts")}
    here, box_ = Point(121.47, 31.23), box(121.40, 31.15, 121.50, 31.25)
    for text, wanted in [
        ("S_INTERSECTS(geometry, POINT(121.47 31.23))", here.intersects),
        ("S_INTERSECTS(geometry, BBOX(121.40, 31.15, 121.50, 31.25))", box_.intersects),
        (
            "S_WITHIN(geometry, BBOX(121.0, 30.6, 122.0, 31.5))",
            box(121.0, 30.6, 122.0, 31.5).contains,
        ),
        ("S_DISJOINT(geometry, BBOX(121.40, 31.15, 121.50, 31.25))", box_.disjoint),
    ]:
        expected = {i for i, outline in outlines.items() if wanted(outline)}
        assert 0 < len(expected) < len(outlines), text
        assert set(_ids(client, "districts", filter=text)) == expected, text


def test_a_geometry_literal_has_a_vertex_limit():
    """(Below the filter's length limit, which a GET URL of 10,000 vertices passes first.)"""
    line = {"type": "LineString", "coordinates": [[i % 2, 0] for i in range(10_001)]}
    tree = {"op": "s_intersects", "args": [{"property": "geometry"}, line]}
    with pytest.raises(BadFilter, match="vertices"):
        parse_filter(json.dumps(tree), "cql2-json", COLLECTIONS["hospitals"])
    line["coordinates"] = line["coordinates"][:10_000]
    assert parse_filter(json.dumps(tree), "cql2-json", COLLECTIONS["hospitals"])


def test_datetime_selects_by_status_time_and_keeps_every_unit(client: TestClient):
    everything = _ids(client, "hospitals")
    assert _ids(client, "hospitals", datetime="2000-01-01T00:00:00Z/..") == everything
    assert _ids(client, "hospitals", datetime="../2000-01-01T00:00:00Z") == []
    assert _ids(client, "districts", datetime="2000-01-01T00:00:00Z") == _ids(client, "districts")


def _points(geometry: dict) -> list[list[float]]:
    coordinates = geometry["coordinates"]
    if geometry["type"] == "Point":
        return [coordinates]
    while isinstance(coordinates[0][0], list):
        coordinates = [p for part in coordinates for p in part]
    return coordinates


def test_extents_come_from_the_data_and_hold_every_feature(client: TestClient):
    extents = {}
    for collection_id in COLLECTIONS:
        extent = client.get(f"/ogc/collections/{collection_id}").json()["extent"]
        features = _all(client, collection_id)
        if not features:
            assert "spatial" not in extent
            continue
        west, south, east, north = extents[collection_id] = extent["spatial"]["bbox"][0]
        for feature in features:
            for lon, lat in _points(feature["geometry"]):
                assert west <= lon <= east and south <= lat <= north, feature["id"]
        interval = extent["temporal"]["interval"]
        assert (interval == [[None, None]]) == (COLLECTIONS[collection_id].kind is None)
    west, south, east, north = extents["hospitals"]
    w, s, e, n = extents["districts"]  # the city: streets tile it too
    assert (east - west) * (north - south) < (e - w) * (n - s)
    assert w <= west and s <= south and east <= e and north <= n


def test_conformance_declares_part_3_and_5(client: TestClient):
    declared = client.get("/ogc/conformance").json()["conformsTo"]
    assert set(PART3_CONFORMANCE) <= set(declared)


def test_a_nul_in_a_district_name_is_no_district(client: TestClient):
    response = client.get(ITEMS.format("hospitals"), params={"district": "黄浦\x00区"})
    assert response.status_code == 404, response.text


def test_a_filter_as_long_as_a_url_allows_but_within_bounds_is_applied(client: TestClient):
    """The bounds leave room for what clients send: 20 levels, 500 operators, 1,000 values,
    4 geometries of 10,000 vertices between them, 32 LIKE patterns, 4 status_times."""
    nested = "NOT (" * 9 + "NOT (id = 1)" + ")" * 9
    flat = " OR ".join(["id = 1"] * 200)
    listed = f"id IN ({','.join(map(str, range(1, 1000)))})"
    spatial = " OR ".join([f"S_WITHIN(geometry, {TRIANGLE})"] * 4)
    patterns = " OR ".join(["name LIKE '%x%'"] * 32)
    times = " OR ".join(["status_time > TIMESTAMP('2030-01-01T00:00:00Z')"] * 4)
    for text in (nested, flat, listed, spatial, patterns, times):
        assert client.get(ITEMS.format("hospitals"), params={"filter": text}).status_code == 200


def test_a_filter_past_the_time_bound_is_a_503_that_says_what_to_do(
    seeded_settings: Settings, clock: Clock
):
    """``AIDMAP_FILTER_TIMEOUT_S`` reaches the store; past it the answer is precise, and
    the same page without a filter still answers."""
    bounded = seeded_settings.model_copy(update={"filter_timeout_s": 1e-6})
    costly = " OR ".join(["status_time > TIMESTAMP('2030-01-01T00:00:00Z')"] * 4 + [
        f"name LIKE '%{n}x%'" for n in range(32)
    ])  # fmt: skip
    with TestClient(create_app(bounded, clock=clock)) as client:
        response = client.get(ITEMS.format("hospitals"), params={"filter": costly})
        assert response.status_code == 503
        error = response.json()["error"]
        assert error["code"] == "query_timeout"
        assert "narrow it" in error["message"] and "bbox" in error["message"]
        assert client.get(ITEMS.format("hospitals")).status_code == 200
