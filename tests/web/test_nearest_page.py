"""The nearest answer on a 360×740 phone in real Chromium (issue 14): no dead end, honest
distances, limited hospitals with their conditions and notes, headings that say what is
known, and no old answer left under an error."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx

from app.domain.enums import Precision
from app.domain.records import NewResource

SQUARE = {"lon": 121.4737, "lat": 31.2304}  # where the test browser "is": People's Square
METRES = re.compile(r"\d+(\.\d+)? k?m\b")


def wait_for_map(page) -> None:
    page.wait_for("performance.getEntriesByName('aidmap:first-markers').length")


def api_nearest(served, **params) -> dict:
    response = httpx.get(served.base + "/api/v1/nearest", params=params)
    response.raise_for_status()
    return response.json()


def results(page) -> list[str]:
    return page.page.locator("#results .result").all_inner_texts()


def in_view(page, features: list[dict]) -> bool:
    points = [f["geometry"]["coordinates"] for f in features]
    return page.page.evaluate(
        "(points) => points.every(([lon, lat]) => aidmap.map.getBounds().contains([lat, lon]))",
        points,
    )


def test_a_dead_end_lists_who_offers_the_service_and_whom_to_call(served, open_page):
    """血透 near People's Square with nothing confirmed: the nearest offering dialysis,
    each with what is known and "call first", the committee's phone, a wider search."""
    offering = api_nearest(served, **SQUARE, service="dialysis", k=3)
    assert offering["answer"] == "fallback"
    first, second, _ = offering["features"]
    old = (datetime.now(UTC) - timedelta(hours=20)).isoformat()
    served.put_status(first["id"], "dialysis", "limited", reported_at=old)  # stale
    served.put_status(second["id"], "dialysis", "closed")
    served.store.add_resource(NewResource(
        kind="office", name="人民广场居委会", lon=121.4745, lat=31.2310,
        precision=Precision.exact, phones=("021-63210000",),
    ))  # fmt: skip
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.select_option("#service", "dialysis")
    page.page.click("#near-me")
    page.page.wait_for_selector("#results .result")
    expected = api_nearest(served, **SQUARE, service="dialysis", k=5)
    assert expected["answer"] == "fallback" and len(expected["features"]) == 5
    message = page.page.locator("#message").inner_text()
    assert "附近没有已确认接诊血透的医院" in message and "出发前请务必先打电话" in message
    shown = results(page)
    names = page.page.locator("#results .result .name").all_inner_texts()
    assert names == [f["properties"]["name"] for f in expected["features"]]
    assert all("先打电话" in text for text in shown)
    assert "有条件接诊" in shown[0] and "信息已过期（20 小时前）" in shown[0]
    assert "暂停接诊" in shown[1] and "状态未知" in shown[2]
    for text, feature in zip(shown, expected["features"], strict=True):
        assert all(phone in text for phone in feature["properties"]["phones"])
    phones = page.page.locator("#results a.tel").count()
    assert phones == sum(len(f["properties"]["phones"]) for f in expected["features"]) > 0
    contacts = page.page.locator("#nearest-contacts .contacts")
    assert "人民广场居委会" in contacts.inner_text()
    assert contacts.locator("a[href='tel:02163210000']").count() == 1
    assert in_view(page, expected["features"])
    top = "document.getElementById('message').getBoundingClientRect().top"
    assert 430 < page.page.evaluate(top) < 470  # the panel scrolled to the answer
    page.screenshot("nearest-dead-end-360x740")
    page.page.locator("#nearest-contacts").scroll_into_view_if_needed()
    page.screenshot("nearest-dead-end-contacts-360x740")

    page.page.click("button.wider")
    page.wait_for("document.querySelectorAll('#results .result').length === 15")
    wider = api_nearest(served, **SQUARE, service="dialysis", k=15)["features"]
    assert page.page.locator("#results .result .name").all_inner_texts() == [
        f["properties"]["name"] for f in wider
    ]
    assert in_view(page, wider)
    assert page.page.locator("button.wider").inner_text() == "扩大范围（显示 50 家）"
    assert page.errors == [] and page.outside == []


def test_a_district_only_address_says_so_and_shows_no_distances(served, open_page):
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.fill("#address", "浦东新区浦电路221号")
    page.page.click("#address-form button")
    page.page.wait_for_selector("#results .result")
    assert page.page.locator("#nearest-notes .only").inner_text() == "只识别到：浦东新区"
    shown = results(page)
    assert len(shown) == 5 and all("距离不详" in text for text in shown)
    assert not any(METRES.search(text) for text in shown)  # no "0 m", no "20.8 km"
    assert page.page.locator("#nearest-notes button.use-location").is_visible()
    page.wait_for("document.querySelectorAll('#nearest-notes .pick-street option').length > 20")
    page.screenshot("nearest-district-only-360x740")

    page.page.select_option("#nearest-notes .pick-street", label="塘桥街道")
    only = "document.querySelector('#nearest-notes .only')?.innerText"
    page.wait_for(f"{only} === '只识别到：浦东新区 塘桥街道'")
    page.wait_for("document.querySelectorAll('#nearest-notes .pick-committee option').length > 5")
    assert page.page.locator("#nearest-notes .pick-committee").is_visible()

    page.page.click("#nearest-notes button.use-location")  # the browser is at People's Square
    page.wait_for("!document.querySelector('#nearest-notes .understood')")
    assert all(METRES.search(text) for text in results(page))  # distances are facts now
    assert page.errors == [] and page.outside == []


