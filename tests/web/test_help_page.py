"""The help form (``/help``) on a phone in real Chromium against ``aidmap serve``: asking
with the phone's position, without it, by picking a committee; refusals shown beside
their field with nothing lost (a phone, markup in a name, too many requests); consent on
the page and at the server; the English page. Screenshots go to tests/artifacts/."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.domain.enums import Level, Precision
from app.domain.help import HelpBoardQuery, HelpRequest, HelpState
from app.domain.records import NewResource
from app.services.help.answers import QUESTIONS
from app.web.help_page import ASKED_AS
from tests.web.conftest import Page, Served, serving

SHANGHAI = timedelta(hours=8)
SHOWN = "(() => { const i = document.querySelector('#qr-box img'); " \
        "return !!i && i.complete && i.naturalWidth > 0; })()"  # fmt: skip


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A server of the form's own (the form's posts count against one address's budget)."""
    with serving(tmp_path_factory.mktemp("help"), "none") as served:
        yield served


def stored(served: Served) -> list[HelpRequest]:
    """Every request in the server's store, newest first."""
    query = HelpBoardQuery(lapsed_before=datetime.now(UTC), states=tuple(HelpState), limit=1000)
    return sorted(served.store.list_help_requests(query), key=lambda r: r.id, reverse=True)


def days_ago(days: int) -> str:
    """A Shanghai date ``days`` ago, as the date picker takes it."""
    return (datetime.now(UTC) + SHANGHAI - timedelta(days=days)).date().isoformat()


def watch(phone: Page) -> list[str]:
    """Requests that failed or were answered with an error, as they happen."""
    failed: list[str] = []
    phone.page.on("requestfailed", lambda r: failed.append(f"failed {r.url}"))
    phone.page.on("response", lambda r: r.status >= 400 and failed.append(f"{r.status} {r.url}"))
    return failed


def open_form(served: Served, open_page, lang: str = "zh", located: bool = True) -> Page:
    phone = open_page(360, 740, "zh-CN" if lang == "zh" else "en-GB", touch=True, located=located)
    phone.page.goto(f"{served.base}/help" + ("?lang=en" if lang == "en" else ""))
    phone.page.locator("#send:enabled").wait_for()
    return phone


def fill_dialysis(phone: Page, phone_number: str, **fields: str) -> None:
    """Dialysis, its last session three days ago, the phone, consent; nothing on where."""
    page = phone.page
    page.get_by_role("radio", name="血透").tap()
    page.get_by_label("上次透析是哪一天？").fill(days_ago(3))
    page.get_by_label("联系电话").fill(phone_number)
    for label, value in fields.items():
        page.locator(f"#{label}").fill(value)
    page.get_by_role("checkbox", name="我同意").tap()


def test_the_form_asks_exactly_the_questions_intake_checks(served: Served):
    html = httpx.get(f"{served.base}/help").text
    assert set(ASKED_AS) == {key for asked in QUESTIONS.values() for key in asked}
    for service, asked in QUESTIONS.items():
        for key in asked:
            assert f'data-service="{service}"' in html and f'data-answer="{key}"' in html
    response = httpx.get(f"{served.base}/help")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-cache"
    assert '<a id="help-link" href="/help">求助</a>' in httpx.get(f"{served.base}/").text
    english = httpx.get(f"{served.base}/", params={"lang": "en"}).text
    assert '<a id="help-link" href="/help?lang=en">Help</a>' in english


