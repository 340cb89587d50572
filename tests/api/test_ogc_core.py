"""OGC API – Features Part 1 Core, requirement by requirement (``/req/core/*`` of OGC
17-069r4), through the real app. The OGC's own test suite (the Java ETS) cannot be
fetched on these machines; ``test_ogc_suite.py`` runs the published Python suite too.

Each test names the requirements it checks (``@covers``); the last test fails if a Core
requirement has none."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from openapi_spec_validator import validate

from app.api import ogc_parameters
from app.api.routes_ogc import router
from app.api.strict_query import known_parameters
from app.services.layers import COLLECTIONS

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "application/geo+json"
OPENAPI_30 = "application/vnd.oai.openapi+json;version=3.0"
ITEMS = "/ogc/collections/hospitals/items"
REQUIREMENTS = {
    "http", "root-op", "root-success", "api-definition-op", "api-definition-success",
    "conformance-op", "conformance-success", "query-param-unknown", "query-param-invalid",
    "fc-md-op", "fc-md-success", "fc-md-links", "fc-md-items", "fc-md-items-links",
    "fc-md-extent", "sfc-md-op", "sfc-md-success", "fc-op", "fc-limit-definition",
    "fc-limit-response", "fc-bbox-definition", "fc-bbox-response", "fc-time-definition",
    "fc-time-response", "fc-response", "fc-links", "fc-rel-type", "fc-timeStamp",
    "fc-numberMatched", "fc-numberReturned", "f-op", "f-success", "f-links",
}  # fmt: skip
"""Every ``/req/core/…`` requirement of Part 1 (17-069r4, clause 7)."""
COVERED: set[str] = set()


def covers(*ids: str) -> Callable:
    """Mark a test as checking these ``/req/core/`` requirements."""
    assert set(ids) <= REQUIREMENTS, set(ids) - REQUIREMENTS
    COVERED.update(ids)
    return lambda test: test


def rels(body: dict) -> dict[str, dict]:
    """The links of a document by relation (the last of each)."""
    return {link["rel"]: link for link in body["links"]}


@pytest.fixture
def definition(client: TestClient) -> dict:
    """The OpenAPI 3.0 document the landing page's ``service-desc`` names."""
    landing = client.get("/ogc").json()
    return client.get(rels(landing)["service-desc"]["href"]).json()


@covers("http", "root-op", "root-success")
@pytest.mark.parametrize("path", ["/ogc", "/ogc/"])
def test_the_landing_page_links_to_the_definition_conformance_and_data(client, path):
    answer = client.get(path)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    assert answer.http_version == "HTTP/1.1"
    links = rels(answer.json())
    assert {"self", "alternate", "service-desc", "service-doc", "conformance", "data"} <= set(links)
    assert links["service-desc"]["type"] == OPENAPI_30


@covers("api-definition-op", "api-definition-success")
def test_the_api_definition_is_openapi_30_with_the_ogc_server(client, definition):
    answer = client.get("/ogc/api")
    assert answer.headers["content-type"] == OPENAPI_30
    validate(definition)  # raises on anything OpenAPI 3.0 does not allow
    assert definition["openapi"] == "3.0.3"
    assert definition["servers"] == [{"url": "http://testserver/ogc"}]
    assert {"/", "/api", "/conformance", "/collections"} <= set(definition["paths"])
    html = client.get("/ogc/api", params={"f": "html"})
    assert html.headers["content-type"].startswith("text/html") and "swagger-ui" in html.text


@covers("conformance-op", "conformance-success")
def test_conformance_declares_core_and_links_itself(client):
    body = client.get("/ogc/conformance").json()
    assert CORE in body["conformsTo"]
    assert {"self", "alternate"} <= set(rels(body))


@covers("query-param-unknown")
def test_an_unknown_parameter_is_400(client):
    answer = client.get(ITEMS, params={"colour": "red"})
    assert answer.status_code == 400 and "colour" in answer.json()["error"]["message"]


@covers("query-param-invalid")
@pytest.mark.parametrize(
    ("path", "params"),
    [(ITEMS, {"limit": "unlimited"}), (ITEMS, {"limit": 0}), (ITEMS, {"offset": -1}),
     (ITEMS, {"bbox": "1,2,3"}), (ITEMS, {"fresh": "maybe"}), (ITEMS, {"f": "xml"}),
     ("/ogc/collections", {"f": "pdf"}), ("/ogc/collections/hospitals/items/1", {"f": 1})],
)  # fmt: skip
def test_an_invalid_value_is_400_not_422(client, path, params):
    answer = client.get(path, params=params)
    assert answer.status_code == 400 and "error" in answer.json(), answer.text


@covers("fc-md-op", "fc-md-success", "fc-md-links", "fc-md-items", "fc-md-items-links")
def test_collections_describe_every_layer_with_items_links(client):
    body = client.get("/ogc/collections").json()
    assert {"self", "alternate"} <= set(rels(body))
    assert len(body["collections"]) == 5
    for collection in body["collections"]:
        links = rels(collection)
        assert links["items"]["type"] == GEOJSON
        assert links["items"]["href"].endswith(f"/ogc/collections/{collection['id']}/items")


@covers("fc-md-extent")
def test_every_collection_with_features_has_a_crs84_extent(client):
    for collection in client.get("/ogc/collections").json()["collections"]:
        items = client.get(f"/ogc/collections/{collection['id']}/items", params={"limit": 1})
        if items.json()["numberMatched"] == 0:  # no data, no extent (offices, unseeded)
            assert "spatial" not in collection["extent"]
            continue
        spatial = collection["extent"]["spatial"]
        west, south, east, north = spatial["bbox"][0]
        assert west < east and south < north and spatial["crs"].endswith("/CRS84")


