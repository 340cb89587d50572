"""A typed road without its district, on a phone: the districts it could be in are offered
as buttons, and a tap finds the nearest hospitals from the chosen one."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from app.domain.enums import Precision
from app.domain.records import NewResource
from tests.web.test_page_browser import wait_for_map


def test_a_road_without_its_district_offers_districts_to_pick(served, open_page):
    [pudong] = served.store.find_units(name="浦东新区")
    served.store.add_resource(
        NewResource(
            kind="office",
            name="测试街道办事处",
            lon=pudong.lon,
            lat=pudong.lat,
            precision=Precision.approximate,
            district_id=pudong.id,
            address="浦电路100号",
        )
    )
    page = open_page()  # 360×740
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.fill("#address", "浦电路221号")
    page.page.click("#address-form button")
    page.page.wait_for_selector("#choices button")
    assert page.page.locator("#message").inner_text() == "地址里没有区。您是指哪里？"
    assert page.page.locator("#choices button").all_inner_texts() == ["浦东新区"]
    page.screenshot("address-choices-360x740")

    with page.page.expect_response("**/api/v1/nearest?*") as answered:
        page.page.get_by_role("button", name="浦东新区", exact=True).click()
    query = parse_qs(urlsplit(answered.value.url).query)
    assert query["address"] == ["浦东新区浦电路221号"] and answered.value.status == 200
    page.wait_for("document.getElementById('message').textContent !== '正在查找…'")
    assert page.page.locator("#choices button").count() == 0
    assert "您是指" not in page.page.locator("#message").inner_text()
    page.screenshot("address-choice-picked-360x740")
    assert [e for e in page.errors if "status of 422" not in e] == []  # the first answer


def test_latin_letters_are_answered_with_how_to_type_the_address(served, open_page):
    page = open_page()
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.fill("#address", "Pudian Road 221")
    page.page.click("#address-form button")
    page.wait_for("document.getElementById('message').textContent.includes('中文')")
    assert page.page.locator("#message").inner_text() == (
        "请用中文输入地址，如：浦东新区浦电路221号；或点“离我最近”。"
    )
    assert page.page.locator("#choices button").count() == 0
