"""The tracking page (``/h/{secret}``) on a phone in real Chromium against ``aidmap
serve``: its QR code, adding information, withdrawing after a confirm step, following the
volunteers' moves by itself, and the same facts without script."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from app.domain.enums import Role
from app.services.auth import create_token
from tests.web.conftest import Page, Served, serving

QR_SHOWN = "(() => { const i = document.querySelector('.qr img'); " \
           "return !!i && i.complete && i.naturalWidth > 0; })()"  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server whose tracking pages ask every second (AIDMAP_HELP_POLL_SECONDS)."""
    with serving(tmp_path_factory.mktemp("track"), "none", AIDMAP_HELP_POLL_SECONDS="1") as s:
        yield s


def ask(served: Served, phone: str) -> tuple[int, str]:
    """A dialysis request from People's Square: its id and the tracking link's path."""
    body = {"service": "dialysis", "location": {"lon": 121.4737, "lat": 31.2304},
            "phone": phone, "name": "张阿姨", "consent": True}  # fmt: skip
    answer = httpx.post(f"{served.base}/api/v1/help-requests", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"], urlsplit(answer.json()["tracking_url"]).path


def watch(phone: Page) -> list[str]:
    """Requests that failed or were answered with an error, as they happen."""
    failed: list[str] = []
    phone.page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    phone.page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    return failed


def open_tracking(served: Served, open_page, path: str) -> Page:
    phone = open_page(360, 740, "zh-CN", touch=True)
    phone.page.goto(served.base + path)
    phone.page.locator("#add-form").wait_for()  # the script has run
    return phone


def test_the_page_shows_its_qr_code_and_takes_more_information(served: Served, open_page):
    request_id, path = ask(served, "13900000001")
    phone = open_tracking(served, open_page, path)
    failed = watch(phone)
    page = phone.page
    assert page.locator("#state").inner_text() == "已收到，等待志愿者处理"
    phone.wait_for(QR_SHOWN)
    qr = httpx.get(f"{served.base}{path}/qr.svg")
    assert qr.headers["content-type"] == "image/svg+xml"
    assert qr.headers["Cache-Control"] == "private, no-store"
    assert httpx.get(f"{served.base}/h/not-a-secret/qr.svg").status_code == 404
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot("help-tracking-new")
    page.get_by_label("有新情况？").fill("住在3楼，电梯坏了 <140")
    page.get_by_role("button", name="发送").tap()
    page.get_by_text("已发送，志愿者会看到").wait_for()
    assert page.locator("#add-text").input_value() == ""
    assert page.locator("#added").inner_text() == "您补充过 1 次信息。"
    events = served.store.help_events(request_id)
    assert (events[-1].kind.value, events[-1].text) == ("added", "住在3楼，电梯坏了 <140")
    page.get_by_label("有新情况？").fill("<b>急</b>")
    page.get_by_role("button", name="发送").tap()
    page.locator("#add-text-error").wait_for()
    assert "只写文字" in page.locator("#add-text-error").inner_text()
    assert page.locator("#add-text").input_value() == "<b>急</b>"  # kept to correct
    assert phone.errors == [e for e in phone.errors if "422" in e] and phone.outside == []
    assert [f for f in failed if "422" not in f] == []


def test_the_page_follows_the_volunteers_by_itself(served: Served, open_page):
    request_id, path = ask(served, "13900000002")
    phone = open_tracking(served, open_page, path)
    failed = watch(phone)
    page = phone.page
    _, secret = create_token(served.store, "志愿者小李", Role.volunteer)
    volunteer = {"Authorization": f"Bearer {secret}"}
    board = f"{served.base}/api/v1/help-requests/{request_id}"
    assert httpx.post(f"{board}/claim", headers=volunteer).status_code == 200
    page.get_by_text("志愿者已接手").wait_for(timeout=10_000)
    for move in ({"state": "contacting"}, {"state": "matched", "resource_id": 1}):
        assert httpx.post(f"{board}/transition", json=move, headers=volunteer).status_code == 200
    note = {"text": "瑞金医院同意接收，请带好透析记录 <今天下午>", "public": True}
    assert httpx.post(f"{board}/notes", json=note, headers=volunteer).status_code == 201
    page.get_by_text("已找到可以接收的医院").wait_for(timeout=10_000)
    page.get_by_text("请带好透析记录").wait_for(timeout=10_000)
    matched = page.locator("#matched")
    assert "上海交通大学医学院附属瑞金医院" in matched.inner_text()
    assert "瑞金二路197号" in matched.inner_text()
    assert matched.locator("a.tel").first.get_attribute("href") == "tel:02164370045"
    assert "<今天下午>" in page.locator("#messages").inner_text()  # text, as sent
    assert "志愿者小李" not in page.locator("main").inner_text()
    phone.screenshot("help-tracking-matched")
    assert phone.errors == [] and phone.outside == [] and failed == []


def test_withdrawing_asks_first_then_erases(served: Served, open_page):
    request_id, path = ask(served, "13900000003")
    phone = open_tracking(served, open_page, path)
    failed = watch(phone)
    page = phone.page
    page.get_by_role("button", name="撤回求助").tap()
    assert page.get_by_text("确定撤回吗？").is_visible()
    page.get_by_role("button", name="不撤回").tap()
    assert page.get_by_text("确定撤回吗？").is_hidden()
    assert served.store.get_help_request(request_id).phone == "13900000003"
    page.get_by_role("button", name="撤回求助").tap()
    page.get_by_role("button", name="确定撤回").tap()
    page.get_by_text("已关闭（您已撤回）").wait_for()
    assert page.get_by_text("您的电话、姓名、描述和位置已删除。").is_visible()
    assert page.locator("#add-form").is_hidden() and page.locator("#withdraw").is_hidden()
    assert page.get_by_role("link", name="提交新的求助").is_visible()
    request = served.store.get_help_request(request_id)
    assert (request.phone, request.name, request.erased_at is not None) == (None, None, True)
    page.reload()
    assert page.locator("#state").inner_text() == "已关闭（您已撤回）"
    assert page.locator("#add-form").is_hidden()
    assert phone.errors == [] and phone.outside == [] and failed == []


def test_without_script_the_page_is_complete_and_offers_no_dead_form(served: Served, browser):
    _, path = ask(served, "13900000004")
    context = browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB",
                                  java_script_enabled=False)  # fmt: skip
    try:
        page = context.new_page()
        page.goto(served.base + path)
        assert page.locator("#state").inner_text() == "Received, waiting for a volunteer"
        assert "No messages yet." in page.locator("main").inner_text()
        assert page.locator("#add-form").is_hidden() and page.locator("#withdraw").is_hidden()
        assert page.locator(".qr img").get_attribute("alt") == "QR code of this tracking page"
    finally:
        context.close()


def test_a_request_sent_twice_shows_its_progress_only(served: Served, open_page):
    """Whoever knew the phone may hold one of its links: both show the state and a word
    on why, never the hospital or messages, and neither offers withdrawing."""
    request_id, first = ask(served, "13900000004")
    again, second = ask(served, "13900000004")
    assert again == request_id
    for path in (first, second):
        phone = open_tracking(served, open_page, path)
        page = phone.page
        assert "不止一次" in page.locator("#repeat").inner_text()
        assert page.locator("#withdraw").is_hidden() and page.locator("#add-form").is_visible()
        assert phone.errors == [] and phone.outside == []
