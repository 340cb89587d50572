"""Pages a newcomer opens besides the map (issue 14): a mistyped share link reads as a page
with a way back to the map, and the API docs render offline from our own origin."""

from __future__ import annotations

import httpx
from PIL import Image

from tests.web.conftest import Served

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def test_a_mistyped_share_link_is_a_page_with_a_way_back_to_the_map(served: Served, open_page):
    page = open_page()  # 360 x 740, zh-CN
    answer = page.page.goto(f"{served.base}/s/zzzzzz")
    assert answer.status == 404 and answer.headers["content-type"].startswith("text/html")
    assert page.errors == ["Failed to load resource: the server responded with a status of 404 "
                           "(Not Found)"]  # the page's own status, nothing else  # fmt: skip
    page.errors.clear()
    heading = page.page.get_by_role("heading", level=1)
    assert heading.inner_text() == "找不到这个分享链接"
    assert "请向发给你的人要一个新链接" in page.page.inner_text("main")
    back = page.page.get_by_role("link", name="打开上海互助就医地图")
    box = back.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= 360  # a thumb's target, on screen
    with Image.open(page.screenshot("share_missing_360")) as shot:
        assert shot.size == (360, 740)
    back.click()
    page.page.wait_for_url(f"{served.base}/")
    page.wait_for("document.querySelectorAll('.leaflet-interactive, .marker-cluster').length > 0")
    assert not page.errors and not page.outside

    english = open_page(locale="en-US")
    english.page.goto(f"{served.base}/s/zzzzzz")
    assert english.page.get_by_role("heading", level=1).inner_text() == (
        "This share link was not found"
    )
    assert english.page.get_by_role("link").get_attribute("href") == "/?lang=en"


def test_api_clients_keep_json_errors_on_the_same_paths(served: Served):
    for accept in ("application/json", "*/*", None):
        headers = {"Accept": accept} if accept else {}
        answer = httpx.get(f"{served.base}/s/zzzzzz", headers=headers)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    api = httpx.get(f"{served.base}/api/v1/resources/999999", headers={"Accept": BROWSER_ACCEPT})
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    page = httpx.get(f"{served.base}/no-such-page", headers={"Accept": BROWSER_ACCEPT})
    assert page.status_code == 404 and "找不到这个页面" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]  # nothing runs


def test_the_api_docs_render_every_operation_from_our_origin_only(served: Served, open_page):
    page = open_page(1280, 900, locale="en-US")
    requested: list[str] = []
    page.page.on("request", lambda request: requested.append(request.url))
    answer = page.page.goto(f"{served.base}/docs")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "http" not in policy  # no other origin
    page.wait_for("document.querySelectorAll('.opblock').length > 20")
    paths = page.page.locator(".opblock-summary-path").all_inner_texts()
    operations = httpx.get(f"{served.base}/openapi.json").json()["paths"]
    assert len(paths) == sum(len(item) for item in operations.values())
    assert any("/api/v1/resources/{resource_id}/status/{service}" in p for p in paths)
    page.page.get_by_text("/api/v1/services", exact=True).first.click()
    page.page.get_by_role("button", name="Try it out").click()
    page.page.get_by_role("button", name="Execute").click()
    page.page.locator(".response .microlight").first.wait_for()
    assert "dialysis" in page.page.locator(".responses-wrapper").inner_text()
    page.screenshot("api_docs")
    assert requested and all(url.startswith(f"{served.base}/") for url in requested), requested
    assert not page.outside and not page.errors, page.errors
