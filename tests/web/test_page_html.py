"""The page's HTML and static files, served by the app (no browser needed)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.core.i18n import STRINGS, choose_language
from app.main import create_app
from app.web.assets import IMPORT, OWN, OWN_URL, VENDOR_URLS, module_graph, own_digest


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


def test_the_page_runs_modules_from_a_path_that_names_their_version(client: TestClient):
    """Our files sit under a digest of them all, kept by browsers for a year: a module's
    relative imports resolve within the version its page named, and any other version is a
    404, so a browser never holds a mix of old and new modules under one version."""
    html = client.get("/").text
    digest = OWN_URL.rsplit("/", 1)[1]
    assert re.fullmatch(r"/static/app/[0-9a-f]{12}", OWN_URL)
    assert re.findall(r'<script type="module" src="([^"]+)"', html) == [f"{OWN_URL}/map.js"]
    preloaded = re.findall(r'<link rel="modulepreload" href="([^"]+)"', html)
    assert preloaded == [f"{OWN_URL}/{name}" for name in module_graph("map.js")]
    assert {"map.js", "api.js", "i18n.js", "states.js", "coords.js", "live.js"} <= {
        url.rsplit("/", 1)[1] for url in preloaded
    }
    script = client.get(f"{OWN_URL}/map.js")
    assert "javascript" in script.headers["content-type"]
    assert script.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert "?v=" not in html and "/static/app/map" not in html.replace(OWN_URL, "")
    other = "0" * 12 if digest != "0" * 12 else "1" * 12
    assert client.get(f"/static/app/{other}/map.js").status_code == 404
    assert client.get("/static/app/map.js").status_code == 404


def test_every_module_import_names_a_module_that_exists_and_none_is_circular():
    graph = {
        path.name: IMPORT.findall(path.read_text(encoding="utf-8")) for path in OWN.glob("*.js")
    }
    assert len(graph) > 10 and sum(map(len, graph.values())) > 20
    assert all(name in graph for imports in graph.values() for name in imports), graph
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, " → ".join((*path, name))
        if name not in done:
            for imported in graph[name]:
                visit(imported, (*path, name))
            done.add(name)

    for name in graph:
        visit(name, ())


def test_the_version_changes_with_any_file(tmp_path):
    (tmp_path / "a.js").write_text("export var a = 1;\n")
    before = own_digest(tmp_path)
    assert own_digest(tmp_path) == before
    (tmp_path / "a.js").write_text("export var a = 2;\n")
    changed = own_digest(tmp_path)
    (tmp_path / "b.css").write_text("")
    assert len({before, changed, own_digest(tmp_path)}) == 3


def test_every_template_names_our_files_by_their_versioned_path():
    """A page naming ``/static/app/x`` or ``?v=`` would ask for a 404."""
    templates = list((OWN.parent / "templates").glob("*.html"))
    assert len(templates) > 3
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert "/static/app/" not in text and "?v=" not in text, template.name
