"""Invites through the API and the join page: who may invite whom, the link and its QR
codes, uses, expiry, revocation, and joining (the cookie and where it leads)."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from app.api.context import FAILED_AUTH_LIMIT
from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from app.services.auth import create_token

ORIGIN = "http://testserver"


def bearer(client: TestClient, role: Role, name: str | None = None) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, name or f"{role.value}-1", role)
    return {"Authorization": f"Bearer {secret}"}


def invite(client: TestClient, role: str = "verifier", **body) -> dict:
    """A new invite made by an admin; its answer."""
    response = client.post("/api/v1/invites", json={"name": "王阿姨", "role": role} | body,
                           headers=bearer(client, Role.admin, "管理员"))  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()


def join(client: TestClient, url: str, **headers: str):
    """Press the join page's button (a same-origin form post)."""
    path = urlsplit(url).path
    return client.post(path, headers={"Origin": ORIGIN} | headers, follow_redirects=False)


@pytest.mark.parametrize(
    ("inviter", "role", "status"),
    [
        (Role.coordinator, "volunteer", 201),
        (Role.coordinator, "coordinator", 201),
        (Role.coordinator, "admin", 403),
        (Role.admin, "admin", 201),
        (Role.verifier, "volunteer", 403),
        (Role.volunteer, "volunteer", 403),
    ],
)
def test_coordinators_invite_up_to_coordinator_and_only_admins_invite_admins(
    client: TestClient, inviter: Role, role: str, status: int
):
    response = client.post("/api/v1/invites", json={"name": "王阿姨", "role": role},
                           headers=bearer(client, inviter))  # fmt: skip
    assert response.status_code == status, response.text
    invites = client.app.state.context.store.list_invites()
    assert len(invites) == (status == 201)


def test_a_new_invite_has_a_link_and_qr_codes_shown_once(client: TestClient):
    made = invite(client, uses=3, expires_hours=2)
    assert made["url"].startswith(f"{ORIGIN}/join/") and made["uses"] == 0
    assert (made["max_uses"], made["state"], made["created_by"]) == (3, "usable", "管理员")
    code = made["url"].rsplit("/", 1)[1]
    png = client.get(f"/join/{code}/qr.png")
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    svg = client.get(f"/join/{code}/qr.svg")
    assert svg.status_code == 200 and b"<svg" in svg.content
    listed = client.get("/api/v1/invites", headers=bearer(client, Role.coordinator)).json()
    assert [i["id"] for i in listed] == [made["id"]]
    assert code not in str(listed)  # only a hash is kept
    assert "url" not in listed[0]


@pytest.mark.parametrize(
    "body",
    [
        {"name": "王\u202e阿姨", "role": "volunteer"},
        {"name": "王阿姨", "role": "chief"},
        {"name": "王阿姨", "role": "volunteer", "uses": 0},
        {"name": "王阿姨", "role": "volunteer", "uses": 1001},
        {"name": "王阿姨", "role": "volunteer", "expires_hours": 0.01},
        {"name": "王阿姨", "role": "volunteer", "expires_hours": 24 * 31},
        {"name": "王阿姨", "role": "volunteer", "code": "chosen"},
    ],
)
def test_bad_invites_are_a_422_and_make_nothing(client: TestClient, body: dict):
    response = client.post("/api/v1/invites", json=body, headers=bearer(client, Role.admin))
    assert response.status_code == 422, response.text
    assert client.app.state.context.store.list_invites() == []


def test_the_join_page_says_who_invites_whom_and_joining_sets_the_cookie(client: TestClient):
    url = invite(client, "verifier")["url"]
    page = client.get(urlsplit(url).path)
    assert page.status_code == 200
    assert "管理员邀请王阿姨以“核实员”身份加入" in page.text
    assert page.text.count("<button") == 1 and "<script" not in page.text
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    english = client.get(urlsplit(url).path, headers={"Accept-Language": "en-US,en"})
    assert "管理员 invites 王阿姨 to join" in english.text and "as verifier" in english.text
    joined = join(client, url)
    assert joined.status_code == 303 and joined.headers["Location"] == "/desk"
    cookie = joined.headers["Set-Cookie"]
    assert cookie.startswith("aidmap_session=")
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= flags
    assert "secure" not in flags  # plain http: a Secure cookie would never come back
    who = client.get("/api/v1/session")
    assert who.status_code == 200, who.text
    assert who.json() | {"expires_at": None} == {
        "name": "王阿姨", "role": "verifier", "via": "session", "expires_at": None
    }  # fmt: skip
    listed = client.get("/api/v1/invites", headers=bearer(client, Role.coordinator)).json()
    assert listed[0]["uses"] == 1 and len(listed[0]["joined"]) == 1


