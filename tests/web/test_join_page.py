"""Joining from an invite link on a phone, in real Chromium against ``aidmap serve``: the
page, its one button, the cookie it leaves; and the page of an expired invite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.domain.enums import Role
from app.services.sessions import create_invite


def _link(served, *, lifetime: timedelta, now: datetime | None = None) -> str:
    _, code = create_invite(
        served.store, name="王阿姨", role=Role.verifier, created_by="李协调",
        lifetime=lifetime, uses=1, now=now or datetime.now(UTC),
    )  # fmt: skip
    return f"{served.base}/join/{code}"


def test_a_phone_opens_the_invite_confirms_and_lands_on_the_desk_signed_in(served, open_page):
    phone = open_page(width=360, height=740, locale="zh-CN", touch=True)
    phone.page.goto(_link(served, lifetime=timedelta(hours=72)))
    assert "李协调邀请王阿姨以“核实员”身份加入" in phone.page.locator("main").inner_text()
    button = phone.page.get_by_role("button", name="确认加入")
    box = button.bounding_box()
    assert box["width"] <= 360 and box["height"] >= 48  # a thumb-sized target, no overflow
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 360
    phone.screenshot("join-360x740")
    button.tap()
    phone.page.wait_for_url(f"{served.base}/desk")
    cookie = next(c for c in phone.context.cookies() if c["name"] == "aidmap_session")
    assert (cookie["httpOnly"], cookie["sameSite"], cookie["path"]) == (True, "Strict", "/")
    assert phone.page.evaluate("document.cookie") == ""  # no script can read it
    session = served.store.list_sessions()[0]
    assert (session.name, session.role) == ("王阿姨", Role.verifier)
    phone.wait_for("document.querySelectorAll('#queue .card').length > 0")
    assert phone.page.locator("#me").inner_text() == "王阿姨（核实员）"
    assert phone.errors == []
    assert phone.outside == []


def test_an_expired_invite_says_so_and_offers_no_button(served, open_page):
    long_ago = datetime.now(UTC) - timedelta(days=2)
    phone = open_page(width=360, height=740, locale="zh-CN", touch=True)
    response = phone.page.goto(_link(served, lifetime=timedelta(hours=1), now=long_ago))
    assert response.status == 410
    text = phone.page.locator("main").inner_text()
    assert "这个邀请已过期" in text and "王阿姨" not in text
    assert phone.page.get_by_role("button").count() == 0
    phone.screenshot("join-expired-360x740")
    assert not any(c["name"] == "aidmap_session" for c in phone.context.cookies())
