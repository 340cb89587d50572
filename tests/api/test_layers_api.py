"""OGC API – Features and clusters through the real app, as QGIS and the map call them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.services.auth import create_token

GEOJSON = "application/geo+json"


def test_qgis_sequence_landing_conformance_collections_items(client: TestClient):
    landing = client.get("/ogc").json()
    rels = {link["rel"]: link["href"] for link in landing["links"]}
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    conformance = client.get(rels["conformance"]).json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    collections = client.get(rels["data"]).json()["collections"]
    assert [c["id"] for c in collections] == [
        "hospitals", "offices", "districts", "streets", "committees",
    ]  # fmt: skip
    hospitals = next(c for c in collections if c["id"] == "hospitals")
    items = next(link["href"] for link in hospitals["links"] if link["rel"] == "items")
    page = client.get(items, params={"limit": 10, "bbox": "120.8,30.6,122.3,31.9"})
    assert page.status_code == 200 and page.headers["content-type"] == GEOJSON
    body = page.json()
    assert body["type"] == "FeatureCollection" and body["numberReturned"] == 10
    assert body["numberMatched"] == 77
    feature = body["features"][0]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["precision"] == "approximate"
    assert {"stale", "age_seconds", "state"} <= set(feature["properties"]["statuses"][0])


def test_paging_follows_next_links_to_every_feature(client: TestClient):
    seen, url, params = [], "/ogc/collections/hospitals/items", {"limit": 30}
    while url:
        body = client.get(url, params=params).json()
        seen += [f["id"] for f in body["features"]]
        url = next((link["href"] for link in body["links"] if link["rel"] == "next"), None)
        params = None
    assert len(seen) == len(set(seen)) == 77


def test_bbox_district_and_status_filters(client: TestClient):
    params = {"bbox": "121.44,31.20,121.50,31.25", "limit": 100}
    inner = client.get("/ogc/collections/hospitals/items", params=params).json()
    assert 0 < inner["numberMatched"] < 77
    for feature in inner["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 121.44 <= lon <= 121.50 and 31.20 <= lat <= 31.25
    jingan = client.get("/ogc/collections/streets/items", params={"district": "闸北"}).json()
    assert jingan["numberMatched"] == 14
    rid = inner["features"][0]["id"]
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    etag = client.get(f"/api/v1/resources/{rid}").headers["ETag"]
    client.put(f"/api/v1/resources/{rid}/status/emergency", json={"state": "open"},
               headers={"If-Match": etag, "Authorization": f"Bearer {secret}"})  # fmt: skip
    wanted = {"service": "emergency", "state": "open", "fresh": "true"}
    open_now = client.get("/ogc/collections/hospitals/items", params=wanted).json()
    assert [f["id"] for f in open_now["features"]] == [rid]
    assert open_now["features"][0]["properties"]["state"] == "open"


def test_units_come_with_outlines_where_loaded(client: TestClient):
    district = client.get("/ogc/collections/districts/items", params={"limit": 1}).json()
    assert district["features"][0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}
    committee = client.get("/ogc/collections/committees/items/6751").json()
    assert committee["geometry"]["type"] == "Point"
    assert committee["properties"]["precision"] == "district"


def test_etags_give_304_and_large_answers_are_gzipped(client: TestClient):
    first = client.get("/ogc/collections/hospitals/items", params={"limit": 50})
    assert first.headers["content-encoding"] == "gzip"
    assert first.headers["cache-control"].endswith("max-age=30")  # private: links to the socket
    again = client.get("/ogc/collections/hospitals/items", params={"limit": 50},
                       headers={"If-None-Match": first.headers["ETag"]})  # fmt: skip
    assert again.status_code == 304 and again.content == b""


def test_html_pages_for_browsers(client: TestClient):
    page = client.get("/ogc/collections/hospitals/items", params={"f": "html", "limit": 3})
    assert page.headers["content-type"].startswith("text/html")
    assert "瑞金医院" in page.text and "<script" not in page.text
    assert client.get("/ogc", headers={"Accept": "text/html"}).text.startswith("<!doctype html>")


def test_clusters_count_every_point_once(client: TestClient):
    body = client.get("/api/v1/layers/committees/clusters", params={"zoom": 9}).json()
    assert body["pointCount"] == 6509
    assert all(f["properties"]["count"] >= 1 for f in body["features"])
    city = client.get("/api/v1/layers/hospitals/clusters",
                      params={"zoom": 3, "bbox": "120.85,30.67,122.2,31.88"}).json()  # fmt: skip
    assert city["numberReturned"] <= 4 and city["pointCount"] == 77


def test_clusters_by_state_count_what_the_map_shows_for_a_service(client: TestClient):
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    items = client.get("/ogc/collections/hospitals/items", params={"limit": 1000}).json()
    offering = [f["id"] for f in items["features"] if "dialysis" in f["properties"]["services"]]
    for resource_id, state in zip(offering, ("open", "limited", "closed"), strict=False):
        etag = client.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
        put = client.put(
            f"/api/v1/resources/{resource_id}/status/dialysis",
            json={"state": state},
            headers={"If-Match": etag, "Authorization": f"Bearer {secret}"},
        )
        assert put.status_code == 200, put.text
    city = {"zoom": 3, "bbox": "120.85,30.67,122.2,31.88", "service": "dialysis"}
    body = client.get("/api/v1/layers/hospitals/clusters", params=city | {"by_state": True})
    features = body.json()["features"]
    totals = {}
    for f in features:
        assert sum(f["properties"]["states"].values()) == f["properties"]["count"]
        for shown, n in f["properties"]["states"].items():
            totals[shown] = totals.get(shown, 0) + n
    assert body.json()["pointCount"] == 77 and len(offering) > 3
    assert totals == {"open": 1, "limited": 1, "closed": 1, "unknown": len(offering) - 3,
                      "not_offered": 77 - len(offering)}  # fmt: skip
    client.app.state.context.clock.now += timedelta(hours=13)  # out of date: no longer "open"
    later = client.get("/api/v1/layers/hospitals/clusters", params=city | {"by_state": True})
    assert sum(f["properties"]["states"]["open"] for f in later.json()["features"]) == 0
    plain = client.get("/api/v1/layers/hospitals/clusters", params=city).json()
    assert "states" not in plain["features"][0]["properties"]


@pytest.mark.parametrize(
    ("url", "params", "status"),
    [
        ("/api/v1/layers/hospitals/clusters", {"zoom": 3, "by_state": True}, 400),
        (
            "/api/v1/layers/hospitals/clusters",
            {"zoom": 3, "by_state": True, "service": "dialysis", "state": "open"},
            400,
        ),
        (
            "/api/v1/layers/hospitals/clusters",
            {"zoom": 3, "by_state": True, "service": "dialysis", "fresh": True},
            400,
        ),
        ("/api/v1/layers/streets/clusters", {"zoom": 3, "by_state": True}, 400),
        ("/ogc/collections/shops", {}, 404),
        ("/ogc/collections/shops/items", {}, 404),
        ("/ogc/collections/hospitals/items/999999", {}, 404),
        ("/ogc/collections/hospitals/items/abc", {}, 404),
        ("/ogc/collections/hospitals/items", {"bbox": "1,2,3"}, 400),
        ("/ogc/collections/hospitals/items", {"bbox": "a,b,c,d"}, 400),
        ("/ogc/collections/hospitals/items", {"bbox": "122,31,121,32"}, 400),
        ("/ogc/collections/hospitals/items", {"bbox": "121,32,122,31"}, 400),
        ("/ogc/collections/hospitals/items", {"bbox": "nan,31,122,32"}, 400),
        ("/ogc/collections/hospitals/items", {"bbox": "1,2,3,4,5"}, 400),
        ("/ogc/collections/hospitals/items", {"bbox": "121,31,0,122,32,inf"}, 400),
        ("/ogc/collections/hospitals/items", {"limit": 0}, 400),
        ("/ogc/collections/hospitals/items", {"limit": 100_000}, 400),
        ("/ogc/collections/hospitals/items", {"limit": "unlimited"}, 400),
        ("/ogc/collections/hospitals/items", {"offset": -1}, 400),
        ("/ogc/collections/hospitals/items", {"service": "teleport"}, 404),
        ("/ogc/collections/hospitals/items", {"service": "dialysis", "state": "maybe"}, 400),
        ("/ogc/collections/streets/items", {"service": "dialysis"}, 400),
        ("/ogc/collections/streets/items", {"district": "火星区"}, 404),
        ("/ogc/collections/hospitals/items", {"f": "xml"}, 400),
        ("/api/v1/layers/hospitals/clusters", {}, 422),
        ("/api/v1/layers/hospitals/clusters", {"zoom": 30}, 422),
        ("/api/v1/layers/shops/clusters", {"zoom": 3}, 404),
    ],
)
def test_bad_layer_queries_are_precise_4xx(client: TestClient, url: str, params: dict, status):
    response = client.get(url, params=params)
    assert response.status_code == status
    assert "error" in response.json()


def test_an_empty_page_is_a_valid_feature_collection(client: TestClient):
    body = client.get("/ogc/collections/hospitals/items", params={"bbox": "0,0,1,1"}).json()
    assert body["type"] == "FeatureCollection" and body["features"] == []
    assert body["numberMatched"] == 0


def test_an_offset_past_the_end_is_an_empty_last_page(client: TestClient):
    body = client.get("/ogc/collections/hospitals/items", params={"offset": 1000}).json()
    assert body["features"] == [] and body["numberReturned"] == 0
    assert body["numberMatched"] == 77
    assert "next" not in {link["rel"] for link in body["links"]}


def test_a_six_number_bbox_selects_what_its_four_numbers_do(client: TestClient):
    items = "/ogc/collections/hospitals/items"
    flat = client.get(items, params={"bbox": "121.44,31.20,121.50,31.25", "limit": 100}).json()
    tall = client.get(items, params={"bbox": "121.44,31.20,-5,121.50,31.25,800", "limit": 100})
    assert tall.status_code == 200
    assert [f["id"] for f in tall.json()["features"]] == [f["id"] for f in flat["features"]]
    assert 0 < flat["numberMatched"] < 77


def test_ages_do_not_change_the_etag_and_negotiated_answers_vary_on_accept(client: TestClient):
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    etag = client.get("/api/v1/resources/1").headers["ETag"]
    client.put("/api/v1/resources/1/status/emergency", json={"state": "open"},
               headers={"If-Match": etag, "Authorization": f"Bearer {secret}"})  # fmt: skip
    first = client.get("/ogc/collections/hospitals/items/1")
    context = client.app.state.context
    later_clock = lambda: context.clock() + timedelta(seconds=5)  # noqa: E731
    client.app.state.context = replace(context, clock=later_clock)
    later = client.get("/ogc/collections/hospitals/items/1",
                       headers={"If-None-Match": first.headers["ETag"]})  # fmt: skip
    assert later.status_code == 304
    assert first.headers["Vary"].startswith("Accept")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"crs": "EPSG:4326"}, "bad_query"),  # a URI is asked
        ({"bbox-crs": "EPSG:3857"}, "bad_query"),
        ({"colour": "red"}, "unknown_parameter"),
    ],
)
def test_parameters_the_api_does_not_define_are_400(client: TestClient, params: dict, code: str):
    response = client.get("/ogc/collections/hospitals/items", params=params)
    assert response.status_code == 400 and response.json()["error"]["code"] == code


@pytest.mark.parametrize("feature_id", ["²", "١", "1.0", "-1", "9" * 25])
def test_odd_feature_ids_are_404(client: TestClient, feature_id: str):
    assert client.get(f"/ogc/collections/hospitals/items/{feature_id}").status_code == 404
