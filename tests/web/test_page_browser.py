"""The map page in a real headless Chromium against a real ``aidmap serve``."""

from __future__ import annotations

import io
import json
import time

import httpx
from PIL import Image

from app.core.config import Settings
from app.domain.enums import Precision, Role
from app.domain.records import NewResource
from app.geo.crs import wgs84_to_gcj02
from app.services.auth import create_token
from app.storage import open_store
from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.seeded import copy_seeded
from tests.web.conftest import Served, serving
from tests.web.streams import client_at, close_all, hold_all

MARKERS = ".leaflet-marker-pane .hm, .leaflet-marker-pane .marker-cluster"
MAP_VIEW = "[aidmap.map.getCenter().lng, aidmap.map.getCenter().lat, aidmap.map.getZoom()]"


def wait_for_map(page) -> None:
    page.wait_for("performance.getEntriesByName('aidmap:first-markers').length")


def show_marker(page, resource_id: int, zoom: int = 17) -> None:
    """Zoom in on a hospital until its own marker (not a cluster) is on the page."""
    page.page.evaluate(
        f"aidmap.map.setView(aidmap.state.markers.get({resource_id}).getLatLng(), {zoom})"
    )
    page.wait_for(f"aidmap.state.markers.get({resource_id}).getElement()")


def test_the_page_loads_from_loopback_only_and_draws_the_hospitals(served, open_page):
    for width, height in ((360, 740), (1280, 800)):
        page = open_page(width, height)
        page.page.goto(served.base + "/")
        wait_for_map(page)
        page.page.wait_for_timeout(300)  # outlines arrive after the markers
        assert page.page.locator(MARKERS).count() > 10
        assert page.page.locator("path.leaflet-interactive, svg path").count() > 0  # outlines
        assert page.page.title() == "上海互助就医地图"
        page.screenshot(f"page-{width}x{height}")
        assert page.outside == [] and page.errors == [] and page.dialogs == []


def test_english_comes_from_the_browser_language_or_lang(served, open_page):
    page = open_page(locale="en-US")
    page.page.goto(served.base + "/")
    assert page.page.locator("#near-me").inner_text() == "Nearest to me"
    page.page.goto(served.base + "/?lang=zh")
    assert page.page.locator("#near-me").inner_text() == "离我最近"


def test_nearest_to_a_fixed_location_lists_what_the_api_answers(served, open_page):
    for resource_id, state in ((1, "open"), (2, "limited"), (3, "closed"), (4, "open")):
        served.put_status(
            resource_id, "dialysis", state, conditions=["appointment_only"], verified=True
        )
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.select_option("#service", "dialysis")
    page.page.click("#near-me")
    page.page.wait_for_selector("#results .result")
    shown = page.page.locator("#results .result .name").all_inner_texts()
    expected = httpx.get(
        served.base + "/api/v1/nearest",
        params={"lon": 121.4737, "lat": 31.2304, "service": "dialysis", "k": 5},
    ).json()["features"]
    assert shown == [f["properties"]["name"] for f in expected]
    assert len(shown) == 3  # open and limited (the default), never closed
    first = page.page.locator("#results .result").first
    assert "有条件接诊：需预约" in first.inner_text()  # the nearest, resource 2, is limited
    assert first.locator("a[href^='https://uri.amap.com/marker']").count() == 1
    assert first.locator("a[href^='geo:']").count() == 1
    page.screenshot("nearest-360x740")
    page.page.locator("#results .result .name").first.click()
    # The popup fetches the resource when it opens: it says verified, never by whom.
    page.wait_for("document.querySelector('.leaflet-popup')?.innerText.includes('已核实')")
    assert "志愿者" not in page.page.locator(".leaflet-popup").inner_text()
    page.screenshot("popup-360x740")
    assert page.outside == [] and page.errors == []


def test_a_status_update_shows_on_an_open_page_within_two_seconds(served, open_page):
    page = open_page(1280, 800)
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.select_option("#service", "emergency")
    page.wait_for("document.getElementById('live').className === 'live-on'")
    show_marker(page, 5)
    marker = "aidmap.state.markers.get(5).getElement().querySelector('.hm').className"
    assert "state-unknown" in page.page.evaluate(marker)
    served.put_status(5, "emergency", "open")
    started = time.monotonic()
    page.wait_for(f"{marker}.includes('state-open')", timeout=2000)
    assert time.monotonic() - started < 2
    assert page.errors == []