def test_over_https_the_cookie_is_secure(seeded_settings, clock):
    from app.main import create_app

    with TestClient(create_app(seeded_settings, clock=clock), base_url="https://testserver") as c:
        url = invite(c)["url"]
        assert url.startswith("https://testserver/join/")
        joined = c.post(urlsplit(url).path, headers={"Origin": "https://testserver"},
                        follow_redirects=False)  # fmt: skip
        assert joined.status_code == 303
        assert "secure" in joined.headers["Set-Cookie"].lower()


def test_used_up_expired_and_revoked_invites_show_a_page_and_open_no_session(
    client: TestClient, clock
):
    store = client.app.state.context.store
    used = invite(client, uses=1)["url"]
    assert join(client, used).status_code == 303
    client.cookies.clear()
    again = join(client, used)
    assert again.status_code == 410 and "使用次数已经用完" in again.text
    assert "set-cookie" not in again.headers
    assert client.get(urlsplit(used).path).status_code == 410

    revoked = invite(client)
    gone = client.delete(f"/api/v1/invites/{revoked['id']}", headers=bearer(client, Role.admin))
    assert gone.status_code == 200 and gone.json()["state"] == "revoked"
    assert "已被撤销" in client.get(urlsplit(revoked["url"]).path).text
    assert join(client, revoked["url"]).status_code == 410
    assert client.get(urlsplit(revoked["url"]).path + "/qr.png").status_code == 410

    late = invite(client, expires_hours=1)["url"]
    clock.now += timedelta(hours=1)
    page = client.get(urlsplit(late).path, headers={"Accept-Language": "en"})
    assert page.status_code == 410 and "This invite has expired." in page.text
    assert join(client, late).status_code == 410
    assert len(store.list_sessions()) == 1

    missing = client.get("/join/" + "x" * 24)
    assert missing.status_code == 404 and "找不到这个邀请" in missing.text


def test_a_coordinator_cannot_revoke_an_admins_invite(client: TestClient):
    made = invite(client, "admin")
    refused = client.delete(f"/api/v1/invites/{made['id']}",
                            headers=bearer(client, Role.coordinator))  # fmt: skip
    assert refused.status_code == 403
    assert client.app.state.context.store.get_invite(made["id"]).revoked_at is None
    assert (
        client.delete("/api/v1/invites/999", headers=bearer(client, Role.admin)).status_code == 404
    )


def test_a_join_posted_from_another_site_signs_nobody_in(client: TestClient):
    url = invite(client)["url"]
    for headers in ({"Origin": "https://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        refused = client.post(urlsplit(url).path, headers=headers, follow_redirects=False)
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
    assert client.app.state.context.store.list_sessions() == []
    assert join(client, url, **{"Sec-Fetch-Site": "same-origin"}).status_code == 303


def test_guessing_invite_codes_is_throttled_like_token_sign_ins(client: TestClient):
    allowed, _ = FAILED_AUTH_LIMIT
    for n in range(allowed):
        assert client.get(f"/join/{n:024d}").status_code == 404
    assert client.get("/join/" + "y" * 24).status_code == 429
    assert client.post("/join/" + "y" * 24).status_code == 429


def test_invite_codes_never_reach_the_access_log(client: TestClient, caplog):
    caplog.set_level(logging.INFO, logger="aidmap.access")
    url = invite(client)["url"]
    code = url.rsplit("/", 1)[1]
    client.get(urlsplit(url).path)
    client.get(urlsplit(url).path + "/qr.png")
    for near_miss in ("/", "/x", "/qr.gif"):  # a chat app's trailing slash: no route, a 404
        assert client.get(urlsplit(url).path + near_miss).status_code == 404
    join(client, url)
    lines = [r for r in caplog.records if r.name == "aidmap.access"]
    assert {r.path for r in lines if r.route.startswith("/join/")} == {
        "/join/{code}", "/join/{code}/qr.png"
    }  # fmt: skip
    assert all(code not in r.getMessage() and code not in r.path for r in lines)


def test_invite_codes_never_reach_the_access_log_behind_a_proxy_path(
    seeded_settings: Settings, caplog
):
    """Under AIDMAP_ROOT_PATH a near miss (/aidmap/join/CODE/, a chat app's trailing slash)
    was logged as sent, code and all: the check looked for join/ at the path's start."""
    settings = seeded_settings.model_copy(update={"root_path": "/aidmap"})
    with TestClient(create_app(settings)) as client:
        caplog.set_level(logging.INFO, logger="aidmap.access")
        url = invite(client)["url"]
        code = url.rsplit("/", 1)[1]
        path = urlsplit(url).path
        assert path.startswith("/aidmap/join/")
        for near_miss in ("/", "/x"):
            assert client.get(path + near_miss).status_code == 404
        assert client.get(path.replace("/join/", "/%6Aoin/") + "/").status_code == 404
        lines = [r for r in caplog.records if r.name == "aidmap.access"]
    assert len(lines) == 4
    assert all(code not in r.getMessage() and code not in r.path for r in lines)