def test_a_limited_hospital_shows_its_conditions_and_the_volunteers_note(served, open_page):
    near, far = api_nearest(served, **SQUARE, service="emergency", k=2)["features"]
    served.put_status(near["id"], "emergency", "limited", conditions=["appointment_only"],
                      note="今天下午起恢复接收")  # fmt: skip
    served.put_status(far["id"], "emergency", "open")
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.select_option("#service", "emergency")
    page.page.click("#near-me")
    page.page.wait_for_selector("#results .result")
    message = page.page.locator("#message").inner_text()
    assert message == "接诊急诊的医院（开放或有条件），由近到远："
    first, second = results(page)[:2]
    assert near["properties"]["name"] in first and "有条件接诊：需预约" in first
    assert "志愿者备注（刚刚）：“今天下午起恢复接收”" in first
    assert far["properties"]["name"] in second and "✓ 开放" in second
    assert "先打电话" not in first  # a confirmed answer, not a fallback
    page.screenshot("nearest-limited-note-360x740")
    assert page.errors == []


def test_not_found_clears_the_previous_results(served, open_page):
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.click("#near-me")
    page.page.wait_for_selector("#results .result")
    origin = "document.querySelectorAll('.leaflet-overlay-pane path[fill=\"#1f6feb\"]').length"
    assert page.page.evaluate(origin) == 1  # where the list was measured from
    page.page.fill("#address", "某某路1号")
    page.page.click("#address-form button")
    page.wait_for("document.getElementById('message').innerText.includes('找不到这个地址')")
    assert page.page.locator("#results .result").count() == 0
    assert page.page.locator("#nearest-contacts > *, #nearest-notes > *").count() == 0
    assert page.page.evaluate(origin) == 0
    page.screenshot("nearest-not-found-360x740")


def test_headings_say_what_is_known(served, open_page):
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.click("#near-me")  # 全部医院: no status is claimed
    page.page.wait_for_selector("#results .result")
    assert page.page.locator("#message").inner_text() == "最近的医院（未选服务，不显示接诊状态）："
    assert not any(word in " ".join(results(page)) for word in ("开放", "未知", "暂停"))
    page.screenshot("nearest-all-360x740")

    english = open_page(locale="en-US")
    english.page.goto(served.base + "/")
    wait_for_map(english)
    english.page.select_option("#service", "psychiatry")
    english.page.click("#near-me")
    english.page.wait_for_selector("#results .result")
    expected = api_nearest(served, **SQUARE, service="psychiatry")
    assert expected["answer"] == "fallback"
    message = english.page.locator("#message").inner_text()
    assert message.startswith("No hospital nearby is confirmed to take Psychiatry patients.")
    first = expected["features"][0]["properties"]
    item = english.page.locator("#results .result").first
    assert item.locator(".name").inner_text() == first["name_en"]
    assert item.locator(".name-zh").inner_text() == first["name"]  # what a driver reads
    english.screenshot("nearest-english-fallback-360x740")
    assert page.errors == [] and english.errors == []


def test_an_embedded_fallback_share_shows_the_list_and_fits_the_map(served, open_page):
    view = {"center": [SQUARE["lon"], SQUARE["lat"]], "zoom": 16,
            "nearest": SQUARE | {"service": "dialysis", "k": 3}}  # fmt: skip
    made = httpx.post(served.base + "/api/v1/share", json=view)
    made.raise_for_status()
    page = open_page()
    page.page.goto(made.json()["url"] + "?embed=1")
    wait_for_map(page)
    page.page.wait_for_selector("#results .result")
    expected = api_nearest(served, **SQUARE, service="dialysis", k=3)
    assert expected["answer"] == "fallback"
    assert page.page.locator("#results .result").count() == len(expected["features"]) == 3
    assert page.page.locator("#results .result").first.is_visible()
    assert all("先打电话" in text for text in results(page))
    assert not page.page.locator("#bar").is_visible()
    assert not page.page.locator("#near-me").is_visible()
    assert not page.page.locator("button.wider").is_visible()
    assert in_view(page, expected["features"])
    page.screenshot("nearest-embed-fallback-360x740")
    assert page.errors == [] and page.outside == []
