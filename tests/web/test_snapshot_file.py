"""The offline map file opened from disk (file://) in real Chromium with every request but
the file itself refused and recorded: nothing else is asked for, markers and outlines
show, popups read right, HTML in a name stays text, the banner turns red when the snapshot
is older than the status TTL, and tiles are asked for only online and only on request."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from app.core.config import Settings
from app.domain.enums import Kind, Precision
from app.domain.records import NewResource
from app.domain.statuses import State, StatusReport
from app.services.exports.snapshot_data import snapshot_query
from app.storage import open_store
from app.web.snapshot import build_snapshot
from tests.seeded import copy_seeded

APP = Path(__file__).resolve().parents[2] / "app" / "web"
TAKEN = datetime(2026, 4, 12, 6, 30, tzinfo=UTC)  # 14:30 in Shanghai
HOSTILE = "<img src=x onerror=alert(1)>"
HOSTILE_ADDRESS = "<script>alert(2)</script>南京东路1号"
HOSTILE_CONDITIONS = ("constructor", "__proto__")
"""Free text that names what every object has: shown as written, not as Object's own."""
RUIJIN = "上海交通大学医学院附属瑞金医院"
LINK = "https://aid.example.org/s/abc234"


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """Files of a seeded store with a hostile hospital and two statuses, taken at TAKEN."""
    tmp = tmp_path_factory.mktemp("snapshot")
    settings = Settings(data_dir=copy_seeded(tmp / "data"), database_url="", tiles="osm")
    store = open_store(settings)
    try:
        hostile = store.add_resource(NewResource(
            kind=Kind.hospital, name=HOSTILE, lon=121.4800, lat=31.2380,
            precision=Precision.exact, address=HOSTILE_ADDRESS, phones=("021-6666 8888",),
            services=("dialysis",),
        ))  # fmt: skip
        ruijin = next(r for r in store.iter_resources(kind=Kind.hospital) if r.name == RUIJIN)
        three_hours = TAKEN - timedelta(hours=3)
        store.set_status(ruijin.id, "dialysis", StatusReport(
            State.open, "志愿者", conditions=("appointment_only",), reported_at=three_hours,
        ), ruijin.version)  # fmt: skip
        store.set_status(hostile.id, "dialysis", StatusReport(
            State.limited, "志愿者", conditions=HOSTILE_CONDITIONS,
            reported_at=TAKEN - timedelta(hours=20),
        ), hostile.version)  # fmt: skip
        made = {}
        for name, service, lang in (("city", None, "zh"), ("dialysis", "dialysis", "zh"),
                                    ("en", "dialysis", "en")):  # fmt: skip
            body, _ = build_snapshot(store, settings, snapshot_query(store, service, None, lang),
                                     TAKEN, LINK)  # fmt: skip
            made[name] = tmp / f"{name}.html"
            made[name].write_bytes(body)
        return made
    finally:
        store.close()


@dataclass
class FilePage:
    """A page that opened a file from disk; every other request refused and recorded."""

    page: object
    url: str
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def wait_for(self, expression: str, timeout: float = 15.0) -> None:
        """Poll from outside (``wait_for_function`` uses eval, which the file's policy
        refuses)."""
        deadline = time.monotonic() + timeout
        while not self.page.evaluate(expression):
            if time.monotonic() > deadline:
                raise TimeoutError(f"not true after {timeout:.0f} s: {expression}")
            self.page.wait_for_timeout(50)

    def others(self) -> list[str]:
        return [url for url in self.requests if url != self.url]


@pytest.fixture
def open_file(browser) -> Iterator:
    """``open_file(path, now=None, offline=False)`` → a ``FilePage`` at 360×740, zh-CN;
    ``now`` fixes the page's clock (Date), which also stops Leaflet's pan animations: only
    for pages that are looked at, not moved."""
    contexts = []

    def make(path: Path, now: datetime | None = None, offline: bool = False) -> FilePage:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN")
        contexts.append(context)
        page = context.new_page()
        opened = FilePage(page, path.as_uri())
        context.route("**/*", lambda route: route.continue_() if route.request.url == opened.url
                      else route.abort())  # fmt: skip
        page.on("request", lambda request: opened.requests.append(request.url))
        page.on("console", lambda m: m.type in ("error", "warning") and opened.errors.append(
            m.text))  # fmt: skip
        page.on("pageerror", lambda e: opened.errors.append(str(e)))
        page.on("dialog", lambda d: (opened.dialogs.append(d.message), d.dismiss()))
        if now is not None:
            page.clock.set_fixed_time(now)
        context.set_offline(offline)
        page.goto(opened.url)
        opened.wait_for("document.querySelectorAll('.cl, .hm').length > 0")
        return opened

    yield make
    for context in contexts:
        context.close()


def open_popup(opened: FilePage, words: str) -> object:
    """Search ``words`` and open the first match's popup; the popup's element."""
    opened.page.fill("#search", words)
    match = opened.page.locator("#matches button").first
    name = match.inner_text()
    match.click()
    heading = opened.page.locator("h3").get_by_text(name, exact=True)  # the new one's
    popup = opened.page.locator(".leaflet-popup-content .popup").filter(has=heading)
    popup.wait_for(timeout=15_000)
    return popup


def test_the_file_asks_for_nothing_and_shows_markers_and_outlines(open_file, files):
    opened = open_file(files["city"], now=TAKEN + timedelta(minutes=5))
    page = opened.page
    assert opened.others() == []
    assert opened.errors == []
    assert page.locator(".cl").first.is_visible()  # the city's clusters, as rings
    assert page.evaluate("document.documentElement.dataset.markers") == "78"
    painted = page.evaluate("""() => {
        const canvas = document.querySelector('.leaflet-overlay-pane canvas');
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let inked = 0;
        for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) inked++;
        return inked;
    }""")
    assert painted > 10_000  # the district outlines, drawn from the file's own GeoJSON
    assert page.locator("#banner").inner_text() == "快照时间 4月12日 14:30"
    assert page.locator("#tiles").is_visible()  # online: tiles offered, none asked for yet
    page.screenshot(path=str(files["city"].with_suffix(".png")))