def test_asking_with_the_phones_position_shows_the_link_its_qr_and_whom_to_call(
    served: Served, open_page
):
    served.put_status(1, "dialysis", "open")  # Ruijin: open for dialysis, with phones
    served.store.add_resource(NewResource(
        kind="office", name="南京东路街道办事处", lon=121.4745, lat=31.2320,
        precision=Precision.exact, phones=("021-63500000",),
        district_id=served.store.find_units(level=Level.district, limit=1)[0].id,
    ))  # fmt: skip
    phone = open_form(served, open_page)
    failed = watch(phone)
    page = phone.page
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 18
    honeypot = page.locator("#website")  # for robots: off screen, out of the tab order
    box = honeypot.bounding_box()
    assert box["x"] + box["width"] < 0 and honeypot.get_attribute("tabindex") == "-1"
    assert honeypot.get_attribute("autocomplete") == "off"
    assert page.locator(".hp").get_attribute("aria-hidden") == "true"
    phone.screenshot("help-empty")
    assert page.locator('.questions[data-service="dialysis"]').is_hidden()
    fill_dialysis(phone, "138 0000 0001", name="王阿姨", text="父亲三天没透析了，住3楼")
    page.get_by_role("radio", name="用我现在的位置").tap()
    page.get_by_text("已获取您的位置").wait_for()
    targets = "#help-form label.tile, #help-form label.check, #help-form button, #help-form input"
    for target in page.locator(targets).all():
        if target.is_visible() and target.get_attribute("type") not in ("radio", "checkbox"):
            assert target.bounding_box()["height"] >= 44, target  # a thumb's width
    page.locator("#where-field").scroll_into_view_if_needed()
    phone.screenshot("help-dialysis-filled")
    page.get_by_role("button", name="提交求助").tap()
    page.locator("#done").wait_for()
    assert page.locator("#help-form").is_hidden()
    link = page.locator("#track-link").inner_text()
    assert link.startswith(f"{served.base}/h/")
    phone.wait_for(SHOWN)
    first = page.locator("#nearest li").first
    assert "瑞金医院" in first.inner_text() and "开放" in first.inner_text()
    assert first.locator("a.tel").first.get_attribute("href").startswith("tel:021")
    assert "接诊血透的医院" in page.locator("#nearest-heading").inner_text()
    office = page.locator("#office")
    assert "附近的居委会或街道办" in office.inner_text()
    assert "南京东路街道办事处" in office.inner_text()
    assert office.locator("a.tel").get_attribute("href") == "tel:02163500000"
    assert page.evaluate("document.activeElement.id") == "done-title"
    phone.screenshot("help-confirmation")
    [request] = [r for r in stored(served) if r.phone == "13800000001"]
    assert (request.service, request.name, request.answers) == (
        "dialysis", "王阿姨", {"last_session": days_ago(3)})  # fmt: skip
    assert abs(request.lon - 121.4737) < 1e-4 and abs(request.lat - 31.2304) < 1e-4
    # the link alone is kept, in this tab only; nothing typed is kept anywhere
    assert page.evaluate("JSON.stringify(sessionStorage)") == f'{{"aidmap:help-link":"{link}"}}'
    assert page.evaluate("localStorage.length") == 0
    page.reload()
    assert page.locator("#restored-link").inner_text() == link
    assert phone.errors == [] and phone.outside == [] and failed == []


def test_without_the_position_the_page_says_so_and_an_address_does(served: Served, open_page):
    phone = open_form(served, open_page, located=False)
    failed = watch(phone)
    page = phone.page
    fill_dialysis(phone, "13800000002")
    page.get_by_role("radio", name="用我现在的位置").tap()
    page.get_by_text("无法获取您的位置").wait_for()
    assert page.evaluate("document.activeElement.value") == "address"  # the next way, focused
    page.get_by_role("button", name="提交求助").tap()
    assert "无法获取您的位置" in page.locator("#where-error").inner_text()
    page.get_by_role("radio", name="输入地址").tap()
    page.get_by_label("地址", exact=True).fill("黄浦区南京东路街道")
    page.get_by_role("button", name="提交求助").tap()
    page.locator("#done").wait_for()
    phone.wait_for(SHOWN)
    [request] = [r for r in stored(served) if r.phone == "13800000002"]
    assert request.street_id is not None and request.precision.value == "district"
    assert phone.errors == [] and phone.outside == [] and failed == []


def test_picking_district_street_and_committee_sends_the_committee(served: Served, open_page):
    phone = open_form(served, open_page)
    failed = watch(phone)
    page = phone.page
    fill_dialysis(phone, "13800000003")
    page.get_by_role("radio", name="选择区、街道、居委会").tap()
    page.locator("#district option", has_text="黄浦区").wait_for(state="attached")
    page.get_by_label("区", exact=True).select_option(label="黄浦区")
    page.locator("#street:enabled").wait_for()
    page.get_by_label("街道 / 镇").select_option(label="南京东路街道")
    page.locator("#committee:enabled").wait_for()
    page.locator("#committee").select_option(index=1)
    committee = int(page.locator("#committee").input_value())
    page.get_by_role("button", name="提交求助").tap()
    page.locator("#done").wait_for()
    [request] = [r for r in stored(served) if r.phone == "13800000003"]
    assert request.committee_id == committee
    assert served.store.get_unit(request.street_id).name == "南京东路街道"
    assert served.store.get_unit(request.district_id).name == "黄浦区"
    assert phone.errors == [] and phone.outside == [] and failed == []


def test_a_refused_phone_is_said_beside_it_and_nothing_typed_is_lost(served: Served, open_page):
    phone = open_form(served, open_page)
    failed = watch(phone)
    page = phone.page
    fill_dialysis(phone, "12345", name="李先生", text="需要透析")
    page.get_by_role("radio", name="输入地址").tap()
    page.locator("#address").fill("黄浦区南京东路街道")
    before = len(stored(served))
    page.get_by_role("button", name="提交求助").tap()
    error = page.locator("#phone-error")
    error.wait_for()
    assert "电话号码不对" in error.inner_text()
    assert page.evaluate("document.activeElement.id") == "phone"
    assert page.locator("#phone").get_attribute("aria-invalid") == "true"
    assert page.locator("#done").is_hidden() and len(stored(served)) == before
    kept = page.evaluate("""[document.querySelector('input[name=service]:checked').value,
        document.querySelector('#last_session').value, document.querySelector('#phone').value,
        document.querySelector('#name').value, document.querySelector('#text').value,
        document.querySelector('#address').value, document.querySelector('#consent').checked]""")
    typed = ["dialysis", days_ago(3), "12345", "李先生", "需要透析", "黄浦区南京东路街道", True]
    assert kept == typed
    phone.screenshot("help-phone-refused")
    page.locator("#phone").fill("13800000004")
    page.get_by_role("button", name="提交求助").tap()
    page.locator("#done").wait_for()
    assert [f for f in failed if "/api/v1/help-requests" not in f] == []
    assert len([f for f in failed if f.startswith("422")]) == 1


