"""The deployment of ``deploy/Caddyfile`` run for real (issue 20): Caddy with its own CA
terminating HTTPS for ``aidmap.test``, two ``aidmap serve`` replicas on one SQLite data dir
behind it, and Chromium resolving that name to loopback and trusting that CA."""

from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.domain.enums import Role
from app.services.auth import create_token
from app.storage import open_store
from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.conftest import require_or_skip
from tests.polling import wait_until
from tests.seeded import copy_seeded
from tests.web.conftest import CHROMIUM, CHROMIUM_FLAGS
from tests.web.test_page_browser import show_marker

pytestmark = pytest.mark.server
CADDY = shutil.which("caddy")
CERTUTIL = shutil.which("certutil")
CADDYFILE = Path(__file__).resolve().parents[2] / "deploy" / "Caddyfile"
NAME = "aidmap.test"
SHARES_PER_CLIENT = 30
LIVE = "document.getElementById('live').className"


@dataclass
class Deployment:
    """Caddy's two ports, the replicas' logs, the public origin and a verifier's secret."""

    http_port: int
    https_port: int
    logs: list[Path]
    root_cert: Path
    secret: str

    @property
    def origin(self) -> str:
        """What a browser opens."""
        return f"https://{NAME}:{self.https_port}"

    def client(self, source: str = "127.0.0.1") -> httpx.Client:
        """A client whose connections come from loopback ``source``, which reaches Caddy
        under its public name and checks its certificate against Caddy's own CA."""
        trusted = ssl.create_default_context(cafile=self.root_cert)
        return httpx.Client(
            base_url=f"https://127.0.0.1:{self.https_port}", headers={"Host": NAME},
            transport=httpx.HTTPTransport(local_address=source, verify=trusted), timeout=10,
        )  # fmt: skip


def request(client: httpx.Client, method: str, path: str, **kwargs) -> httpx.Response:
    """``method path`` through Caddy, the TLS handshake naming ``aidmap.test``."""
    return client.request(method, path, extensions={"sni_hostname": NAME}, **kwargs)


GRACE_S = 1
"""Caddy's grace period here (deploy/Caddyfile: 10 s): how long a stop waits for streams."""


