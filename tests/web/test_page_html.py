"""The page's HTML and static files, served by the app (no browser needed)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.i18n import STRINGS, choose_language
from app.main import create_app
from app.web.assets import VENDOR_URLS


@pytest.mark.parametrize(
    ("asked", "accept", "expected"),
    [
        (None, None, "zh"),
        (None, "en-US,en;q=0.9", "en"),
        (None, "fr-FR, en;q=0.5, zh-CN;q=0.8", "zh"),
        (None, "fr-FR, de", "zh"),
        ("en", "zh-CN", "en"),
        ("xx", "en", "en"),
        (None, "en;q=abc, zh", "zh"),
    ],
)
def test_language_choice(asked, accept, expected):
    assert choose_language(asked, accept) == expected


def test_both_languages_have_the_same_words():
    assert STRINGS["zh"].keys() == STRINGS["en"].keys()
    assert STRINGS["zh"]["condition_names"].keys() == STRINGS["en"]["condition_names"].keys()


def test_the_page_is_chinese_by_default_and_english_on_request(client: TestClient):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN">' in page.text and "离我最近" in page.text
    english = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Nearest to me" in english.text
    assert "Accept-Language" in english.headers["vary"]
    assert '<html lang="en">' in client.get("/?lang=en").text


def test_the_page_loads_nothing_from_another_origin(client: TestClient):
    html = client.get("/").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith(("/", "?", "#")) for s in sources)
    scripts = re.findall(r"<script([^>]*)>", html)
    assert all("src=" in s or 'type="application/json"' in s for s in scripts)  # none inline
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers
    for path in sources:
        if path.startswith("/"):
            assert client.get(path).status_code == 200, path


def test_leaflet_comes_from_the_installed_package(client: TestClient):
    leaflet, cluster = VENDOR_URLS["leaflet"], VENDOR_URLS["markercluster"]
    assert leaflet == "/static/vendor/leaflet-1.9.3"
    script = client.get(f"{leaflet}/leaflet.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert "Leaflet" in script.text[:500]
    assert "max-age" in script.headers["cache-control"]
    assert client.get(f"{cluster}/leaflet.markercluster.js").status_code == 200
    assert client.get(f"{leaflet}/images/marker-icon.png").status_code == 200
    assert client.get(f"{leaflet}/../../../../pyproject.toml").status_code == 404


def test_embed_hides_the_chrome(client: TestClient):
    assert '<body class="embed">' in client.get("/?embed=1").text
    assert '<body class="">' in client.get("/").text


def test_the_configured_base_map_reaches_the_page(tmp_path):
    custom = "https://tiles.example.org/{z}/{x}/{y}.png"
    settings = Settings(data_dir=tmp_path, database_url="", tiles=custom, tiles_gcj02=True)
    with TestClient(create_app(settings)) as client:
        html = client.get("/").text
    assert "tiles.example.org" in html and '"gcj02": true' in html
    with pytest.raises(ValueError, match="choose amap, osm, none"):
        Settings(data_dir=tmp_path, tiles="ftp://x")