@covers("sfc-md-op", "sfc-md-success")
def test_one_collection_is_its_entry_in_collections(client):
    listed = client.get("/ogc/collections").json()["collections"][2]
    assert client.get(f"/ogc/collections/{listed['id']}").json() == listed
    links = rels(listed)
    assert links["describedby"]["href"].endswith(f"/collections/{listed['id']}/schema")


@covers("fc-op", "fc-response", "fc-rel-type", "fc-numberMatched", "fc-numberReturned")
def test_items_are_a_feature_collection_with_counts(client):
    answer = client.get(ITEMS, params={"limit": 7})
    assert answer.headers["content-type"] == GEOJSON
    body = answer.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == 7
    assert body["numberReturned"] == 7 and body["numberMatched"] == 77
    assert all(
        f["type"] == "Feature" and f["geometry"]["type"] == "Point" for f in body["features"]
    )


@covers("fc-links")
def test_items_link_to_themselves_their_html_and_the_next_page(client):
    answer = client.get(ITEMS, params={"limit": 7, "bbox": "120,30,123,32"})
    links = rels(answer.json())
    assert links["self"]["type"] == GEOJSON and links["alternate"]["type"] == "text/html"
    assert (
        "offset=7" in links["next"]["href"] and "bbox=120%2C30%2C123%2C32" in links["next"]["href"]
    )
    assert 'rel="next"' in answer.headers["Link"]


@covers("fc-timeStamp")
def test_the_timestamp_is_optional_and_absent(client):
    assert "timeStamp" not in client.get(ITEMS, params={"limit": 1}).json()


@covers("fc-limit-definition", "fc-bbox-definition")
def test_limit_and_bbox_are_defined_as_core_asks(definition):
    for path, operation in definition["paths"].items():
        if not path.endswith("/items"):
            continue
        declared = {p["name"]: p for p in operation["get"]["parameters"]}
        limit, bbox = declared["limit"], declared["bbox"]
        assert limit["schema"]["type"] == "integer" and limit["style"] == "form"
        assert bbox["schema"] | {"items": None} == {"type": "array", "minItems": 4,
                                                    "maxItems": 6, "items": None}  # fmt: skip
        assert bbox["style"] == "form" and bbox["explode"] is False


@covers("fc-limit-response")
def test_limit_bounds_the_page(client):
    assert len(client.get(ITEMS, params={"limit": 1000}).json()["features"]) == 77
    assert len(client.get(ITEMS, params={"limit": 3}).json()["features"]) == 3


@covers("fc-bbox-response")
@pytest.mark.parametrize("bbox", ["121.44,31.20,121.50,31.25", "121.44,31.20,0,121.50,31.25,99"])
def test_bbox_selects_the_features_inside(client, bbox):
    body = client.get(ITEMS, params={"bbox": bbox, "limit": 100}).json()
    assert 0 < body["numberMatched"] < 77
    for feature in body["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert 121.44 <= lon <= 121.50 and 31.20 <= lat <= 31.25


@covers("fc-time-definition", "fc-time-response")
def test_datetime_is_defined_and_accepted(client, definition):
    declared = {p["name"] for p in definition["paths"][ITEMS[4:]]["get"]["parameters"]}
    assert "datetime" in declared
    assert client.get(ITEMS, params={"datetime": "2022-04-01T00:00:00Z"}).status_code == 200


@covers("f-op", "f-success", "f-links")
@pytest.mark.parametrize(
    "path", ["/ogc", "/ogc/conformance", "/ogc/collections", "/ogc/collections/hospitals",
             ITEMS, f"{ITEMS}/1"],
)  # fmt: skip
def test_every_answer_has_json_and_html_forms_linking_each_other(client, path):
    as_json = client.get(path).json()
    alternate = rels(as_json)["alternate"]
    assert alternate["type"] == "text/html" and alternate["href"].endswith("f=html")
    page = client.get(alternate["href"])
    assert page.headers["content-type"].startswith("text/html")
    hrefs = re.findall(r'href="([^"]+)"', page.text)
    assert rels(as_json)["self"]["href"].replace("&", "&amp;") in [
        h.replace("?f=json", "").replace("&amp;f=json", "") for h in hrefs
    ]


def test_the_routes_accept_exactly_the_parameters_the_definition_declares(definition):
    routes = {r.name: r for r in router.routes if isinstance(r, APIRoute)}
    every_items = [ogc_parameters.items_of(c) for c in COLLECTIONS.values()]
    assert known_parameters(routes["read_items"]) == frozenset().union(
        *map(ogc_parameters.names, every_items)
    )
    assert known_parameters(routes["read_item"]) == ogc_parameters.names(ogc_parameters.ITEM)
    for cid, collection in COLLECTIONS.items():
        tables = {"/items": ogc_parameters.items_of(collection),
                  "/items/{featureId}": ogc_parameters.ITEM}  # fmt: skip
        for suffix, table in tables.items():
            operation = definition["paths"][f"/collections/{cid}{suffix}"]
            query = {p["name"] for p in operation["get"]["parameters"] if p["in"] == "query"}
            assert query == ogc_parameters.names(table), (cid, suffix)


def test_every_core_requirement_has_a_test():
    assert COVERED == REQUIREMENTS, REQUIREMENTS - COVERED