def start_caddy(tmp: Path, env: dict[str, str]) -> subprocess.Popen:
    """``caddy run`` on the deployment's Caddyfile, without root: high ports, no admin
    endpoint, its CA and certificates under ``tmp``, trusted nowhere but in the test."""
    home = tmp / "caddy"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "XDG_DATA_HOME": str(home),
           "XDG_CONFIG_HOME": str(home), **env,
           "AIDMAP_CADDY_OPTIONS": "admin off\nlocal_certs\nskip_install_trust",
           "AIDMAP_CADDY_GRACE": f"{GRACE_S}s"}  # fmt: skip
    with (tmp / "caddy.log").open("w") as log:
        return subprocess.Popen(
            [CADDY, "run", "--config", str(CADDYFILE), "--adapter", "caddyfile"],
            env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip


def wait_for_https(process: subprocess.Popen, deployment: Deployment, log: Path) -> None:
    """Until Caddy answers over HTTPS with a certificate from its CA (made at its start)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()[-3000:]
        if deployment.root_cert.exists():
            try:
                with deployment.client() as client:
                    if request(client, "GET", "/livez").status_code == 200:
                        return
            except (httpx.TransportError, ssl.SSLError):
                pass
        time.sleep(0.2)
    raise AssertionError(f"Caddy did not answer over HTTPS: {log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """Two replicas on one seeded data dir, trusting loopback as their proxy, and Caddy
    in front of both."""
    require_or_skip(CADDY is not None, "Caddy is not installed (apt-get install caddy)")
    tmp = tmp_path_factory.mktemp("https")
    settings = Settings(data_dir=copy_seeded(tmp / "data"), database_url="")
    store = open_store(settings)
    try:
        _, secret = create_token(store, "志愿者", Role.verifier)
    finally:
        store.close()
    http_port, https_port, ports = free_port(), free_port(), [free_port(), free_port()]
    deployment = Deployment(
        http_port, https_port, [tmp / f"replica{n}.log" for n in range(2)],
        tmp / "caddy" / "caddy" / "pki" / "authorities" / "local" / "root.crt", secret,
    )  # fmt: skip
    env = {"AIDMAP_TILES": "none", "AIDMAP_TRUSTED_PROXIES": "127.0.0.1",
           "AIDMAP_BASE_URL": deployment.origin}  # fmt: skip
    processes: list[subprocess.Popen] = []
    try:
        for port, log in zip(ports, deployment.logs, strict=True):
            processes.append(start_serve(settings.data_dir, port, log, env=env))
            wait_healthy(processes[-1], port)
        processes.append(start_caddy(tmp, {
            "AIDMAP_DOMAIN": NAME, "AIDMAP_HTTP_PORT": str(http_port),
            "AIDMAP_HTTPS_PORT": str(https_port),
            "AIDMAP_UPSTREAMS": " ".join(f"127.0.0.1:{port}" for port in ports),
        }))  # fmt: skip
        wait_for_https(processes[-1], deployment, tmp / "caddy.log")
        yield deployment
    finally:
        exits = [stop(process) for process in reversed(processes)]
    # Caddy ends by itself within its grace period though the page's stream was open
    # (by default it waits for every stream to end, and the test's stop killed it at 30 s)
    assert exits[0] == 0
    for log in deployment.logs:
        assert "Traceback" not in log.read_text()


@pytest.fixture(scope="module")
def browser(deployment: Deployment, tmp_path_factory: pytest.TempPathFactory):
    """Chromium that resolves ``aidmap.test`` to loopback and trusts Caddy's CA as a
    person's browser trusts a public one (its own certificate database, under a HOME of
    its own), so the page is a secure context with a certificate that checks out."""
    require_or_skip(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    require_or_skip(CERTUTIL is not None, "certutil is not installed (libnss3-tools)")
    from playwright.sync_api import sync_playwright

    home = tmp_path_factory.mktemp("chromium-home")
    nss = home / ".pki" / "nssdb"
    nss.mkdir(parents=True)
    trust_root = ["-A", "-t", "C,,", "-n", "caddy-local", "-i", str(deployment.root_cert)]
    for command in (["-N", "--empty-password"], trust_root):
        subprocess.run([CERTUTIL, "-d", f"sql:{nss}", *command], check=True, capture_output=True)
    flags = [*CHROMIUM_FLAGS, f"--host-resolver-rules=MAP {NAME} 127.0.0.1"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=flags, env=os.environ | {"HOME": str(home)}
        )
        yield browser
        browser.close()


def logged_clients(deployment: Deployment, path: str) -> list[str]:
    """The client of each request to ``path`` in both replicas' access logs."""
    clients = []
    for log in deployment.logs:
        for line in log.read_text().splitlines():
            entry = json.loads(line) if line.startswith("{") else {}
            if entry.get("logger") == "aidmap.access" and entry.get("path") == path:
                clients.append(entry["client"])
    return clients


def test_plain_http_is_sent_to_https_which_carries_hsts(deployment: Deployment):
    answer = httpx.get(f"http://127.0.0.1:{deployment.http_port}/?lang=en",
                       headers={"Host": NAME})  # fmt: skip
    assert answer.status_code == 308
    # Caddy's own redirect names the standard HTTPS port (a deployment listens on 443).
    assert answer.headers["location"] == f"https://{NAME}/?lang=en"
    with deployment.client() as client:
        page = request(client, "GET", "/", headers={"Accept-Encoding": "zstd, gzip"})
    assert page.status_code == 200
    assert page.headers["strict-transport-security"] == "max-age=31536000"
    assert page.headers["content-encoding"] in {"zstd", "gzip"}
    assert page.headers["x-content-type-options"] == "nosniff"  # aidmap's own, passed on


