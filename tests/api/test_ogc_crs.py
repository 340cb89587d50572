"""Features Part 2 (CRS) and the items' order and form through the app: ``crs`` and
``bbox-crs`` in CRS84, EPSG:4326, EPSG:4490 and EPSG:3857 (checked with PROJ's own
transforms, not ours), ``Content-Crs``, the collections' ``crs`` and ``storageCrs``;
``sortby`` with ``near``, ``properties`` and ``skipGeometry``; a 400 for what is not
offered."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pyproj import Transformer

from app.geo.distance import haversine_m

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
ITEMS = "/ogc/collections/hospitals/items"
BOX = (121.44, 31.20, 121.50, 31.25)


def proj(code: str, inverse: bool = False) -> Transformer:
    """PROJ between CRS84 and ``EPSG:code`` in the authority's axis order."""
    source, target = ("OGC:CRS84", f"EPSG:{code}")
    return Transformer.from_crs(*((target, source) if inverse else (source, target)))


def page(client: TestClient, **params) -> dict:
    answer = client.get(ITEMS, params={"limit": 1000} | params)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_collections_list_the_crss_and_conformance_declares_part_2(client):
    for collection in client.get("/ogc/collections").json()["collections"]:
        assert collection["crs"] == [CRS84, f"{EPSG}4326", f"{EPSG}4490", f"{EPSG}3857"]
        assert collection["storageCrs"] == CRS84
    conforms = client.get("/ogc/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs" in conforms


@pytest.mark.parametrize("code", ["4326", "4490", "3857"])
def test_items_in_a_crs_come_back_to_crs84(client, code):
    plain = {f["id"]: f["geometry"]["coordinates"] for f in page(client)["features"]}
    answer = client.get(ITEMS, params={"limit": 1000, "crs": f"{EPSG}{code}"})
    assert answer.headers["Content-Crs"] == f"<{EPSG}{code}>"
    back = proj(code, inverse=True)
    for feature in answer.json()["features"]:
        lon, lat = back.transform(*feature["geometry"]["coordinates"])
        assert (lon, lat) == pytest.approx(plain[feature["id"]], abs=1e-9)
    one = client.get(f"{ITEMS}/1", params={"crs": f"{EPSG}{code}"})
    assert one.headers["Content-Crs"] == f"<{EPSG}{code}>"
    assert back.transform(*one.json()["geometry"]["coordinates"]) == pytest.approx(
        plain[1], abs=1e-9
    )


def test_crs84_is_the_default_and_said_so(client):
    assert client.get(ITEMS, params={"limit": 1}).headers["Content-Crs"] == f"<{CRS84}>"
    district = client.get("/ogc/collections/districts/items", params={"crs": f"{EPSG}4490"})
    ring = district.json()["features"][0]["geometry"]["coordinates"][0]
    while isinstance(ring[0][0], list):
        ring = ring[0]
    assert all(30 < lat < 32 and 120 < lon < 123 for lat, lon in ring)  # latitude first


@pytest.mark.parametrize("code", ["4326", "4490", "3857"])
def test_a_box_in_another_crs_selects_what_its_crs84_box_selects(client, code):
    west, south, east, north = BOX
    forward = proj(code)
    low, high = forward.transform(west, south), forward.transform(east, north)
    asked = ",".join(map(repr, (*low, *high)))
    ids = {f["id"] for f in page(client, bbox=asked, **{"bbox-crs": f"{EPSG}{code}"})["features"]}
    expected = {f["id"] for f in page(client, bbox=",".join(map(str, BOX)))["features"]}
    assert ids == expected and 0 < len(ids) < 77


@pytest.mark.parametrize(
    "params",
    [{"crs": "EPSG:4326"}, {"crs": f"{EPSG}4547"}, {"crs": "gcj02"},
     {"bbox-crs": f"{EPSG}2000", "bbox": "1,2,3,4"}, {"properties": "name,phone"},
     {"sortby": "phones"}, {"sortby": "distance"}, {"near": "121.4,31.2"},
     {"sortby": "distance", "near": "121.4"}, {"skipGeometry": "maybe"}],
)  # fmt: skip
def test_what_is_not_offered_is_400(client, params):
    answer = client.get(ITEMS, params=params)
    assert answer.status_code == 400, answer.text
    units = client.get("/ogc/collections/districts/items", params={"sortby": "status_time"})
    assert units.status_code == 400


def test_sortby_pages_meet_every_feature_once_in_order(client):
    seen, href = [], f"{ITEMS}?sortby=-name&limit=10"
    while href:
        body = client.get(href).json()
        seen += [(f["properties"]["name"], f["id"]) for f in body["features"]]
        href = next((x["href"] for x in body["links"] if x["rel"] == "next"), None)
    assert len(seen) == len({i for _, i in seen}) == 77
    names = [name for name, _ in seen]
    assert names == sorted(names, reverse=True)


def test_distance_from_near_grows(client):
    near = (121.47, 31.23)
    body = page(client, sortby="distance", near="121.47,31.23", limit=77)
    metres = [haversine_m(*near, *f["geometry"]["coordinates"]) for f in body["features"]]
    assert len(metres) == 77 and metres == sorted(metres)
    farthest = page(client, sortby="-distance", near="121.47,31.23", limit=1)["features"]
    assert haversine_m(*near, *farthest[0]["geometry"]["coordinates"]) == metres[-1]


def test_properties_and_skip_geometry_shape_items_and_item(client):
    body = page(client, properties="name,district_id", skipGeometry="true", limit=5)
    for feature in body["features"]:
        assert feature["geometry"] is None
        assert set(feature["properties"]) == {"name", "district_id"}
    one = client.get(f"{ITEMS}/1", params={"properties": "version"}).json()
    assert one["properties"] == {"version": 1} and one["geometry"]["type"] == "Point"
    unit = client.get("/ogc/collections/districts/items", params={"properties": "code"}).json()
    assert all(set(f["properties"]) == {"code"} for f in unit["features"])
