"""The volunteers' workspace in real Chromium against ``aidmap serve``: a verifier
verifies from the queue, a change reaches an open map, two verifiers meet on one
hospital, claims show and end; and the page as a stranger or another site sees it."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from app.domain.enums import Role
from tests.web.desk import card, choose_service, hospitals_offering, sign_in
from tests.web.test_page_browser import show_marker, wait_for_map


def test_a_verifier_verifies_a_fresh_report_in_two_taps(served, open_page):
    hospital = hospitals_offering(served, "dialysis")[0]
    served.put_status(hospital, "dialysis", "limited", conditions=["appointment_only"],
                      note="<b>周一三五</b>")  # fmt: skip
    phone = sign_in(served, open_page, "王阿姨", Role.verifier)
    phone.screenshot("desk-queue-360x740")
    choose_service(phone, "dialysis")
    first = phone.page.locator("#queue .card").first
    assert first.get_attribute("data-key") == f"{hospital}:dialysis"  # a fresh report first
    assert "新报告待核实" in first.inner_text() and "有限接诊" in first.inner_text()
    first.locator("button.head").tap()  # 1: open the card
    phone.wait_for(f"document.querySelector('{_key(hospital, 'dialysis')} .claim')")
    assert "你正在处理" in first.inner_text()
    assert "<b>周一三五</b>" in first.inner_text()  # a note is text
    assert first.locator("a[href^='tel:']").count() >= 1
    phone.screenshot("desk-card-360x740")
    first.get_by_role("button", name="仍然如此").tap()  # 2: verify
    phone.wait_for(f"document.querySelector('{_key(hospital, 'dialysis')} .done')")
    status = _status(served, hospital, "dialysis")
    assert status.verified_by == "王阿姨" and status.state == "limited"
    [entry, *_] = served.store.history(hospital, service="dialysis")
    assert entry.via == "workspace"
    phone.screenshot("desk-verified-360x740")
    assert phone.errors == [] and phone.outside == []


def test_a_change_saved_in_the_desk_shows_on_an_open_map_within_two_seconds(served, open_page):
    hospital = hospitals_offering(served, "emergency")[3]
    viewer = open_page(1280, 800)
    viewer.page.goto(served.base + "/")
    wait_for_map(viewer)
    viewer.page.select_option("#service", "emergency")
    viewer.wait_for("document.getElementById('live').className === 'live-on'")
    show_marker(viewer, hospital)
    marker = f"aidmap.state.markers.get({hospital}).getElement().querySelector('.hm').className"
    phone = sign_in(served, open_page, "小李", Role.volunteer)
    choose_service(phone, "emergency")
    item = card(phone, hospital, "emergency")
    item.locator("button.head").tap()
    item.get_by_role("button", name="状态变了").tap()
    item.locator(".states label", has_text="暂停").tap()
    item.locator(".chips label", has_text="需预约").tap()
    item.locator("textarea").fill("电话确认：急诊暂停到周五")
    phone.screenshot("desk-change-360x740")
    item.get_by_role("button", name="保存").tap()
    started = time.monotonic()
    viewer.wait_for(f"{marker}.includes('state-closed')", timeout=2000)
    assert time.monotonic() - started < 2
    status = _status(served, hospital, "emergency")
    assert (status.state, status.reported_by, status.conditions) == (
        "closed",
        "小李",
        ("appointment_only",),
    )
    assert status.verified_by is None  # a volunteer reports; verifying is a verifier's
    phone.page.get_by_role("link", name="最新动态").tap()
    name = served.store.get_resource(hospital).name
    phone.wait_for(f"document.getElementById('activity').innerText.includes({name!r})")
    assert "急诊：暂停（需预约）" in phone.page.locator("#activity li").first.inner_text()
    phone.screenshot("desk-activity-360x740")
    assert viewer.errors == [] and phone.errors == []


def test_two_verifiers_on_one_hospital_see_the_claim_and_the_second_save_meets_the_first(
    served, open_page
):
    hospital = hospitals_offering(served, "maternity")[2]
    first = sign_in(served, open_page, "王阿姨", Role.verifier)
    second = sign_in(served, open_page, "张医生", Role.verifier)
    for phone in (first, second):
        choose_service(phone, "maternity")
    key = _key(hospital, "maternity")
    card(first, hospital, "maternity").locator("button.head").tap()
    first.wait_for(f"document.querySelector('{key} .claim')")
    mine, theirs = card(first, hospital, "maternity"), card(second, hospital, "maternity")
    theirs.locator("button.head").tap()  # opened while the other is calling: still usable
    second.wait_for(f"document.querySelector('{key} .claim')?.innerText.includes('王阿姨')")
    assert "王阿姨 正在致电" in theirs.inner_text()
    for item, state in ((mine, "暂停"), (theirs, "开放")):
        item.get_by_role("button", name="状态变了").tap()
        item.locator(".states label", has_text=state).tap()
    mine.get_by_role("button", name="保存").tap()
    first.wait_for(f"document.querySelector('{key} .done')")
    theirs.get_by_role("button", name="保存").tap()
    second.wait_for(f"document.querySelector('{key} .conflict')")
    conflict = theirs.locator(".conflict").inner_text()
    assert "王阿姨" in conflict and "暂停" in conflict
    second.screenshot("desk-conflict-360x740")
    status = _status(served, hospital, "maternity")
    assert (status.state, status.reported_by) == ("closed", "王阿姨")  # the first survives
    theirs.get_by_role("button", name="以最新版本为准，再保存一次").tap()
    second.wait_for(f"document.querySelector('{key} .done')")
    status = _status(served, hospital, "maternity")
    assert (status.state, status.reported_by) == ("open", "张医生")
    mine.locator("button.head").tap()  # closing the card ends the claim
    first.wait_for(f"!document.querySelector('{key} .body')")
    deadline = time.monotonic() + 5
    while served.store.active_claims(_now(), [hospital]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert served.store.active_claims(_now(), [hospital]) == {}
    assert first.errors == []
    expected = ("409 (Conflict)", "412 (Precondition Failed)")  # the claim held, the conflict
    assert [e for e in second.errors if not e.endswith(expected)] == []


def _now() -> datetime:
    return datetime.now(UTC)


def _status(served, hospital: int, service: str):
    return served.store.statuses_for([hospital], service)[hospital]


def test_someone_elses_claim_shows_until_it_expires_then_the_card_is_free(served, open_page):
    hospital = hospitals_offering(served, "oncology")[1]
    now = _now()
    served.store.claim(hospital, "老周", "someone-else", now, now + timedelta(seconds=4))
    phone = sign_in(served, open_page, "小陈", Role.volunteer)
    choose_service(phone, "oncology")
    item = card(phone, hospital, "oncology")
    assert "老周 正在致电" in item.locator(".claim").inner_text()
    phone.screenshot("desk-claimed-360x740")
    time.sleep(max(0.0, 4.2 - (_now() - now).total_seconds()))
    phone.page.get_by_role("button", name="刷新").tap()
    phone.wait_for(f"!document.querySelector('{_key(hospital, 'oncology')} .claim')")
    item.locator("button.head").tap()  # free: opening it claims it for this volunteer
    phone.wait_for(f"document.querySelector('{_key(hospital, 'oncology')} .claim')")
    assert "你正在处理" in item.locator(".claim").inner_text()
    assert served.store.active_claims(_now(), [hospital])[hospital].holder == "小陈"


def _key(hospital: int, service: str) -> str:
    return f'#queue .card[data-key="{hospital}:{service}"]'
