"""The requester's side of a help request, keyed by the tracking link: the page and its
JSON, adding information, withdrawing (erased at once); a wrong secret is a 404 counted
like a failed sign-in, apart from them; secrets never reach the access log."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.domain.help import CloseReason, HelpState
from tests.api.help import ask, bearer, stored


def path_of(answer: dict) -> str:
    return urlsplit(answer["tracking_url"]).path


def test_the_link_shows_the_state_and_never_the_details(client: TestClient, clock):
    link = path_of(ask(client, clock.now, name="李先生", text="父亲需要透析"))
    read = client.get(link, params={"f": "json"})
    assert read.status_code == 200
    assert read.headers["Cache-Control"] == "private, no-store"
    assert read.json() | {"created_at": None, "updated_at": None} == {
        "state": "new", "service": "dialysis", "close_reason": None, "created_at": None,
        "updated_at": None, "matched": None, "messages": [], "added": [], "erased": False,
        "repeat": False,
    }  # fmt: skip
    page = client.get(link)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "已收到，等待志愿者处理" in page.text
    scripts = re.findall(r"<script[^>]*>", page.text)  # the words, and our module: no inline code
    assert scripts[0] == '<script type="application/json" id="aidmap-config">'
    module = re.compile(r'<script type="module" src="[^"]+">')
    assert [s for s in scripts[1:] if not module.fullmatch(s)] == []
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert '<meta name="referrer" content="no-referrer">' in page.text
    assert "Your help request" in client.get(link, params={"lang": "en"}).text
    chat = client.get(link, params={"from": "singlemessage", "isappinstalled": "0"})
    assert chat.status_code == 200 and "求助进度" in chat.text  # as WeChat passes it on
    for shown in (read.text, page.text):
        assert "李先生" not in shown and "父亲" not in shown and "138" not in shown
        assert "121.47" not in shown


def test_adding_information_is_kept_for_volunteers(client: TestClient, clock):
    link = path_of(ask(client, clock.now))
    added = client.post(f"{link}/messages", json={"text": "住在3楼，电梯坏了"})
    assert added.status_code == 201, added.text
    assert len(added.json()["added"]) == 1 and "电梯" not in added.text
    [request] = stored(client)
    events = client.app.state.context.store.help_events(request.id)
    assert (events[-1].kind.value, events[-1].text, events[-1].public) == (
        "added", "住在3楼，电梯坏了", False)  # fmt: skip
    assert client.post(f"{link}/messages", json={"text": ""}).status_code == 422
    assert client.post(f"{link}/messages", json={"text": "很" * 1001}).status_code == 422
    assert client.post(f"{link}/messages", json={"text": "<a href=x>看</a>"}).status_code == 422


def test_withdrawing_erases_at_once(client: TestClient, clock):
    link = path_of(ask(client, clock.now))
    client.post(f"{link}/messages", json={"text": "补充信息"})
    withdrawn = client.post(f"{link}/withdraw")
    assert withdrawn.status_code == 200, withdrawn.text
    assert (withdrawn.json()["state"], withdrawn.json()["close_reason"]) == ("closed", "withdrawn")
    assert withdrawn.json()["erased"] is True
    [request] = stored(client)
    assert (request.state, request.close_reason) == (HelpState.closed, CloseReason.withdrawn)
    assert (request.phone, request.name, request.text, request.lon, request.answers) == (None,) * 5
    texts = [e.text for e in client.app.state.context.store.help_events(request.id)]
    assert "补充信息" not in texts
    assert client.post(f"{link}/withdraw").status_code == 200  # again: nothing more
    late = client.post(f"{link}/messages", json={"text": "还在吗"})
    assert late.status_code == 409 and late.json()["error"]["code"] == "finished"
    assert "您的电话、姓名、描述和位置已删除" in client.get(link).text


def test_a_wrong_secret_is_404_and_guessing_is_throttled(client: TestClient, clock):
    link = path_of(ask(client, clock.now))
    for _ in range(11):  # a stranger guessing tokens from the same (NAT) address
        client.get("/api/v1/help-requests", headers={"Authorization": "Bearer guess"})
    assert client.get("/api/v1/help-requests").status_code == 429
    assert client.get(link).status_code == 200  # the requester there still follows it
    secret = link.rsplit("/", 1)[1]
    near = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for guess in (near, "x", "a" * 100):
        answer = client.get(f"/h/{guess}", params={"f": "json"})
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert client.post(f"/h/{near}/withdraw").status_code == 404
    assert client.get("/h/" + "a" * 101).status_code == 422  # longer than any secret
    for _ in range(6):
        client.get(f"/h/{near}")
    assert client.get(f"/h/{near}").status_code == 429
    assert client.get(link).status_code == 429  # the address waits, even with the right one


def test_tracking_secrets_never_reach_the_access_log(client: TestClient, clock, caplog):
    caplog.set_level(logging.INFO, logger="aidmap.access")
    link = path_of(ask(client, clock.now))
    secret = link.rsplit("/", 1)[1]
    client.get(link)
    client.post(f"{link}/messages", json={"text": "补充"})
    client.get(link + "/")  # a chat app's trailing slash: no route
    client.post(f"{link}/withdraw")
    lines = [r for r in caplog.records if r.name == "aidmap.access"]
    assert len(lines) == 5
    assert all(secret not in r.getMessage() and secret not in r.path for r in lines)
    assert {r.path for r in lines} >= {"/h/{secret}", "/h/{secret}/messages"}


def test_a_request_sent_twice_shows_its_links_the_state_only(client: TestClient, clock):
    """Sending proves only knowing the phone and the service. A stranger who sent the same
    after the requester, or before (the requester's own submission then joins theirs),
    must not read what volunteers write to whoever answers the phone, nor withdraw (and
    so erase) the request the volunteer is calling about."""
    first = path_of(ask(client, clock.now, name="李先生"))
    volunteer = bearer(client, Role.volunteer)
    [request] = stored(client)
    client.post(f"/api/v1/help-requests/{request.id}/claim", headers=volunteer)
    client.post(f"/api/v1/help-requests/{request.id}/notes", headers=volunteer,
                json={"text": "救护车下午3点到", "public": True})  # fmt: skip
    assert client.get(first, params={"f": "json"}).json()["messages"] != []  # sent once
    second = ask(client, clock.now, phone="+86 138 1234 5678", text="不用了")
    assert second["merged_into"] == request.id
    client.post(f"/api/v1/help-requests/{request.id}/transition", headers=volunteer,
                json={"state": "matched", "resource_id": 2})  # fmt: skip
    client.post(f"/api/v1/help-requests/{request.id}/notes", headers=volunteer,
                json={"text": "明早8点到幸福路12号接", "public": True})  # fmt: skip
    for link in (first, path_of(second)):
        read = client.get(link, params={"f": "json"})
        assert read.status_code == 200 and read.headers["Referrer-Policy"] == "no-referrer"
        assert (read.json()["state"], read.json()["repeat"]) == ("matched", True)
        assert read.json()["messages"] == [] and read.json()["matched"] is None
        assert "幸福路" not in client.get(link).text
        withdrawn = client.post(f"{link}/withdraw")
        assert withdrawn.status_code == 409
        assert withdrawn.json()["error"]["code"] == "repeat_link"
        added = client.post(f"{link}/messages", json={"text": "已经送医院了"})
        assert added.status_code == 201 and added.json()["messages"] == []
    [kept] = stored(client)
    assert (kept.state, kept.erased_at, kept.phone) == (HelpState.matched, None, "13812345678")
