"""The whole app behind a real Caddy that serves it under ``/aidmap/`` (``handle_path``
strips the path, ``X-Forwarded-Prefix`` names it): every link, static file and request of
the page must stay under that path (issue 15)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.web.qr import qr_svg
from tests.cli.serving import free_port, stop
from tests.conftest import require_or_skip
from tests.web.conftest import serving

pytestmark = pytest.mark.server
CADDY = shutil.which("caddy")
CADDYFILE = """{{
    admin off
    auto_https off
}}
http://127.0.0.1:{port} {{
    handle_path /aidmap/* {{
        reverse_proxy 127.0.0.1:{upstream} {{
            header_up X-Forwarded-Prefix /aidmap
        }}
    }}
    handle {{
        respond "outside /aidmap/" 404
    }}
}}
"""
VIEW = {"center": [121.47, 31.23], "zoom": 13, "service": "dialysis"}


def start_caddy(tmp: Path, port: int, upstream: int) -> tuple[subprocess.Popen, str]:
    """Caddy on loopback ``port`` in front of ``upstream``; its origin once it answers."""
    config = tmp / "Caddyfile"
    config.write_text(CADDYFILE.format(port=port, upstream=upstream))
    env = {"HOME": str(tmp), "XDG_DATA_HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp)}
    with (tmp / "caddy.log").open("w") as log:
        process = subprocess.Popen(
            [CADDY, "run", "--config", str(config), "--adapter", "caddyfile"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert process.poll() is None, (tmp / "caddy.log").read_text()[-2000:]
        try:
            if httpx.get(f"{origin}/aidmap/livez", timeout=2).status_code == 200:
                return process, origin
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    stop(process)
    raise AssertionError("Caddy did not answer within 30 s")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``aidmap serve`` trusting loopback as its proxy, behind Caddy, and the host Caddy
    forwards as one of its names: the public root (``http://127.0.0.1:<caddy>/aidmap``)."""
    require_or_skip(CADDY is not None, "Caddy is not installed (apt-get install caddy)")
    tmp, port = tmp_path_factory.mktemp("prefix"), free_port()
    env = {"AIDMAP_BASE_URL": "", "AIDMAP_TRUSTED_PROXIES": "127.0.0.1",
           "AIDMAP_ALLOWED_HOSTS": f"127.0.0.1:{port}"}  # fmt: skip
    with serving(tmp, "none", **env) as served:
        process, origin = start_caddy(tmp, port, served.port)
        try:
            yield f"{origin}/aidmap"
        finally:
            stop(process)


def hrefs(value: object) -> Iterator[str]:
    """Every ``href`` in a JSON document."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "href":
                yield item
            else:
                yield from hrefs(item)
    elif isinstance(value, list):
        for item in value:
            yield from hrefs(item)


def test_every_ogc_link_leads_somewhere_under_the_prefix(proxied: str):
    landing = httpx.get(f"{proxied}/ogc").json()
    collections_url = next(x["href"] for x in landing["links"] if x["rel"] == "data")
    assert collections_url == f"{proxied}/ogc/collections"
    collections = httpx.get(collections_url).json()
    items_url = f"{proxied}/ogc/collections/hospitals/items"
    assert items_url in hrefs(collections)
    items = httpx.get(items_url, params={"limit": 2}).json()
    followed = [*hrefs(landing), *hrefs(collections), *hrefs(items)]
    assert len(followed) > 15
    for href in followed:
        assert href.startswith(f"{proxied}/"), href
        assert httpx.get(href).status_code == 200, href
    feature = items["features"][0]
    one = httpx.get(f"{items_url}/{feature['id']}").json()
    assert [x["href"] for x in one["links"]] == [
        f"{items_url}/{feature['id']}",
        f"{items_url}/{feature['id']}?f=html",
        f"{proxied}/ogc/collections/hospitals",
    ]
    definition = httpx.get(f"{proxied}/ogc/api").json()
    assert definition["servers"] == [{"url": f"{proxied}/ogc"}]


def test_the_api_docs_ask_under_the_prefix(proxied: str):
    docs = httpx.get(f"{proxied}/docs").text
    definition = re.search(r'data-openapi="([^"]+)"', docs)[1]
    assert definition == "/aidmap/openapi.json"
    schema = httpx.get(f"http://{httpx.URL(proxied).netloc.decode()}{definition}").json()
    assert schema["servers"] == [{"url": "/aidmap"}]
    for asset in re.findall(r'(?:href|src)="([^"]+)"', docs):
        assert asset.startswith(("/aidmap/static/", definition)), asset
    ogc_docs = httpx.get(f"{proxied}/ogc/api", params={"f": "html"}).text
    assert re.search(r'data-openapi="([^"]+)"', ogc_docs)[1] == "/aidmap/ogc/api?f=json"


def test_a_share_link_and_its_qr_name_the_prefix(proxied: str):
    made = httpx.post(f"{proxied}/api/v1/share", json=VIEW)
    assert made.status_code == 201, made.text
    share = made.json()
    assert share["url"] == f"{proxied}/s/{share['code']}"
    for key in ("url", "qr_png", "qr_svg", "preview_png", "poster_png", "text"):
        assert share[key].startswith(f"{proxied}/s/"), key
        assert httpx.get(share[key]).status_code == 200, key
    assert httpx.get(share["qr_svg"]).content == qr_svg(share["url"])
    assert share["url"] in httpx.get(share["text"]).text
    page = httpx.get(share["url"]).text
    assert f'<meta property="og:url" content="{share["url"]}">' in page
    assert f'<meta property="og:image" content="{share["preview_png"]}">' in page


def test_the_page_loads_its_files_and_asks_the_api_under_the_prefix(proxied: str, open_page):
    page = open_page(width=1200, height=800, locale="en-US")
    answers: list[tuple[int, str]] = []
    page.page.on("response", lambda r: answers.append((r.status, r.url)))
    page.page.goto(f"{proxied}/?lang=en")
    page.wait_for("document.querySelectorAll('#service option').length > 1")  # /api/v1/services
    page.wait_for("performance.getEntriesByName('aidmap:first-markers').length")  # OGC items
    page.page.click("#share-open")
    page.wait_for("document.getElementById('share-qr').naturalWidth > 0")
    page.wait_for("document.getElementById('share-text').textContent.length > 0")
    link = page.page.text_content("#share-link")
    assert link.startswith(f"{proxied}/s/"), link
    asked = [url for _, url in answers]
    assert any("/static/vendor/leaflet-" in url for url in asked)
    assert any(url.startswith(f"{proxied}/api/v1/services") for url in asked)
    assert all(url.startswith(f"{proxied}/") for url in asked), asked
    assert [answer for answer in answers if answer[0] >= 400] == []
    assert page.errors == [] and page.outside == []
    page.screenshot("prefix-map")
