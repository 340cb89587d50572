"""One legend for the map on a 360×740 phone: clusters (the page's and the server's) are
rings of the states inside them in the legend's colours, every marker's colour has its
key, English names with the Chinese ones, a title and a live indicator that fit, and
markers out of date that stay visible on the outline map and on tiles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from app.domain.enums import Precision
from app.domain.records import NewResource
from tests.web.conftest import Served, serving
from tests.web.test_page_browser import show_marker, wait_for_map
from tests.web.test_page_map import fake_tiles

GREEN, BLUE = "rgb(26, 127, 55)", "rgb(11, 83, 148)"
RINGS = "[...document.querySelectorAll('.leaflet-marker-pane .cl')]"
SHOWN_STATES = """[...new Set([...document.querySelectorAll('.leaflet-marker-pane .hm')]
    .flatMap(e => [...e.classList].filter(c => c.startsWith('state-'))))]"""
EVERY_LOOK = """[...new Set([...aidmap.state.markers.values()]
    .flatMap(m => [...m.options.icon.options.html.querySelectorAll('*')])
    .flatMap(e => [...e.classList]))]"""
"""Every class of every hospital's icon, on the map now or inside a cluster."""


def rings(page) -> list[dict]:
    """Each cluster on the map: its ring (the CSS background) and what it says."""
    return page.page.evaluate(f"""{RINGS}.map(e => ({{ring: getComputedStyle(e).backgroundImage,
        title: e.title, count: e.textContent}}))""")  # fmt: skip


def test_page_clusters_are_rings_of_the_states_inside(served: Served, open_page):
    served.put_status(1, "dialysis", "open")
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    everything = rings(page)
    assert everything and all(BLUE in c["ring"] and GREEN not in c["ring"] for c in everything)
    assert page.page.locator(".marker-cluster").count() == 0  # no green/yellow by count
    assert page.page.locator("#legend .keys-all").inner_text() == "医院（选择服务可看接诊状态）"
    assert page.page.locator("#legend .keys-service").is_hidden()
    assert page.page.evaluate(SHOWN_STATES) in ([], ["state-none"])

    page.page.select_option("#service", "dialysis")
    page.wait_for(f"{RINGS}.some(e => getComputedStyle(e).backgroundImage.includes('{GREEN}'))")
    [with_open] = [c for c in rings(page) if GREEN in c["ring"]]
    assert "开放 1" in with_open["title"] and with_open["title"].startswith(
        f"{with_open['count']} 家医院："
    )
    assert all(BLUE not in c["ring"] for c in rings(page))
    assert page.page.locator("#legend .keys-all").is_hidden()
    page.screenshot("clusters-dialysis-360x740")
    assert page.errors == []


