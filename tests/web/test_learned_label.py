"""The map's search says when a point was estimated from the deployment's own addresses."""

from __future__ import annotations

import pytest

from app.domain.enums import LearnedFrom
from app.domain.learned import LearnedPoint
from tests.web.test_page_browser import wait_for_map


def test_a_learned_answer_shows_its_summary(served, open_page):
    if not hasattr(served.store, "put_learned"):
        pytest.skip("the store keeps no learned points yet (issue 22's store part)")
    [pudong] = served.store.find_units(name="浦东新区")

    def point(number: int, lon: float) -> LearnedPoint:
        return LearnedPoint(
            LearnedFrom.verified, f"浦电路{number}号", pudong.id, lon, 31.2206,
            road="浦电路", house_number=number, house_text=f"{number}号",
        )  # fmt: skip

    served.store.put_learned([point(211, 121.518), point(231, 121.521)])
    page = open_page()  # 360×740, zh-CN
    page.page.goto(served.base + "/")
    wait_for_map(page)
    page.page.fill("#unit-name", "浦东新区浦电路221号")
    page.page.click("#unit-form button")
    page.page.wait_for_selector("#units .learned-note")
    label = page.page.locator("#units .learned-note").inner_text()
    assert label.startswith("由本地已核实地址推算 ±")
    page.page.locator("#units").scroll_into_view_if_needed()
    page.screenshot("learned-summary-360x740")
    assert page.errors == [] and page.outside == []
