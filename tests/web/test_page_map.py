"""The map itself, as a requester on a 360×740 phone reads it: a tapped result shows its
hospital and popup, a reported problem and a volunteer's note show, a service a hospital
does not offer says so, clusters and markers use the legend's colours (and every colour
is in the legend), English names, and markers that stay visible on either base map."""

from __future__ import annotations

import io

import httpx
import pytest
from PIL import Image

from tests.web.conftest import Served, serving
from tests.web.test_page_browser import show_marker, wait_for_map

IN_VIEW = """id => {
    const m = aidmap.state.markers.get(id), icon = m && m.getElement();
    if (!icon) return false;
    const r = icon.getBoundingClientRect();
    const box = document.getElementById('map').getBoundingClientRect();
    return r.top >= box.top && r.bottom <= box.bottom && r.left >= box.left && r.right <= box.right;
}"""
"""The hospital's own marker is drawn and wholly inside the map."""
GREY_TILE = io.BytesIO()
Image.new("RGB", (256, 256), "#eeeeee").save(GREY_TILE, "PNG")


def fake_tiles(page) -> None:
    """Tiles of the Amap base map, answered here: no request leaves the machine."""
    page.page.route("**/appmaptile**", lambda route: route.fulfill(
        body=GREY_TILE.getvalue(), content_type="image/png"))  # fmt: skip


@pytest.fixture(scope="module")
def amap(tmp_path_factory):
    """A server whose page starts on the Amap tiles (GCJ-02), which fake_tiles answers."""
    with serving(tmp_path_factory.mktemp("amap-page"), "amap") as served:
        yield served


@pytest.mark.parametrize("base_map", ["none", "amap"])
def test_tapping_a_result_on_a_touch_phone_shows_the_hospital_and_its_popup(
    base_map, served, amap, open_page
):
    server = served if base_map == "none" else amap
    page = open_page(touch=True)
    if base_map == "amap":
        fake_tiles(page)
    page.page.goto(server.base + "/")
    wait_for_map(page)
    page.page.tap("#near-me")
    page.page.wait_for_selector("#results .result")
    first = page.page.locator("#results .result").first
    name = first.locator(".name").inner_text()
    resource_id = int(first.get_attribute("data-id"))
    first.locator(".name").tap()
    page.page.wait_for_timeout(2500)  # any pan of the popup, and the clusters' redraw, are over
    popup = page.page.locator(".leaflet-popup")
    assert popup.count() == 1 and popup.locator("h3").inner_text() == name
    assert page.page.evaluate(IN_VIEW, resource_id)
    box, shown = page.page.locator("#map").bounding_box(), popup.bounding_box()
    assert shown["y"] >= box["y"] and shown["y"] + shown["height"] <= box["y"] + box["height"]
    phones = httpx.get(f"{server.base}/api/v1/resources/{resource_id}").json()["phones"]
    assert page.page.locator(".leaflet-popup .phones a").all_inner_texts() == phones
    page.screenshot(f"tap-result-{base_map}-360x740")
    assert page.errors == [] and page.outside == []


def test_a_reported_problem_shows_on_the_marker_and_in_the_popup_without_its_words(
    served: Served, open_page
):
    served.put_status(10, "dialysis", "open")
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.select_option("#service", "dialysis")
    show_marker(page, 10)
    icon = "aidmap.state.markers.get(10).getElement()"
    assert page.page.evaluate(f"{icon}.querySelector('.hm-flag')") is None
    page.page.evaluate("aidmap.state.markers.get(10).openPopup()")
    page.page.wait_for_selector(".leaflet-popup .statuses .st")
    assert page.page.locator(".leaflet-popup .problem").is_hidden()
    page.page.click(".leaflet-popup .report summary")
    page.page.fill(".leaflet-popup textarea", "电话打不通 Wq2z7")
    page.page.click(".leaflet-popup .report button")
    page.page.wait_for_selector(".leaflet-popup .problem", state="visible")  # at once
    assert page.page.locator(".leaflet-popup .problem").inner_text() == "⚠ 有人报告问题，正在核实"
    assert page.page.evaluate(f"{icon}.querySelector('.hm-flag').textContent") == "!"

    later = open_page()  # another requester, later: the flag, never the words
    later.page.goto(served.base + "/")
    wait_for_map(later)
    show_marker(later, 10)
    assert later.page.evaluate(f"{icon}.querySelector('.hm-flag') !== null")
    later.page.evaluate("aidmap.state.markers.get(10).openPopup()")
    later.page.wait_for_selector(".leaflet-popup .problem", state="visible")
    later.screenshot("problem-reported-360x740")
    assert "Wq2z7" not in later.page.evaluate("document.body.innerText")
    assert "有人报告问题" in later.page.locator(".panel-legend").inner_text()
    served.put_status(10, "dialysis", "open")  # a volunteer called: checked
    again = open_page()
    again.page.goto(served.base + "/")
    wait_for_map(again)
    show_marker(again, 10)
    assert again.page.evaluate(f"{icon}.querySelector('.hm-flag')") is None
    assert [p.errors for p in (page, later, again)] == [[], [], []]


def test_a_note_shows_with_its_age_and_a_service_not_offered_says_so(served: Served, open_page):
    conditions = ["appointment_only", "constructor"]  # free text named like Object's own
    served.put_status(11, "dialysis", "limited", conditions=conditions, note="只收本院老病人")
    listed = httpx.get(served.base + "/api/v1/resources?kind=hospital&limit=100").json()
    reported = {r["id"] for r in listed for s in r["statuses"]
                if s["service"] == "dialysis" and s["age_seconds"] is not None}  # fmt: skip
    without = next(r for r in listed if "dialysis" not in r["services"] and r["id"] not in reported)
    unknown = next(
        r["id"] for r in listed if "dialysis" in r["services"] and r["id"] not in reported
    )
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.select_option("#service", "dialysis")
    show_marker(page, 11)
    page.page.evaluate("aidmap.state.markers.get(11).openPopup()")
    page.page.wait_for_selector(".leaflet-popup .statuses .note")
    chosen = page.page.locator(".leaflet-popup .statuses .st").first
    assert chosen.locator(".what").inner_text() == "血透: 有限接诊 (需预约、constructor)"
    assert chosen.locator(".note").inner_text() == "志愿者备注（刚刚）：“只收本院老病人”"
    page.screenshot("limited-with-note-360x740")
    page.page.evaluate("aidmap.map.closePopup()")

    show_marker(page, without["id"])
    marker = f"aidmap.state.markers.get({without['id']}).getElement().querySelector('.hm')"
    assert "state-not_offered" in page.page.evaluate(f"{marker}.className")
    show_marker(page, unknown)
    other = f"aidmap.state.markers.get({unknown}).getElement().querySelector('.hm').className"
    assert "state-unknown" in page.page.evaluate(other) and "stale" not in page.page.evaluate(other)
    show_marker(page, without["id"])
    page.page.evaluate(f"aidmap.state.markers.get({without['id']}).openPopup()")
    page.page.wait_for_selector(".leaflet-popup .st.not-offered")
    assert page.page.locator(".leaflet-popup .st").first.inner_text() == "血透: 不提供此服务"
    assert page.page.locator("#legend .keys-service").inner_text().split() == [
        "开放", "有限接诊", "暂停", "未知", "不提供此服务"
    ]  # fmt: skip
    page.screenshot("not-offered-360x740")
    assert page.errors == []
