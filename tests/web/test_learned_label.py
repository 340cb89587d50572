"""The map's search says when a point was estimated from the deployment's own addresses,
and names the addresses it was worked out from only to a signed-in volunteer."""

from __future__ import annotations

from app.domain.enums import LearnedFrom, Role
from app.domain.learned import LearnedPoint
from tests.web.desk import sign_in
from tests.web.test_page_browser import wait_for_map


def search(page, base: str, text: str) -> str:
    """The map's search label for ``text``."""
    page.page.goto(base + "/")
    wait_for_map(page)
    page.page.fill("#unit-name", text)
    page.page.click("#unit-form button")
    page.page.wait_for_selector("#units .learned-note")
    return page.page.locator("#units .learned-note").inner_text()


def test_a_learned_answer_shows_its_summary(served, open_page):
    [pudong] = served.store.find_units(name="浦东新区")

    def point(number: int, lon: float) -> LearnedPoint:
        return LearnedPoint(
            LearnedFrom.verified, f"浦电路{number}号", pudong.id, lon, 31.2206,
            road="浦电路", house_number=number, house_text=f"{number}号",
        )  # fmt: skip

    served.store.put_learned([point(211, 121.518), point(231, 121.521)])
    page = open_page()  # 360×740, zh-CN
    label = search(page, served.base, "浦东新区浦电路221号")
    assert label.startswith("由本地已核实地址推算 ±") and "浦电路211号" not in label
    assert "浦电路221号" in page.page.locator("#units a").first.inner_text()  # what was asked
    page.page.locator("#units").scroll_into_view_if_needed()
    page.screenshot("learned-summary-360x740")
    assert page.errors == [] and page.outside == []

    volunteer = sign_in(served, open_page, "王阿姨", Role.volunteer)  # a context of its own
    label = search(volunteer, served.base, "浦东新区浦电路221号")
    assert "依据 浦电路211号、浦电路231号" in label
    assert volunteer.errors == [] and volunteer.outside == []
