"""Links follow the address ``aidmap serve`` is reached at (issue 14): share links, QR
codes, og:url and OGC links on a non-default port, unless AIDMAP_BASE_URL is set; a
forwarded host is believed only from AIDMAP_TRUSTED_PROXIES and only if AIDMAP_ALLOWED_HOSTS
names it, and the Host header never; a shared cache may keep links only to a named host."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from app.serving.forwarded import forwarded_host
from app.web.assets import OWN_URL
from app.web.qr import qr_svg
from tests.cli.serving import free_port, start_serve, stop, wait_healthy

pytestmark = pytest.mark.server
VIEW = {"center": [121.47, 31.23], "zoom": 13, "service": "dialysis"}
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https"}
OG_URL = re.compile(r'<meta property="og:url" content="([^"]+)"')


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One data dir for the module's servers (seeded by the first)."""
    return tmp_path_factory.mktemp("links") / "data"


def serve(data_dir: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    assert port != 8000
    process = start_serve(data_dir, port, data_dir.parent / f"serve-{port}.log", env=env)
    try:
        wait_healthy(process, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@pytest.fixture(scope="module")
def plain(data_dir: Path) -> Iterator[str]:
    """No AIDMAP_BASE_URL, no trusted proxy."""
    yield from serve(data_dir, {})


def share_links(base: str, source: str = "127.0.0.1", headers: dict | None = None) -> dict:
    """A new share's answer, asked from ``source`` with ``headers``."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=base, transport=transport, timeout=10) as client:
        made = client.post("/api/v1/share", json=VIEW, headers=headers or {})
        assert made.status_code == 201, made.text
        return made.json()


def test_links_name_the_port_served_whatever_the_host_header(plain: str):
    made = share_links(plain, headers=FORGED)
    assert made["url"] == f"{plain}/s/{made['code']}"
    assert made["qr_png"].startswith(f"{plain}/s/") and made["text"].startswith(plain)
    page = httpx.get(made["url"], headers=FORGED).text
    assert OG_URL.search(page)[1] == made["url"]
    assert f'content="{made["url"]}/preview.png"' in page and "evil.example" not in page
    qr = httpx.get(f"{made['url']}/qr.svg", headers=FORGED)
    assert qr.content == qr_svg(made["url"])  # the code holds the link on this port
    card = httpx.get(f"{made['url']}.txt", headers=FORGED).text
    assert card.splitlines()[-1].endswith(made["url"])
    assert OG_URL.search(httpx.get(f"{plain}/", headers=FORGED).text)[1] == f"{plain}/"
    landing = httpx.get(f"{plain}/ogc", headers=FORGED).json()
    assert {link["href"].split("/ogc")[0].split("/docs")[0].split("/openapi")[0]
            for link in landing["links"]} == {plain}  # fmt: skip


def test_a_forwarded_host_is_ignored_from_an_untrusted_client(plain: str):
    made = share_links(plain, source="127.0.0.4", headers=FORGED)
    assert made["url"].startswith(f"{plain}/s/")


def test_links_to_the_served_address_are_never_publicly_cached(plain: str):
    made = share_links(plain)
    for path in ("/qr.png", "/qr.svg", ".txt", "/preview.png"):
        answer = httpx.get(f"{made['url']}{path}")
        assert answer.status_code == 200
        assert answer.headers["cache-control"].startswith("private, max-age="), path
    ogc = httpx.get(f"{plain}/ogc/collections")
    assert ogc.headers["cache-control"].startswith("private")


def test_a_trusted_proxy_forwards_no_host_the_operator_did_not_allow(data_dir: Path):
    """A proxy passes on the X-Forwarded-Host its client sent: without AIDMAP_ALLOWED_HOSTS,
    and for a host not in it, links and QR codes keep the served address, uncached."""
    proxy = {"AIDMAP_TRUSTED_PROXIES": "127.0.0.1"}
    for env in (proxy, proxy | {"AIDMAP_ALLOWED_HOSTS": "aidmap.example"}):
        for base in serve(data_dir, env):
            made = share_links(base, headers=FORGED)
            assert made["url"] == f"https://{base.split('://')[1]}/s/{made['code']}", env
            qr = httpx.get(f"{base}/s/{made['code']}/qr.svg", headers=FORGED)
            assert b"evil.example" not in qr.content and qr.content == qr_svg(made["url"])
            assert qr.headers["cache-control"].startswith("private"), env
            card = httpx.get(f"{base}/s/{made['code']}.txt", headers=FORGED).text
            assert "evil.example" not in card


def test_a_trusted_proxy_names_the_public_host_and_scheme(data_dir: Path):
    env = {"AIDMAP_TRUSTED_PROXIES": "127.0.0.1", "AIDMAP_ALLOWED_HOSTS": "Aidmap.example"}
    for base in serve(data_dir, env):
        forwarded = {"X-Forwarded-Host": "aidmap.example:8443", "X-Forwarded-Proto": "https"}
        made = share_links(base, headers=forwarded)
        assert made["url"] == f"https://aidmap.example:8443/s/{made['code']}"
        qr = httpx.get(f"{base}/s/{made['code']}/qr.png", headers=forwarded)
        assert qr.headers["cache-control"] == "public, max-age=86400, immutable"
        assert qr.headers["vary"] == "X-Forwarded-Host"
        ogc = httpx.get(f"{base}/ogc/collections", headers=forwarded).json()
        assert ogc["links"][0]["href"] == "https://aidmap.example:8443/ogc/collections"
        # the same headers from a client that is not the proxy change nothing
        assert share_links(base, "127.0.0.4", forwarded)["url"].startswith(f"{base}/s/")
        # a forwarded value that is no plain host is not used, not even in part
        for bad in ("evil.example/x", "a@evil.example", "<b>", "evil.example:99999"):
            url = share_links(base, headers={"X-Forwarded-Host": bad})["url"]
            assert url.startswith(f"{base}/s/"), (bad, url)


def test_aidmap_base_url_wins_over_every_address(data_dir: Path):
    env = {"AIDMAP_TRUSTED_PROXIES": "127.0.0.1", "AIDMAP_BASE_URL": "https://map.example.org"}
    for base in serve(data_dir, env):
        made = share_links(base, headers={"X-Forwarded-Host": "other.example"})
        assert made["url"] == f"https://map.example.org/s/{made['code']}"
        qr = httpx.get(f"{base}/s/{made['code']}/qr.svg", headers=FORGED)
        assert qr.headers["cache-control"].startswith("public")
        assert "x-forwarded-host" not in qr.headers.get("vary", "").lower()
        page = httpx.get(f"{base}/s/{made['code']}").text
        assert OG_URL.search(page)[1] == made["url"]


def test_a_trusted_proxy_names_the_path_it_serves_the_app_under(data_dir: Path):
    env = {"AIDMAP_TRUSTED_PROXIES": "127.0.0.1"}
    for base in serve(data_dir, env):
        prefix = {"X-Forwarded-Prefix": "/aidmap/"}
        made = share_links(base, headers=prefix)
        assert made["url"] == f"{base}/aidmap/s/{made['code']}"
        page = httpx.get(f"{base}/s/{made['code']}", headers=prefix).text
        assert f'<script type="module" src="/aidmap{OWN_URL}/map.js">' in page
        # from a client that is not the proxy, or not a plain path: no prefix
        assert share_links(base, "127.0.0.4", prefix)["url"].startswith(f"{base}/s/")
        for bad in ("//evil.example", "/a/../b", "aidmap", '/"><b>', "/a b"):
            url = share_links(base, headers={"X-Forwarded-Prefix": bad})["url"]
            assert url.startswith(f"{base}/s/"), (bad, url)


def test_aidmap_root_path_serves_with_or_without_the_path_a_proxy_passes(data_dir: Path):
    for base in serve(data_dir, {"AIDMAP_ROOT_PATH": "/aidmap"}):
        for asked in (f"{base}/ogc", f"{base}/aidmap/ogc"):  # a proxy stripped it, or not
            landing = httpx.get(asked)
            assert landing.status_code == 200, asked
            assert landing.json()["links"][0]["href"] == f"{base}/aidmap/ogc"
        made = share_links(base)
        assert made["url"] == f"{base}/aidmap/s/{made['code']}"
        missing = httpx.get(f"{base}/s/zzzzzz", headers={"Accept": "text/html"})
        assert missing.status_code == 404 and 'href="/aidmap/"' in missing.text


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([b"Map.Example.org"], "map.example.org"),
        ([b"proxy.internal, map.example.org:8443"], "map.example.org:8443"),
        ([b"first.example", b"[2001:db8::1]:443"], "[2001:db8::1]:443"),
        ([b"evil.example/path"], None),
        ([b"evil.example?x"], None),
        ([b"user@evil.example"], None),
        ([b"-bad.example"], None),
        ([b""], None),
        ([], None),
    ],
)
def test_only_plain_hosts_are_taken_from_x_forwarded_host(values, expected):
    headers = [(b"x-forwarded-host", value) for value in values]
    assert forwarded_host([(b"host", b"x"), *headers]) == expected