def test_consent_is_asked_on_the_page_and_by_the_server(served: Served, open_page):
    phone = open_form(served, open_page)
    posts: list[str] = []
    phone.page.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    page = phone.page
    fill_dialysis(phone, "13800000005")
    page.get_by_role("checkbox", name="我同意").tap()  # untick
    page.get_by_role("radio", name="输入地址").tap()
    page.locator("#address").fill("黄浦区南京东路街道")
    page.get_by_role("button", name="提交求助").tap()
    assert "需要您同意" in page.locator("#consent-error").inner_text()
    assert page.evaluate("document.activeElement.id") == "consent"
    assert posts == []
    body = {"service": "dialysis", "location": {"address": "黄浦区南京东路街道"},
            "phone": "13800000005", "consent": False}  # fmt: skip
    before = len(stored(served))
    refused = httpx.post(f"{served.base}/api/v1/help-requests", json=body)
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "consent_required"
    assert len(stored(served)) == before
    assert phone.errors == []


def test_markup_in_a_name_is_refused_beside_it_and_stays_text(served: Served, open_page):
    phone = open_form(served, open_page)
    page = phone.page
    fill_dialysis(phone, "13800000006", name="王<b>x</b>")
    page.get_by_role("radio", name="输入地址").tap()
    page.locator("#address").fill("黄浦区南京东路街道")
    before = len(stored(served))
    page.get_by_role("button", name="提交求助").tap()
    page.locator("#name-error").wait_for()
    assert "称呼请只写文字" in page.locator("#name-error").inner_text()
    assert page.evaluate("document.activeElement.id") == "name"
    assert page.locator("#name").input_value() == "王<b>x</b>"
    assert page.locator("main b").count() == 0
    assert len(stored(served)) == before


def test_the_english_page_asks_for_something_else_by_address(served: Served, open_page):
    phone = open_form(served, open_page, lang="en")
    failed = watch(phone)
    page = phone.page
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("radio", name="Something else").tap()
    page.get_by_label("What is needed? (one sentence)").fill("insulin for my mother")
    page.get_by_role("radio", name="Type an address").tap()
    page.get_by_label("Address", exact=True).fill("黄浦区南京东路街道")
    page.get_by_label("Phone number").fill("021-64370045")
    page.get_by_role("checkbox", name="I agree").tap()
    page.get_by_role("button", name="Send the request").tap()
    page.locator("#done").wait_for()
    assert "Your request has been received" in page.locator("#done").inner_text()
    assert page.locator("#open-track").get_attribute("href").endswith("?lang=en")
    [request] = [r for r in stored(served) if r.phone == "021-64370045"]
    assert (request.service, request.answers) == ("other", {"need": "insulin for my mother"})
    assert phone.errors == [] and failed == []


def test_too_many_requests_from_one_phone_are_explained(served: Served, open_page):
    body = {"location": {"address": "黄浦区南京东路街道"}, "phone": "13800000009", "consent": True}
    for service in ("dialysis", "oncology", "maternity", "emergency", "pharmacy"):
        sent = httpx.post(f"{served.base}/api/v1/help-requests", json=body | {"service": service})
        assert sent.status_code == 201, sent.text
    phone = open_form(served, open_page)
    page = phone.page
    fill_dialysis(phone, "13800000009")
    page.get_by_role("radio", name="输入地址").tap()
    page.locator("#address").fill("黄浦区南京东路街道")
    page.get_by_role("button", name="提交求助").tap()
    error = page.locator("#form-error")
    error.wait_for()
    assert "提交太频繁了" in error.inner_text() and "小时后再试" in error.inner_text()
    assert "12345" in error.inner_text()
    assert page.locator("#phone").input_value() == "13800000009"


def test_asking_again_for_the_same_says_it_joined_the_first_request(served: Served, open_page):
    body = {"service": "dialysis", "location": {"address": "黄浦区南京东路街道"},
            "phone": "13800000010", "consent": True}  # fmt: skip
    first = httpx.post(f"{served.base}/api/v1/help-requests", json=body)
    assert first.status_code == 201, first.text
    phone = open_form(served, open_page)
    page = phone.page
    fill_dialysis(phone, "13800000010", text="还是没有找到医院")
    page.get_by_role("radio", name="输入地址").tap()
    page.locator("#address").fill("黄浦区南京东路街道")
    page.get_by_role("button", name="提交求助").tap()
    page.locator("#done").wait_for()
    assert page.locator("#merged").is_visible()
    assert "已补充到那次求助里" in page.locator("#merged").inner_text()
    assert [r.id for r in stored(served) if r.phone == "13800000010"] == [first.json()["id"]]