def test_static_files_keep_their_long_cache_and_events_pass_uncompressed(
    deployment: Deployment,
):
    with deployment.client() as client:
        page = request(client, "GET", "/").text
        script = page.split('src="', 1)[1].split('"', 1)[0]
        assert script.startswith("/static/")  # a versioned path
        static = request(client, "GET", script, headers={"Accept-Encoding": "gzip"})
        assert static.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert static.headers["content-encoding"] == "gzip"
        headers = {"Accept-Encoding": "zstd, gzip"}
        started = time.monotonic()
        with client.stream("GET", "/api/v1/events", headers=headers,
                           extensions={"sni_hostname": NAME}) as events:  # fmt: skip
            assert events.headers["content-type"].startswith("text/event-stream")
            assert "content-encoding" not in events.headers
            assert next(events.iter_lines()).startswith("retry: ")
        assert time.monotonic() - started < 5  # the first line was not held back


def test_the_page_is_a_secure_context_and_near_me_lists_the_nearest_answer(
    deployment: Deployment, open_page
):
    page = open_page(hosts=(NAME,))
    nearest: list[str] = []
    page.page.on("response", lambda r: "/api/v1/nearest?" in r.url and nearest.append(r.url))
    response = page.page.goto(f"{deployment.origin}/")
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert page.page.evaluate("window.isSecureContext") is True
    assert page.page.evaluate("location.protocol") == "https:"
    page.wait_for("performance.getEntriesByName('aidmap:first-markers').length")
    page.page.click("#near-me")  # the granted position: People's Square
    page.page.wait_for_selector("#results .result")
    [asked] = nearest
    with deployment.client() as client:
        answer = request(client, "GET", asked.removeprefix(deployment.origin)).json()
    names = page.page.locator("#results .result .name").all_inner_texts()
    assert names == [feature["properties"]["name"] for feature in answer["features"]]
    assert len(names) == 5
    page.screenshot("https-nearest-360x740")
    assert page.errors == [] and page.outside == []


def test_a_status_change_reaches_the_page_over_the_event_stream_through_caddy(
    deployment: Deployment, open_page
):
    page = open_page(1280, 800, hosts=(NAME,))
    page.page.goto(f"{deployment.origin}/")
    page.wait_for("performance.getEntriesByName('aidmap:first-markers').length")
    page.page.select_option("#service", "emergency")
    page.wait_for(f"{LIVE} === 'live-on'")
    show_marker(page, 7)
    marker = "aidmap.state.markers.get(7).getElement().querySelector('.hm').className"
    assert "state-unknown" in page.page.evaluate(marker)
    with deployment.client() as client:
        url = "/api/v1/resources/7"
        version = request(client, "GET", url).json()["version"]
        put = request(
            client, "PUT", f"{url}/status/emergency", json={"state": "open"},
            headers={"Authorization": f"Bearer {deployment.secret}",
                     "If-Match": f'"{version}"'},
        )  # fmt: skip
    assert put.status_code == 200, put.text
    page.wait_for(f"{marker}.includes('state-open')", timeout=5000)
    assert page.errors == [] and page.outside == []


def shares(deployment: Deployment, source: str, count: int) -> list[int]:
    """Statuses of up to ``count`` new shares from ``source`` through Caddy, stopping at
    the first refusal; each request claims another client in its own X-Forwarded-For."""
    statuses: list[int] = []
    with deployment.client(source) as client:
        for n in range(count):
            view = {"center": [121.0 + n / 100, 31.2], "zoom": 12}
            forged = {"X-Forwarded-For": f"198.51.100.{n}"}
            statuses.append(request(client, "POST", "/api/v1/share", json=view,
                                    headers=forged).status_code)  # fmt: skip
            if statuses[-1] != 201:
                break
    return statuses


def test_two_clients_behind_caddy_have_limits_of_their_own(deployment: Deployment):
    first = shares(deployment, "127.0.0.2", 2 * SHARES_PER_CLIENT + 1)
    assert first[-1] == 429
    # the replicas count in the store they share: the 31st is refused whichever answers
    assert first.count(201) == SHARES_PER_CLIENT
    assert shares(deployment, "127.0.0.3", 1) == [201]  # another client, its own limit
    # a request is logged once answered: wait for every line, then read them all
    wait_until(lambda: len(logged_clients(deployment, "/api/v1/share")) == len(first) + 1)
    assert set(logged_clients(deployment, "/api/v1/share")) == {"127.0.0.2", "127.0.0.3"}
