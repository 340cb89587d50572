"""GET /api/v1/exports/map.html through the real app: the file, its ETag while nothing
changes, its rate limit, its query parameters, and the share it links back to."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.services.ratelimit import RateLimiter
from app.web.snapshot import FILE_BUDGET
from tests.api.offering import set_open

URL = "/api/v1/exports/map.html"


def hospital_id(client: TestClient, name: str) -> int:
    store = client.app.state.context.store
    return next(r.id for r in store.iter_resources(kind="hospital") if r.name == name)


def test_the_city_downloads_as_one_self_contained_file(client: TestClient):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="aidmap-map-\d{8}-\d{4}\.html"',
        response.headers["content-disposition"],
    )
    body = response.text
    assert len(response.content) <= FILE_BUDGET
    assert '<meta http-equiv="Content-Security-Policy"' in body
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"?(https?:)?//", body)
    for cdn in ("cdn.jsdelivr.net", "cdnjs.cloudflare.com", "code.jquery.com", "bootstrapcdn"):
        assert cdn not in body, cdn  # folium's default links, all replaced or dropped
    for library in ("jquery", "bootstrap", "font-awesome", "awesome-markers"):
        assert library not in body.lower(), library
    assert "sandbox allow-scripts" in response.headers["content-security-policy"]


def test_the_file_links_to_a_share_of_the_same_view(client: TestClient):
    body = client.get(URL, params={"service": "血透", "district": "浦东", "lang": "en"}).text
    code = re.search(r'id="live-link" href="http://testserver/s/(\w{6})"', body)[1]
    view = client.app.state.context.store.get_share(code).view
    assert view["service"] == "dialysis" and view["lang"] == "en" and view["zoom"] == 12
    assert client.get(f"/s/{code}").status_code == 200
    assert 'src="data:image/svg+xml;base64,' in body  # its QR code, inlined


def test_an_unchanged_file_is_not_sent_again(client: TestClient, clock):
    first = client.get(URL, params={"service": "dialysis"})
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"].endswith("max-age=60")
    again = client.get(URL, params={"service": "dialysis"}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    assert client.get(URL, params={"service": "dialysis"}).content == first.content
    set_open(client, hospital_id(client, "上海交通大学医学院附属瑞金医院"))
    changed = client.get(URL, params={"service": "dialysis"}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    etag = changed.headers["ETag"]
    clock.now += timedelta(minutes=16)  # the same data, but the snapshot would say 16 min ago
    later = client.get(URL, params={"service": "dialysis"}, headers={"If-None-Match": etag})
    assert later.status_code == 200 and later.headers["ETag"] != etag


def test_other_views_have_other_files(client: TestClient):
    etags = {
        client.get(URL, params=params).headers["ETag"]
        for params in ({}, {"lang": "en"}, {"service": "dialysis"}, {"district": "黄浦区"})
    }
    assert len(etags) == 4


def test_downloads_are_rate_limited_per_address_but_revalidations_are_not(client: TestClient):
    context = client.app.state.context
    limits = replace(context.limits, public_exports=RateLimiter(2, 600.0))
    client.app.state.context = replace(context, limits=limits)
    etag = client.get(URL).headers["ETag"]
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(URL).status_code == 200
    refused = client.get(URL)
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 600
    assert client.get(URL, headers={"If-None-Match": etag}).status_code == 304


@pytest.mark.parametrize(
    ("params", "status", "message"),
    [
        ({"district": "火星区"}, 404, "no district '火星区'; see /api/v1/units?level=district"),
        ({"service": "牙科"}, 404, "no service '牙科'; see /api/v1/services"),
        ({"lang": "fr"}, 422, "query.lang: Input should be 'zh' or 'en'"),
        ({"district": "浦" * 21}, 422, "query.district: String should have at most 20"),
        ({"bbox": "1,2,3,4"}, 400, "unknown query parameter 'bbox'"),
    ],
)
def test_bad_query_parameters_say_what_is_wrong(
    client: TestClient, params: dict, status: int, message: str
):
    response = client.get(URL, params=params)
    assert response.status_code == status, response.text
    assert response.json()["error"]["message"].startswith(message)


def test_names_of_services_and_former_districts_are_understood(client: TestClient):
    by_words = client.get(URL, params={"service": "血透", "district": "南汇区"})
    by_codes = client.get(URL, params={"service": "dialysis", "district": "浦东新区"})
    assert by_words.status_code == by_codes.status_code == 200
    assert by_words.headers["ETag"] == by_codes.headers["ETag"]  # the same view, one file


def test_the_layer_exports_still_answer_beside_it(client: TestClient):
    assert client.get("/api/v1/exports/hospitals.geojson").status_code == 200
    assert (
        client.get("/api/v1/exports/map.csv")
        .json()["error"]["message"]
        .startswith("no layer 'map'")
    )


def test_openapi_declares_the_file_its_parameters_and_errors(client: TestClient):
    operation = client.get("/openapi.json").json()["paths"][URL]["get"]
    assert {p["name"] for p in operation["parameters"]} == {"service", "district", "lang"}
    assert "text/html" in operation["responses"]["200"]["content"]
    assert {"304", "404", "422", "429"} <= set(operation["responses"])