def test_html_in_a_name_is_shown_as_text_and_never_run(served, open_page):
    evil = "<img src=x onerror=alert(1)>"
    [added], _ = served.store.apply_resource_changes(
        [NewResource(kind="hospital", name=evil, lon=121.50, lat=31.25,
                     precision=Precision.exact, services=("dialysis",), address=evil)],
        [],
    )  # fmt: skip
    page = open_page(1280, 800)
    page.page.goto(f"{served.base}/?lang=en")
    wait_for_map(page)
    page.page.evaluate("aidmap.map.setView([31.25, 121.50], 17)")
    page.wait_for(f"aidmap.state.markers.has({added.id})")
    page.page.evaluate(f"aidmap.state.markers.get({added.id}).openPopup()")
    popup = page.page.locator(".leaflet-popup h3")
    assert popup.inner_text() == evil
    assert page.page.locator(".leaflet-popup img").count() == 0
    assert page.dialogs == [] and page.outside == []


def test_the_page_works_under_its_security_policy_which_blocks_inline_script(served, open_page):
    page = open_page()
    response = page.page.goto(served.base + "/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "unsafe" not in policy
    wait_for_map(page)
    page.page.select_option("#service", "dialysis")
    page.page.click("#near-me")
    page.page.wait_for_selector("#results")
    page.page.click("#share-open")
    page.wait_for("document.querySelector('#share-qr').naturalWidth > 0")
    assert page.errors == []  # Chromium reports every policy violation as a console error
    # The policy is in force: script that someone managed to put into the page never runs.
    page.page.evaluate("""() => {
        document.body.insertAdjacentHTML('beforeend', '<img src="data:," onerror="window.ran=1">');
        const script = document.createElement('script');
        script.textContent = 'window.ran = 2';
        document.body.append(script);
    }""")
    page.page.wait_for_timeout(300)
    assert page.page.evaluate("window.ran") is None
    assert any("Content Security Policy" in error for error in page.errors), page.errors


def test_the_page_shifts_markers_onto_a_gcj02_base_map(tmp_path_factory, open_page):
    with serving(tmp_path_factory.mktemp("amap"), "amap") as served:
        page = open_page(1280, 800)
        tiles: list[str] = []
        buffer = io.BytesIO()
        Image.new("RGB", (256, 256), "#eeeeee").save(buffer, "PNG")
        png = buffer.getvalue()

        def fake_tile(route):
            tiles.append(route.request.url)
            route.fulfill(body=png, content_type="image/png")

        page.page.route("**/appmaptile**", fake_tile)  # no request leaves the machine
        page.page.goto(served.base + "/")
        wait_for_map(page)
        assert tiles and page.page.evaluate("aidmap.state.gcj") is True
        shown = page.page.evaluate("(() => { const p = aidmap.state.markers.get(1).getLatLng();"
                                   " return [p.lng, p.lat]; })()")  # fmt: skip
        resource = httpx.get(served.base + "/api/v1/resources/1").json()
        expected = wgs84_to_gcj02(resource["lon"], resource["lat"])
        assert abs(shown[0] - expected[0]) < 1e-9 and abs(shown[1] - expected[1]) < 1e-9


def test_without_tiles_the_page_falls_back_to_outlines(tmp_path_factory, open_page):
    with serving(tmp_path_factory.mktemp("osm"), "osm") as served:
        page = open_page(1280, 800, locale="en-US")
        page.page.goto(served.base + "/")  # tile requests are refused: they leave 127.0.0.1
        page.wait_for("document.body.classList.contains('no-tiles')")
        assert "Base map unavailable" in page.page.locator("#message").inner_text()
        assert page.page.evaluate("aidmap.state.gcj") is False
        assert page.outside and all("tile.openstreetmap.org" in url for url in page.outside)
        page.screenshot("fallback-1280x800")


def test_a_share_link_reopens_the_same_view(served, open_page):
    served.put_status(6, "maternity", "open")
    page = open_page(1280, 800)
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.select_option("#service", "maternity")
    show_marker(page, 6, zoom=16)
    page.page.evaluate("aidmap.state.markers.get(6).openPopup()")
    page.page.wait_for_selector(".leaflet-popup .statuses .st")
    view = page.page.evaluate(MAP_VIEW)
    page.page.click("#share-open")
    page.wait_for("document.getElementById('share-text').textContent.length > 0")
    link = page.page.locator("#share-link").inner_text()
    assert link.startswith(served.base + "/s/") and len(link.rsplit("/", 1)[1]) == 6
    page.wait_for("document.getElementById('share-qr').naturalWidth > 0")  # the QR loads
    assert link in page.page.locator("#share-text").inner_text()
    page.screenshot("share-1280x800")

    again = open_page(1280, 800)
    again.page.goto(link)
    again.page.wait_for_selector(".leaflet-popup .statuses .st")
    assert again.page.locator("#service").input_value() == "maternity"
    reopened = again.page.evaluate(MAP_VIEW)
    assert reopened[2] == view[2]  # the centre is kept to 0.001° (~100 m)
    assert abs(reopened[0] - view[0]) <= 6e-4 and abs(reopened[1] - view[1]) <= 6e-4
    assert again.page.evaluate("aidmap.state.selected") == 6
    og = again.page.locator('meta[property="og:image"]').get_attribute("content")
    assert og == link + "/preview.png"
    assert again.errors == [] and again.outside == []


def test_locate_and_report_a_problem(served, open_page):
    page = open_page(1280, 800)
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.click("a.locate")
    page.wait_for("aidmap.map.getZoom() >= 15")
    centre = page.page.evaluate(MAP_VIEW)
    assert abs(centre[0] - 121.4737) < 1e-6 and abs(centre[1] - 31.2304) < 1e-6
    show_marker(page, 7)
    page.page.evaluate("aidmap.state.markers.get(7).openPopup()")
    page.page.click(".leaflet-popup .report summary")
    page.page.fill(".leaflet-popup textarea", "电话打不通 <b>x</b>")
    page.page.click(".leaflet-popup .report button")
    page.wait_for(
        "document.querySelector('.leaflet-popup .report-note').textContent.includes('已提交')"
    )
    queue = httpx.get(
        served.base + "/api/v1/verification-queue",
        headers={"Authorization": f"Bearer {served.secret}"},
    ).json()
    reported = [item for item in queue if item["resource_id"] == 7]
    assert reported and reported[0]["problem_reports"] == ["电话打不通 <b>x</b>"]
    assert page.errors == [] and page.outside == []


HIDDEN = "\u202e\u200b"


def test_names_reach_the_page_without_invisible_or_direction_characters(served, open_page):
    (hospital, office), _ = served.store.apply_resource_changes(
        [NewResource(kind="hospital", name=f"瑞金{HIDDEN}医院", lon=121.4740, lat=31.2306,
                     precision=Precision.exact, services=("dialysis",)),
         NewResource(kind="office", name=f"<b>粗</b>{HIDDEN}居委", lon=121.4745, lat=31.2306,
                     precision=Precision.exact)],
        [],
    )  # fmt: skip
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.click("#near-me")
    page.page.wait_for_selector("#results .result")
    listed = page.page.locator("#results .result .name").all_inner_texts()
    assert "瑞金医院" in listed
    show_marker(page, hospital.id, zoom=18)
    marker = f"aidmap.state.markers.get({hospital.id})"
    assert page.page.evaluate(f"{marker}.getElement().title") == "瑞金医院"
    page.page.evaluate(f"{marker}.openPopup()")
    assert page.page.locator(".leaflet-popup h3").inner_text() == "瑞金医院"
    page.page.evaluate("aidmap.map.setView([31.2306, 121.4745], 18)")
    tooltips = (
        "(() => { const on = []; aidmap.map.eachLayer((layer) => {"
        " if (layer.getTooltip && layer.getTooltip()) on.push(layer); }); return on; })()"
    )
    opened = (  # every tooltip of the view opened, and their texts
        f"({tooltips}.forEach((layer) => layer.openTooltip()),"
        " [...document.querySelectorAll('.leaflet-tooltip')].map((t) => t.textContent))"
    )
    # the offices of the view have arrived (a later answer may redraw them: ask again)
    page.wait_for(f"{opened}.includes('<b>粗</b>居委')")
    shown = page.page.evaluate(opened)
    assert "<b>粗</b>居委" in shown and page.page.locator(".leaflet-tooltip b").count() == 0
    text = page.page.evaluate("document.body.innerText")
    assert not any(char in text for char in HIDDEN)
    assert office.id and page.errors == []


def test_a_nearest_share_from_a_typed_address_keeps_only_the_place(served, open_page):
    typed = "黄浦区人民大道200号 王先生 13800138000"
    page = open_page()  # 360×740, a phone
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.fill("#address", typed)
    page.page.click("#address-form button")
    page.page.wait_for_selector("#results .result")
    with page.page.expect_request("**/api/v1/share") as sent:
        page.page.click("#share-open")
    body = sent.value.post_data_json
    assert "address" not in body["nearest"] and "13800138000" not in json.dumps(body)
    page.wait_for("document.getElementById('share-text').textContent.length > 0")
    card = page.page.locator("#share-text").inner_text()
    assert card.startswith("黄浦区附近的医院") and "王先生" not in card
    page.screenshot("share-dialog-360x740")
    link = page.page.locator("#share-link").inner_text()
    assert page.page.locator("#share-poster").get_attribute("href") == link + "/poster.png"
    assert page.page.get_by_role("link", name="下载海报").is_visible()

    shared = open_page()
    shared.page.goto(link)
    wait_for_map(shared)
    shared.page.wait_for_selector("#results .result")
    assert shared.page.title().startswith("黄浦区附近的医院")
    head = shared.page.evaluate("document.head.innerHTML")
    assert "13800138000" not in head and "王先生" not in head
    shared.screenshot("shared-nearest-360x740")
    embedded = open_page()
    embedded.page.goto(link + "?embed=1")
    wait_for_map(embedded)
    embedded.page.wait_for_selector("#results .result", state="attached")
    assert embedded.page.evaluate("document.body.classList.contains('embed')")
    embedded.screenshot("shared-embed-360x740")
    assert [p.errors for p in (page, shared, embedded)] == [[], [], []]
    assert [p.outside for p in (page, shared, embedded)] == [[], [], []]


def test_a_share_from_a_district_only_address_reopens_as_that_district(served, open_page):
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.fill("#address", "上海市黄浦区")
    page.page.click("#address-form button")
    page.page.wait_for_selector("#nearest-notes .understood")
    with page.page.expect_request("**/api/v1/share") as sent:
        page.page.click("#share-open")
    assert sent.value.post_data_json["nearest"]["precision"] == "district"
    page.wait_for("document.getElementById('share-link').textContent.length > 0")
    link = page.page.locator("#share-link").inner_text()

    shared = open_page()
    with shared.page.expect_request("**/api/v1/nearest?*") as asked:
        shared.page.goto(link)
    assert "precision=district" in asked.value.url
    shared.page.wait_for_selector("#nearest-notes .understood")  # "understood only as 黄浦区"
    assert "黄浦区" in shared.page.locator("#nearest-notes .understood .only").inner_text()
    shared.screenshot("shared-district-360x740")
    assert [p.errors for p in (page, shared)] == [[], []]


LIVE = "document.getElementById('live').className"
SLOTS_FULL = {"AIDMAP_EVENT_STREAMS": "3", "AIDMAP_EVENT_STREAMS_PER_CLIENT": "2",
              "AIDMAP_LIVE_POLL_S": "3"}  # fmt: skip
"""A server with three stream slots, two a client, whose pages poll every 3 s without one."""


def faults(page) -> list[str]:
    """Console errors but the browser's notes on refused requests (503s, a server down),
    which these tests cause on purpose."""
    return [error for error in page.errors if not error.startswith("Failed to load resource")]


def watch_state(page, resource_id: int, service: str) -> str:
    """Show a hospital's marker for ``service``; the expression reading its classes."""
    page.page.select_option("#service", service)
    show_marker(page, resource_id)
    return f"aidmap.state.markers.get({resource_id}).getElement().querySelector('.hm').className"


def test_a_page_refused_a_stream_polls_then_goes_live_when_slots_free(tmp_path_factory, open_page):
    with serving(tmp_path_factory.mktemp("full"), "none", **SLOTS_FULL) as served:
        before = open_page(1280, 800)  # open before the attacker came: it keeps its stream
        before.page.goto(served.base + "/")
        wait_for_map(before)
        before.wait_for(f"{LIVE} === 'live-on'")
        with client_at("127.0.0.2") as attacker:
            held = hold_all(attacker, served.base + "/api/v1/events", 2)  # every slot left
            page = open_page()  # a phone, in its own browser context
            page.page.goto(served.base + "/")
            wait_for_map(page)
            page.wait_for(f"{LIVE} === 'live-poll'")
            assert page.page.locator("#live").inner_text() == "每 3 秒更新"
            marker, seen = watch_state(page, 5, "emergency"), watch_state(before, 5, "emergency")
            served.put_status(5, "emergency", "closed")  # a volunteer closes emergency intake
            page.wait_for(f"{marker}.includes('state-closed')", timeout=3000 + 1500)
            assert page.page.evaluate(LIVE) == "live-poll"  # it came by polling
            before.wait_for(f"{seen}.includes('state-closed')", timeout=2000)
            page.screenshot("live-polling-360x740")
            close_all(held)  # the attacker leaves
        page.wait_for(f"{LIVE} === 'live-on'", timeout=65_000)  # backoff is capped at 60 s
        assert page.page.locator("#live").inner_text() == "实时更新"
        served.put_status(5, "emergency", "open")
        page.wait_for(f"{marker}.includes('state-open')", timeout=2000)
        page.screenshot("live-back-360x740")
        assert faults(page) == [] and faults(before) == [] and page.outside == []


def test_a_page_catches_up_and_goes_live_after_the_server_restarts(tmp_path, open_page):
    data_dir, port = tmp_path / "data", free_port()
    store = open_store(Settings(data_dir=copy_seeded(data_dir), database_url=""))
    _, secret = create_token(store, "志愿者", Role.volunteer)
    served = Served(f"http://127.0.0.1:{port}", store, secret, port)

    def start():
        process = start_serve(data_dir, port, tmp_path / "serve.log", "--log-level", "warning",
                              env={"AIDMAP_TILES": "none"})  # fmt: skip
        wait_healthy(process, port)
        return process

    process = start()
    try:
        page = open_page()
        page.page.goto(served.base + "/")
        wait_for_map(page)
        page.wait_for(f"{LIVE} === 'live-on'")
        marker = watch_state(page, 8, "dialysis")
        stop(process)
        page.wait_for(f"{LIVE} === 'live-off'")
        assert page.page.locator("#live").inner_text() == "连接中断，正在重连…"
        process = start()
        served.put_status(8, "dialysis", "closed")  # made before the page is back
        page.wait_for(f"{marker}.includes('state-closed')", timeout=20_000)
        page.wait_for(f"{LIVE} === 'live-on'", timeout=20_000)
        assert faults(page) == []
    finally:
        stop(process)
        store.close()


HIDE = """hidden => {
    Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
    document.dispatchEvent(new Event('visibilitychange'));
}"""
"""Headless Chromium never hides a page, so the test sets what a browser sets when a tab
goes to the background (``document.hidden``) and sends the same event."""


def test_a_hidden_page_asks_nothing_and_catches_up_when_shown(tmp_path_factory, open_page):
    with (
        serving(tmp_path_factory.mktemp("hidden"), "none", **SLOTS_FULL) as served,
        client_at("127.0.0.2") as attacker,
        client_at("127.0.0.3") as other,
    ):
        held = hold_all(attacker, served.base + "/api/v1/events", 2)
        held += hold_all(other, served.base + "/api/v1/events", 1)
        page = open_page()
        asked: list[str] = []
        page.page.on("request", lambda r: "/api/v1/" in r.url and asked.append(r.url))
        page.page.goto(served.base + "/")
        wait_for_map(page)
        page.wait_for(f"{LIVE} === 'live-poll'")
        marker = watch_state(page, 9, "oncology")
        page.page.evaluate(HIDE, True)
        page.page.wait_for_timeout(500)  # a poll already on its way may finish
        asked.clear()
        served.put_status(9, "oncology", "limited")
        page.page.wait_for_timeout(3 * 3000)  # three poll intervals, and stream retries
        assert [url for url in asked if "/changes" in url or "/events" in url] == []
        page.page.evaluate(HIDE, False)
        page.wait_for(f"{marker}.includes('state-limited')", timeout=3000)
        close_all(held)
