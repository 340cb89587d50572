"""A real ``aidmap serve`` on loopback and a real headless Chromium for the page tests."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from app.core.config import Settings
from app.domain.enums import Role
from app.services.auth import create_token
from app.storage import open_store
from app.storage.port import Store
from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.conftest import require_or_skip
from tests.seeded import copy_seeded

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]  # fmt: skip
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
PEOPLES_SQUARE = {"longitude": 121.4737, "latitude": 31.2304}


@dataclass
class Served:
    """A running server: its origin, its store (opened beside it), a verifier's secret."""

    base: str
    store: Store
    secret: str
    port: int

    def put_status(self, resource_id: int, service: str, state: str, **extra) -> dict:
        """Report a status through the API, at the resource's current version (a
        coordinator lists the service on the resource first if it does not)."""
        url = f"{self.base}/api/v1/resources/{resource_id}"
        if service not in httpx.get(url).json()["services"]:
            _, coordinator = create_token(self.store, "协调员", Role.coordinator)
            listed = httpx.put(f"{url}/services/{service}",
                               headers={"Authorization": f"Bearer {coordinator}"})  # fmt: skip
            listed.raise_for_status()
        version = httpx.get(url).json()["version"]
        response = httpx.put(
            f"{url}/status/{service}",
            json={"state": state} | extra,
            headers={"Authorization": f"Bearer {self.secret}", "If-Match": f'"{version}"'},
        )
        response.raise_for_status()
        return response.json()


@contextmanager
def serving(tmp: Path, tiles: str, **env: str) -> Iterator[Served]:
    """Seed a data dir, make a verifier token, and run ``aidmap serve`` on it (``env`` adds
    settings, e.g. ``AIDMAP_EVENT_STREAMS="4"``)."""
    settings = Settings(data_dir=copy_seeded(tmp / "data"), database_url="")
    store = open_store(settings)
    _, secret = create_token(store, "志愿者", Role.verifier)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"AIDMAP_TILES": tiles, "AIDMAP_BASE_URL": base} | env
    process = start_serve(settings.data_dir, port, tmp / "serve.log", "--log-level", "warning",
                          env=env)  # fmt: skip
    try:
        wait_healthy(process, port)
        yield Served(base, store, secret, port)
    finally:
        stop(process)
        store.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    """The page's server with no tile server (outlines only), one per test module."""
    with serving(tmp_path_factory.mktemp("served"), "none") as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (no browser download), one per test module:
    while Playwright's sync API runs, its event loop runs in the main thread, where every
    later test of the process that starts a loop (``asyncio.run``, anyio) would fail."""
    require_or_skip(Path(CHROMIUM).exists(), "Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Page:
    """A page in its own context that records console errors, dialogs and any request
    that would leave ``hosts`` (127.0.0.1; those are refused)."""

    def __init__(
        self, browser, width: int, height: int, locale: str, touch: bool = False,
        located: bool = True, hosts: tuple[str, ...] = ("127.0.0.1",),
    ) -> None:  # fmt: skip
        self.hosts = hosts
        self.context = browser.new_context(
            viewport={"width": width, "height": height}, locale=locale,
            geolocation=PEOPLES_SQUARE, permissions=["geolocation"] if located else [],
            has_touch=touch, is_mobile=touch,
        )  # fmt: skip
        self.page = self.context.new_page()
        self.outside: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.context.route("**/*", self._only_loopback)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

    def _only_loopback(self, route) -> None:
        if urlsplit(route.request.url).hostname in self.hosts:
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def wait_for(self, expression: str, timeout: float = 30_000) -> None:
        """Wait until a JS expression is truthy, polling from outside the page:
        ``wait_for_function`` compiles its predicate with eval, which the page's
        Content-Security-Policy refuses."""
        deadline = time.monotonic() + timeout / 1000
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"not true after {timeout:.0f} ms: {expression}")
            self.page.wait_for_timeout(50)

    def screenshot(self, name: str) -> Path:
        """Save a screenshot under tests/artifacts/ (a CI artifact, ignored by git)."""
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=path)
        return path


@pytest.fixture
def open_page(browser):
    """``open_page(width=360, height=740, locale="zh-CN", touch=False, located=True)`` → a
    fresh ``Page`` (``touch``: a phone's touch screen, as Leaflet and its plugins detect
    one; ``located``: the page may read the position, at People's Square; ``hosts``: the
    names it may reach, 127.0.0.1 only unless a test maps another name to loopback)."""
    pages: list[Page] = []

    def make(
        width: int = 360, height: int = 740, locale: str = "zh-CN", touch: bool = False,
        located: bool = True, hosts: tuple[str, ...] = ("127.0.0.1",),
    ) -> Page:  # fmt: skip
        pages.append(Page(browser, width, height, locale, touch, located, hosts))
        return pages[-1]

    yield make
    for page in pages:
        page.context.close()
