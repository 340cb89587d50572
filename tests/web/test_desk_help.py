"""The workspace's help requests tab (求助) in real Chromium against ``aidmap serve``: two
volunteers claim one request at once and one wins, a coordinator sees who read it, the
claimant records a match that the requester's page then names with the public message
(not the private note), the board masks phones and narrows by district and service, and
its words in English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from app.domain.enums import Role
from app.domain.help import CloseReason, HelpState, Urgency
from app.services.help.intake import shanghai_today
from app.web.desk_page import desk_words
from tests.web.conftest import Page, serving
from tests.web.desk import hospitals_offering, sign_in

PEOPLES_SQUARE = {"lon": 121.4737, "lat": 31.2304}  # 黄浦区
LUJIAZUI = {"lon": 121.5447, "lat": 31.2211}  # 浦东新区


def ask(served, phone: str, **overrides) -> dict:
    """A dialysis request (critical: the last session three days ago) sent as the help
    form sends it; its 201 answer."""
    last = shanghai_today(datetime.now(UTC)) - timedelta(days=3)
    body = {
        "service": "dialysis", "answers": {"last_session": last.isoformat()},
        "location": PEOPLES_SQUARE, "phone": phone, "name": "李先生",
        "text": "父亲需要透析，住在3楼", "consent": True,
    } | overrides  # fmt: skip
    answer = httpx.post(f"{served.base}/api/v1/help-requests", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def watch(phone: Page) -> list[str]:
    """Requests that fail or answer 4xx/5xx from now on, as lines."""
    failed: list[str] = []
    phone.page.on("requestfailed", lambda r: failed.append(f"failed {r.method} {r.url}"))
    phone.page.on(
        "response",
        lambda r: r.status >= 400 and failed.append(f"{r.status} {r.request.method} {r.url}"),
    )
    return failed


def open_board(phone: Page, tab: str = "求助") -> None:
    phone.page.get_by_role("link", name=tab, exact=True).tap()
    phone.wait_for("document.querySelector('#help-board .card')")


def item(phone: Page, rid: int):
    return phone.page.locator(f'#help-board .card[data-id="{rid}"]')


def card_text(phone: Page, rid: int) -> str:
    """A card's text as shown (a card off screen is not laid out: content-visibility)."""
    item(phone, rid).scroll_into_view_if_needed()
    return item(phone, rid).inner_text()


def open_request(phone: Page, rid: int) -> None:
    phone.wait_for(f"document.querySelector('#help-board .card[data-id=\"{rid}\"]')")
    item(phone, rid).locator("a.head").tap()
    phone.wait_for("document.querySelector('#help-detail .card.opened')")


def wait_state(phone: Page, words: str) -> None:
    """Wait until the opened request says it is in the state ``words``."""
    phone.wait_for(
        f"document.querySelector('#help-detail .summary-state')?.innerText === {words!r}"
    )


def detail_text(phone: Page) -> str:
    return phone.page.locator("#help-detail").inner_text()


def shot(phone: Page, name: str, full: bool = False) -> None:
    """A screenshot under tests/artifacts/ (and, with ``full``, the whole page beside it)."""
    path = phone.screenshot(name)
    if full:
        phone.page.screenshot(path=path.with_name(f"{name}-full.png"), full_page=True)