def test_server_clusters_of_a_large_layer_are_rings_of_the_states_inside(
    tmp_path_factory, open_page
):
    with serving(tmp_path_factory.mktemp("large"), "none") as served:
        served.store.apply_resource_changes(
            [NewResource(kind="hospital", name=f"医院{n}", lon=121.3 + (n % 40) / 100,
                         lat=31.1 + (n // 40) / 100, precision=Precision.exact,
                         services=("dialysis",)) for n in range(1100)], []
        )  # fmt: skip
        served.put_status(1, "dialysis", "open")
        page = open_page()
        asked: list[str] = []
        page.page.on("request", lambda r: "/clusters" in r.url and asked.append(r.url))
        page.page.goto(served.base + "/")
        wait_for_map(page)
        assert page.page.evaluate("aidmap.state.features.size") == 0  # server clusters only
        assert all(BLUE in c["ring"] for c in rings(page))
        page.page.select_option("#service", "dialysis")
        page.wait_for(f"{RINGS}.some(e => getComputedStyle(e).backgroundImage.includes('{GREEN}'))")
        assert "by_state=true" in asked[-1] and "service=dialysis" in asked[-1]
        [with_open] = [c for c in rings(page) if GREEN in c["ring"]]
        assert "开放 1" in with_open["title"]
        total = sum(int(c["count"]) for c in rings(page))
        assert total == 77 + 1100
        page.screenshot("server-clusters-dialysis-360x740")
        assert page.errors == []


def test_every_marker_colour_has_its_key_in_the_legend(served: Served, open_page):
    long_ago = (datetime.now(UTC) - timedelta(hours=20)).isoformat()
    served.put_status(2, "dialysis", "limited", reported_at=long_ago)  # out of date
    served.put_status(3, "dialysis", "closed")
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.select_option("#service", "dialysis")
    looks = page.page.evaluate(EVERY_LOOK)
    states = [c for c in looks if c.startswith("state-")]
    assert {"state-open", "state-limited", "state-closed", "state-unknown",
            "state-not_offered"} <= set(states)  # fmt: skip
    keys = page.page.evaluate("""[...document.querySelectorAll('#legend .dot')]
        .filter(e => e.offsetParent !== null).map(e => e.className)""")  # fmt: skip
    for shown in states:
        assert any(shown in key.split() for key in keys), f"{shown} is not in the legend"
    assert {"stale", "hollow", "hm-flag"} & set(looks) >= {"stale", "hollow"}
    legend = page.page.locator(".panel-legend").inner_text()
    assert "空心 = 位置不精确" in legend and "条纹/虚线 = 信息过期" in legend
    assert "圆环 = 多家医院" in legend
    assert page.errors == []


def test_english_names_title_and_live_indicator_fit_a_phone(served: Served, open_page):
    page = open_page(locale="en-US")
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.wait_for("document.getElementById('live').className === 'live-on'")
    title = "(e => [e.scrollWidth <= e.clientWidth, e.scrollHeight <= e.clientHeight])"
    assert page.page.evaluate(f"{title}(document.querySelector('#bar h1'))") == [True, True]
    assert page.page.locator("#bar h1").inner_text() == "Shanghai mutual-aid hospital map"
    live = page.page.locator("#live")
    assert live.inner_text() == "live" and live.bounding_box()["height"] < 24  # one line
    assert page.page.locator("#legend #live").count() == 0
    legend = page.page.locator("#legend").bounding_box()
    credit = page.page.locator(".leaflet-control-attribution").bounding_box()
    assert (
        legend["y"] + legend["height"] <= credit["y"]
        or legend["x"] + legend["width"] <= credit["x"]
    )
    assert page.page.evaluate(
        "(e => e.scrollWidth <= e.clientWidth)(document.getElementById('legend'))"
    )
    for key in page.page.locator("#legend .key").all():
        if key.is_visible():
            assert key.bounding_box()["height"] < 24, key.inner_text()
    show_marker(page, 1)
    marker = page.page.evaluate("aidmap.state.markers.get(1).getElement().title")
    assert marker == "Ruijin Hospital · 上海交通大学医学院附属瑞金医院"
    page.page.evaluate("aidmap.state.markers.get(1).openPopup()")
    page.page.wait_for_selector(".leaflet-popup .other-name")
    assert page.page.locator(".leaflet-popup h3").inner_text() == "Ruijin Hospital"
    assert (
        page.page.locator(".leaflet-popup .other-name").inner_text()
        == "上海交通大学医学院附属瑞金医院"
    )
    page.screenshot("english-popup-360x740")
    assert page.errors == []


def luminance(rgb: tuple[int, ...]) -> float:
    def channel(c: int) -> float:
        c /= 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    """WCAG contrast ratio of two colours."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("base_map", ["none", "amap"])
def test_out_of_date_markers_stand_out_on_either_base_map(base_map, tmp_path_factory, open_page):
    with serving(tmp_path_factory.mktemp(f"contrast-{base_map}"), base_map) as served:
        old = (datetime.now(UTC) - timedelta(hours=20)).isoformat()
        (exact,), _ = served.store.apply_resource_changes(
            [NewResource(kind="hospital", name="精确医院", lon=121.4760, lat=31.2304,
                         precision=Precision.exact, services=("dialysis",))], []
        )  # fmt: skip
        for resource_id in (1, exact.id):
            served.put_status(resource_id, "dialysis", "unknown", reported_at=old)
        page = open_page()
        if base_map == "amap":
            fake_tiles(page)
        page.page.goto(served.base + "/")
        wait_for_map(page)
        page.page.select_option("#service", "dialysis")
        for resource_id in (1, exact.id):  # hollow (approximate) and filled (exact)
            show_marker(page, resource_id, zoom=18)
            icon = f"aidmap.state.markers.get({resource_id}).getElement()"
            assert "stale" in page.page.evaluate(f"{icon}.querySelector('.hm').className")
            box = page.page.evaluate(f"(r => [r.x, r.y, r.width, r.height])"
                                     f"({icon}.getBoundingClientRect())")  # fmt: skip
            shot = tmp_path_factory.mktemp("shot") / "marker.png"
            clip = dict(zip(("x", "y", "width", "height"), box, strict=True))
            page.page.screenshot(path=shot, clip=clip)
            image = Image.open(shot).convert("RGB")
            ground = image.getpixel((0, 0))  # a corner: the map around the round marker
            pixels = (
                image.getpixel((x, y)) for x in range(image.width) for y in range(image.height)
            )
            best = max(contrast(ground, pixel) for pixel in pixels)
            assert best >= 3, f"{base_map}: marker {resource_id} contrast {best:.2f} on {ground}"
        page.screenshot(f"stale-markers-{base_map}-360x740")
        assert page.errors == []
