"""No filter is silently ignored (issue 14): ``/api/v1/resources?name=`` finds hospitals by
name, English name or alias, and an unknown query parameter on any operation of the API is
a 400 that names it."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.api import routes_health, routes_nearest, routes_resources
from app.api.checked_route import makes_own_response
from app.domain.enums import Role
from app.services.auth import create_token

INVENTED = "zzz_invented"
PATH_VALUES = {"collection_id": "hospitals", "layer": "hospitals", "fmt": "csv"}


def names(client: TestClient, **params) -> list[str]:
    answer = client.get("/api/v1/resources", params={"kind": "hospital"} | params)
    assert answer.status_code == 200, answer.text
    return [hospital["name"] for hospital in answer.json()]


def test_name_finds_hospitals_by_name_alias_and_english_name(client: TestClient):
    everyone = names(client, limit=500)
    renji = names(client, name="仁济")
    assert renji and len(renji) < len(everyone) and all("仁济" in name for name in renji)
    assert names(client, name="瑞金总院") == ["上海交通大学医学院附属瑞金医院"]  # an alias
    assert names(client, name="RUIJIN hospital")[0] == "上海交通大学医学院附属瑞金医院"
    assert names(client, name="仁济", limit=1, offset=1) == renji[1:2]  # paged
    assert names(client, name="ｒｕｉｊｉｎ") == names(client, name="ruijin")  # full-width
    assert names(client, name="没有这家医院") == []
    for bad in (",", '"', "\u200b"):
        answer = client.get("/api/v1/resources", params={"name": bad})
        assert answer.status_code == 422 and "name" in answer.json()["error"]["message"]


def test_name_and_service_filters_combine(client: TestClient):
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    renji = client.get("/api/v1/resources", params={"name": "仁济"}).json()
    target = next(h for h in renji if "dialysis" in h["services"])
    answer = client.put(
        f"/api/v1/resources/{target['id']}/status/dialysis", json={"state": "open"},
        headers={"Authorization": f"Bearer {secret}", "If-Match": f'"{target["version"]}"'},
    )  # fmt: skip
    assert answer.status_code == 200
    found = names(client, name="仁济", service="dialysis", state="open")
    assert found == [target["name"]]
    assert names(client, name="瑞金", service="dialysis", state="open") == []


def get_operations(client: TestClient) -> list[str]:
    """Every GET path of the OpenAPI document that takes filters (not the share's media,
    marked as ignoring chat apps' parameters), its path parameters filled in."""
    paths = client.get("/openapi.json").json()["paths"]
    return [
        re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m[1], "1"), path)
        for path, item in paths.items()
        if "get" in item and not item["get"].get("x-ignores-unknown-query")
    ]


def test_every_get_operation_refuses_an_invented_parameter_by_name(client: TestClient):
    operations = get_operations(client)
    assert "/api/v1/resources" in operations and "/ogc/collections/hospitals/items" in operations
    assert "/s/1/qr.png" not in operations
    for path in operations:
        answer = client.get(path, params={INVENTED: "1"})
        assert answer.status_code == 400, (path, answer.status_code, answer.text[:200])
        error = answer.json()["error"]
        assert error["code"] == "unknown_parameter" and INVENTED in error["message"], path


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nearest?lon=121.47&lat=31.23&k=2", "/ogc/collections/hospitals/items?bbox-crs="
     "http://www.opengis.net/def/crs/OGC/1.3/CRS84&limit=1", "/api/v1/changes?after=0"],
)  # fmt: skip
def test_declared_parameters_still_work(client: TestClient, path: str):
    assert client.get(path).status_code == 200


def test_pages_ignore_what_chat_apps_append(client: TestClient):
    page = client.get("/", params={"from": "singlemessage", "isappinstalled": "0"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")


def test_only_endpoints_of_the_request_alone_skip_fastapis_handler(client: TestClient):
    """Nearest is called directly (its own parsing, its own Response), yet the route's
    checks and its validation errors are as before; routes with parameters are not."""
    routes = {
        route.path: route
        for module in (routes_nearest, routes_resources, routes_health)
        for route in module.router.routes
        if isinstance(route, APIRoute)
    }
    assert makes_own_response(routes["/api/v1/nearest"])
    assert not makes_own_response(routes["/api/v1/resources"])  # query parameters
    assert not makes_own_response(routes["/livez"])  # no Request: FastAPI builds its answer
    unknown = client.get("/api/v1/nearest", params={"lon": 121.47, "lat": 31.23, INVENTED: 1})
    assert unknown.status_code == 400 and INVENTED in unknown.json()["error"]["message"]
    invalid = client.get("/api/v1/nearest", params={"lon": "east", "lat": 31.23})
    assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid_request"