def test_two_volunteers_claim_at_once_one_wins_and_a_coordinator_sees_who_read(served, open_page):
    rid = ask(served, "13812340001")["id"]
    first = sign_in(served, open_page, "王阿姨", Role.volunteer)
    second = sign_in(served, open_page, "张医生", Role.volunteer)
    failed = {first: watch(first), second: watch(second)}
    for phone in (first, second):
        open_board(phone)
        open_request(phone, rid)
        assert "138****0001" in detail_text(phone)
        assert "13812340001" not in phone.page.content()
    taps = [p.page.locator("#help-detail .claim-box button") for p in (first, second)]
    for tap in taps:  # the second tap goes before the first answer is drawn
        tap.tap(no_wait_after=True)
    for phone in (first, second):
        phone.wait_for("document.querySelector('#help-detail .claim-line')")
    holder = served.store.get_help_request(rid).claimed_by
    claims = [e.by for e in served.store.help_events(rid) if e.state is HelpState.claimed]
    assert claims == [holder]
    winner, loser = (first, second) if holder == "王阿姨" else (second, first)
    other = "张医生" if holder == "王阿姨" else "王阿姨"
    winner.wait_for("document.querySelector('#help-detail .person a[href^=\"tel:\"]')")
    phone_link = winner.page.locator("#help-detail .person a[href^='tel:']")
    assert phone_link.get_attribute("href") == "tel:13812340001"
    assert "李先生" in detail_text(winner) and "住在3楼" in detail_text(winner)
    assert "你已认领（刚刚）" in detail_text(winner)
    loser.wait_for(
        f"document.querySelector('#help-detail .claim-line').innerText.includes({holder!r})"
    )
    assert loser.page.locator("#help-detail .claim-line").inner_text() == f"{holder} 已认领（刚刚）"
    assert "138****0001" in detail_text(loser)
    for secret in ("13812340001", "李先生", "住在3楼"):
        assert secret not in loser.page.content()
    loser.page.locator("#help-detail a.back").tap()
    loser.wait_for("!document.getElementById('help-list-view').hidden")
    loser.wait_for(f"document.querySelector('#help-board .card[data-id=\"{rid}\"] .claim')")
    line = card_text(loser, rid)
    assert "138****0001" in line and f"{holder} 已认领" in line and "已认领" in line

    coordinator = sign_in(served, open_page, "李协调", Role.coordinator)
    open_board(coordinator)
    open_request(coordinator, rid)
    coordinator.wait_for("document.querySelectorAll('#help-detail .reveals li').length >= 2")
    readers = coordinator.page.locator("#help-detail .reveals li").all_inner_texts()
    assert any(r.startswith(holder + " · ") for r in readers)
    assert any(r.startswith("李协调 · ") for r in readers)
    assert not any(r.startswith(other + " · ") for r in readers)
    assert "13812340001" in detail_text(coordinator)  # a coordinator reads it, logged
    coordinator.page.locator("#help-detail .reveals").scroll_into_view_if_needed()
    shot(coordinator, "desk-help-reveals-360x740")

    assert winner.errors == [] and failed[winner] == [] and coordinator.errors == []
    assert [e for e in loser.errors if not e.endswith("409 (Conflict)")] == []
    assert [f for f in failed[loser] if not f.startswith("409 POST")] == []
    assert len(failed[loser]) == 1 and failed[loser][0].endswith(f"/help-requests/{rid}/claim")


def test_the_claimant_records_a_match_and_the_requester_reads_it_with_the_message_only(
    served, open_page
):
    for hospital in hospitals_offering(served, "dialysis")[:4]:
        served.put_status(hospital, "dialysis", "open")
    created = ask(served, "13812340002")
    rid, link = created["id"], created["tracking_url"]
    phone = sign_in(served, open_page, "小李", Role.volunteer)
    failed = watch(phone)
    open_board(phone)
    open_request(phone, rid)
    phone.page.get_by_role("button", name="认领").tap()
    phone.wait_for("document.querySelector('#help-detail .person a[href^=\"tel:\"]')")
    phone.page.get_by_role("button", name="开始联系").tap()
    wait_state(phone, "联系中")
    phone.wait_for("document.querySelector('#help-detail .match-list li button')")
    first = phone.page.locator("#help-detail .match-list li").first
    name = first.locator(".hospital").inner_text()
    assert "开放" in first.inner_text()
    assert phone.page.locator("#help-detail .match-list a[href^='tel:']").count() >= 1
    shot(phone, "desk-help-request-360x740", full=True)
    first.scroll_into_view_if_needed()
    shot(phone, "desk-help-matches-360x740")

    notes = phone.page.locator("#help-detail .notes")
    notes.locator("textarea").fill("家属说下午三点后方便接电话")
    notes.get_by_role("button", name="保存备注").tap()
    phone.wait_for("document.querySelector('#help-detail .history .note-private')")
    notes.locator("label", has_text="求助者可见").tap()
    notes.locator("textarea").fill("我们正在联系医院，请保持电话畅通")
    notes.get_by_role("button", name="发送给求助者").tap()
    phone.wait_for("document.querySelector('#help-detail .history .note-public')")
    history = phone.page.locator("#help-detail .history").inner_text()
    assert "仅志愿者可见" in history and "求助者可见" in history

    first.get_by_role("button", name="记录匹配").tap()
    wait_state(phone, "已匹配医院")
    phone.wait_for(f"document.querySelector('#help-detail .history').innerText.includes({name!r})")
    stored = served.store.get_help_request(rid)
    assert stored.state is HelpState.matched and stored.resource_id is not None
    phone.page.evaluate("window.scrollTo(0, 0)")
    shot(phone, "desk-help-matched-360x740", full=True)

    requester = open_page(360, 740)
    requester.page.goto(link)
    requester.page.reload()
    page = requester.page.locator("body").inner_text()
    assert name in page and "我们正在联系医院，请保持电话畅通" in page
    assert "下午三点" not in page and "小李" not in page

    phone.page.get_by_role("button", name="已解决").tap()
    wait_state(phone, "已解决")
    assert served.store.get_help_request(rid).state is HelpState.resolved
    requester.page.reload()
    assert name in requester.page.locator("body").inner_text()
    assert phone.errors == [] and failed == [] and requester.errors == []


