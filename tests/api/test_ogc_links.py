"""Absolute links come from the configured public origin (AIDMAP_BASE_URL), never from
the Host header a client sends: OGC answers are cached publicly, and a shared cache that
ignores Host would hand a forged origin to everyone (issue 13, finding 21)."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.main import create_app

ORIGIN = "https://aidmap.example.org"
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


@pytest.fixture
def public_client(settings: Settings, clock):
    """The app configured with a public origin of its own."""
    configured = settings.model_copy(update={"base_url": ORIGIN})
    with TestClient(create_app(configured, clock=clock)) as client:
        yield client


def hrefs(value: object) -> list[str]:
    """Every ``href`` in a JSON document."""
    if isinstance(value, dict):
        return [h for k, v in value.items() for h in ([v] if k == "href" else hrefs(v))]
    if isinstance(value, list):
        return [h for item in value for h in hrefs(item)]
    return []


@pytest.mark.parametrize(
    "path",
    [
        "/ogc",
        "/ogc/conformance",
        "/ogc/collections",
        "/ogc/collections/hospitals",
        "/ogc/collections/hospitals/items?limit=2",
        "/ogc/collections/districts/items?limit=2&offset=2",
    ],
)
def test_ogc_links_name_the_configured_origin_whatever_the_host(public_client, path):
    answer = public_client.get(path, headers=FORGED)
    assert answer.status_code == 200
    links = hrefs(answer.json())
    assert links and all(link.startswith(f"{ORIGIN}/") for link in links), links
    html = public_client.get(path, headers=FORGED, params={"f": "html"}).text
    assert "evil.example" not in html and f'href="{ORIGIN}/ogc' in html


def test_one_feature_links_to_the_configured_origin(public_client):
    feature = public_client.get("/ogc/collections/hospitals/items?limit=1").json()["features"][0]
    one = public_client.get(f"/ogc/collections/hospitals/items/{feature['id']}", headers=FORGED)
    assert {link["href"].split("/ogc")[0] for link in one.json()["links"]} == {ORIGIN}


def test_the_ogc_api_definition_names_the_configured_origin_as_its_server(public_client):
    definition = public_client.get("/ogc/api", headers=FORGED).json()
    assert definition["servers"] == [{"url": f"{ORIGIN}/ogc"}]


@pytest.mark.parametrize("path", ["/ogc/collections/", "/api/v1/resources/"])
def test_a_trailing_slash_never_redirects_to_the_host_sent(public_client, path):
    answer = public_client.get(path, headers=FORGED, follow_redirects=False)
    assert "evil.example" not in json.dumps(dict(answer.headers)) + answer.text
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"


def test_the_landing_page_with_a_slash_is_the_landing_page_not_a_redirect(public_client):
    """OGC clients join the API's URL and ``/`` (the OpenAPI path of the landing page)."""
    answer = public_client.get("/ogc/", headers=FORGED, follow_redirects=False)
    assert answer.status_code == 200 and "evil.example" not in answer.text
    assert answer.json() == public_client.get("/ogc").json()


@pytest.mark.parametrize(
    "path",
    ["/ogc/collections/hospitals", "/ogc/collections/hospitals/items?limit=2&bbox=121,31,122,32",
     "/ogc/collections/hospitals/items/1"],
)  # fmt: skip
def test_http_link_headers_repeat_the_links_with_the_configured_origin(public_client, path):
    answer = public_client.get(path, headers=FORGED)
    header = answer.headers["Link"]
    body_links = {(x["rel"], x["type"], x["href"]) for x in answer.json()["links"]}
    header_links = {
        (rel, kind, href) for href, rel, kind in re.findall(
            r'<([^>]*)>; rel="([^"]*)"; type="([^"]*)"', header)
    }  # fmt: skip
    assert header_links == body_links and "evil.example" not in header
    assert "," not in "".join(href for href, *_ in re.findall(r"<([^>]*)>", header))