def test_a_popup_reads_the_hospital_as_of_the_snapshot(open_file, files):
    opened = open_file(files["dialysis"])
    popup = open_popup(opened, "瑞金")
    assert popup.locator("h3").inner_text() == RUIJIN
    assert popup.locator(".address").inner_text() == "瑞金二路197号"
    assert popup.locator("a.tel").get_attribute("href") == "tel:02164370045"
    chosen = popup.locator(".st.chosen")
    assert chosen.locator(".what").inner_text() == "血透: 开放 (需预约)"
    assert chosen.locator(".when").inner_text() == "更新于快照前 3 小时"
    assert "尚无人报告" in popup.inner_text()  # the services nobody reported, in one line
    assert opened.others() == [] and opened.errors == []


def test_html_in_a_name_or_an_address_stays_text(open_file, files):
    opened = open_file(files["dialysis"])
    opened.page.fill("#search", "<img")
    assert opened.page.locator("#matches button").first.inner_text() == HOSTILE
    popup = open_popup(opened, "<img")
    assert popup.locator("h3").inner_text() == HOSTILE
    assert popup.locator(".address").inner_text() == HOSTILE_ADDRESS
    assert opened.page.locator("img[src=x], .popup script").count() == 0
    assert popup.locator(".st.chosen .when").inner_text() == "更新于快照前 20 小时 · 快照时已过期"
    what = popup.locator(".st.chosen .what").inner_text()
    assert what.endswith(" (constructor、__proto__)"), what
    assert opened.dialogs == [] and opened.errors == [] and opened.others() == []


def test_markers_are_coloured_by_state_and_hollow_when_approximate(open_file, files):
    opened = open_file(files["dialysis"])
    open_popup(opened, "瑞金")
    classes = opened.page.evaluate("[...document.querySelectorAll('.hm')].map(m => m.className)")
    assert any("state-open" in c and "hollow" in c for c in classes)  # 瑞金: approximate
    open_popup(opened, "<img")
    classes = opened.page.evaluate("[...document.querySelectorAll('.hm')].map(m => m.className)")
    limited = [c for c in classes if "state-limited" in c]
    assert limited and all("hollow" not in c and "stale" in c for c in limited)  # exact, old


def test_the_banner_turns_red_once_the_snapshot_is_older_than_the_ttl(open_file, files):
    fresh = open_file(files["city"], now=TAKEN + timedelta(hours=11))
    assert "old" not in (fresh.page.locator("#banner").get_attribute("class") or "")
    old = open_file(files["city"], now=TAKEN + timedelta(hours=13))
    banner = old.page.locator("#banner")
    assert "old" in banner.get_attribute("class")
    assert banner.inner_text().startswith("快照时间 4月12日 14:30 · 已超过 12 小时")
    colour = banner.evaluate("node => getComputedStyle(node).backgroundColor")
    assert colour == "rgb(207, 34, 46)"


def test_tiles_are_asked_for_only_online_and_on_request(open_file, files):
    offline = open_file(files["city"], now=TAKEN, offline=True)
    assert offline.page.locator("#tiles").is_hidden()
    online = open_file(files["city"], now=TAKEN)
    assert online.others() == []
    online.page.click("#tiles")
    online.page.wait_for_timeout(500)
    assert online.others() and all(
        url.startswith("https://tile.openstreetmap.org/") for url in online.others()
    )


def test_an_english_file_names_hospitals_in_english_and_in_chinese(open_file, files):
    opened = open_file(files["en"])
    assert opened.page.locator("html").get_attribute("lang") == "en"
    assert opened.page.locator("#banner").inner_text().startswith("Snapshot taken 12 Apr 14:30")
    popup = open_popup(opened, "ruijin")
    assert popup.locator("h3").inner_text() == "Ruijin Hospital"
    assert popup.locator(".other-name").inner_text() == RUIJIN
    assert popup.locator(".st.chosen .when").inner_text() == "updated 3 h before the snapshot"


def test_the_live_link_and_its_qr_code_are_in_the_file(open_file, files):
    opened = open_file(files["city"], now=TAKEN)
    opened.page.click("#online-open")
    assert opened.page.locator("#live-link").get_attribute("href") == LINK
    drawn = opened.page.locator("#qr").screenshot()
    pixels = cv2.imdecode(np.frombuffer(drawn, np.uint8), cv2.IMREAD_GRAYSCALE)
    text, points, _ = cv2.QRCodeDetector().detectAndDecode(pixels)
    assert points is not None and text == LINK
    assert opened.others() == []


def test_the_file_uses_the_live_maps_colours():
    live = (APP / "static" / "states.js").read_text(encoding="utf-8")
    own = (APP / "snapshot" / "snapshot.js").read_text(encoding="utf-8")
    css = (APP / "snapshot" / "snapshot.css").read_text(encoding="utf-8")
    colours = re.compile(r"var COLOURS = (\{.*?\});", re.S)
    assert " ".join(colours.search(own)[1].split()) == " ".join(colours.search(live)[1].split())
    for state, colour in re.findall(r"(\w+): \"(#[0-9a-f]{6})\"", colours.search(live)[1]):
        if state != "not_offered":
            assert f".state-{state}.hm, .dot.state-{state} {{ background-color: {colour}; }}" in css