def test_the_board_masks_phones_and_narrows_by_district_and_service(served, open_page):
    huangpu = ask(served, "13812340003")["id"]
    pudong = ask(served, "13812340004", service="emergency", answers={}, location=LUJIAZUI)["id"]
    phone = sign_in(served, open_page, "小陈", Role.volunteer)
    failed = watch(phone)
    open_board(phone)
    for rid in (huangpu, pudong):
        phone.wait_for(f"document.querySelector('#help-board .card[data-id=\"{rid}\"]')")
    assert "138****0003" in card_text(phone, huangpu)
    assert "138****0004" in card_text(phone, pudong)
    assert "危急" in card_text(phone, huangpu)
    assert "距上次透析已满3天" in card_text(phone, huangpu)
    for secret in ("13812340003", "13812340004", "李先生", "住在3楼"):
        assert secret not in phone.page.content()
    shot(phone, "desk-help-board-360x740")

    def shown() -> list[str]:
        return phone.page.locator("#help-board .card").evaluate_all(
            "cards => cards.map(c => c.dataset.id + ' ' + c.textContent)"
        )

    phone.page.select_option("#help-district", label="浦东新区")
    phone.wait_for(f"!document.querySelector('#help-board .card[data-id=\"{huangpu}\"]')")
    assert str(pudong) in [line.split()[0] for line in shown()]
    assert all("浦东新区" in line for line in shown())
    phone.page.select_option("#help-district", "")
    phone.page.select_option("#help-service", "dialysis")
    phone.wait_for(f"!document.querySelector('#help-board .card[data-id=\"{pudong}\"]')")
    assert str(huangpu) in [line.split()[0] for line in shown()]
    assert all("血透" in line for line in shown())
    phone.page.select_option("#help-district", label="浦东新区")
    phone.wait_for("document.getElementById('help-info').innerText === '没有符合条件的求助。'")
    assert phone.page.locator("#help-board .card").count() == 0
    assert phone.errors == [] and failed == []


def test_the_board_and_a_request_in_english(served, open_page):
    answers = {"weeks": 38, "signs": ["bleeding"]}
    rid = ask(served, "13812340005", service="maternity", answers=answers)["id"]
    phone = sign_in(served, open_page, "Amy", Role.volunteer, lang="en")
    failed = watch(phone)
    open_board(phone, "Help requests")
    phone.wait_for(f"document.querySelector('#help-board .card[data-id=\"{rid}\"]')")
    line = card_text(phone, rid)
    assert "critical" in line and "Maternity" in line and "signs of labour or of danger" in line
    assert "waiting" in line and "138****0005" in line
    open_request(phone, rid)
    text = detail_text(phone)
    assert "Weeks pregnant: 38 weeks" in text and "Signs: bleeding" in text
    phone.page.get_by_role("button", name="Claim", exact=True).tap()
    phone.wait_for("document.querySelector('#help-detail .person a[href^=\"tel:\"]')")
    assert "You claimed it (just now)" in detail_text(phone)
    shot(phone, "desk-help-request-en-360x740")
    phone.page.select_option("#help-detail .closing select", "unreachable")
    phone.page.get_by_role("button", name="Close this request").tap()
    wait_state(phone, "closed: unreachable")
    assert served.store.get_help_request(rid).close_reason.value == "unreachable"
    assert phone.errors == [] and failed == []


def test_the_board_loads_more_a_page_at_a_time_and_a_refresh_keeps_them(tmp_path, open_page):
    with serving(tmp_path, "none") as own:  # a server of its own: intake's limit per address
        for n in range(23):
            ask(own, f"139{n:08d}", service="pharmacy", answers={})
        phone = sign_in(own, open_page, "小王", Role.volunteer)
        failed = watch(phone)
        open_board(phone)
        cards = "document.querySelectorAll('#help-board .card').length"
        phone.wait_for(f"{cards} === 20")
        more = phone.page.get_by_role("button", name="加载更多")
        more.tap()
        phone.wait_for(f"{cards} === 23")
        assert more.is_hidden()
        board = "/api/v1/help-requests?"
        with phone.page.expect_response(lambda r: board in r.url) as answer:
            phone.page.get_by_role("button", name="刷新").tap()
        assert "limit=23&offset=0" in answer.value.url
        phone.wait_for(f"{cards} === 23")
        assert phone.page.locator("#help-info").inner_text().startswith("23 条求助")
        assert phone.errors == [] and failed == []


def test_the_help_tab_has_every_word_in_both_languages():
    def paths(words: dict, prefix: str = "") -> set[str]:
        found = set()
        for key, value in words.items():
            found |= paths(value, f"{prefix}{key}.") if isinstance(value, dict) else {prefix + key}
        return found

    zh, en = desk_words("zh"), desk_words("en")
    assert paths(zh["help"]) == paths(en["help"]) and zh["tabs"].keys() == en["tabs"].keys()
    assert zh["help"]["states"].keys() == {state.value for state in HelpState}
    assert zh["help"]["urgency"].keys() == {urgency.value for urgency in Urgency}
    assert zh["help"]["reasons"].keys() == {reason.value for reason in CloseReason}
