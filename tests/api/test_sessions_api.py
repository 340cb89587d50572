"""Sessions through the API: cookie writes only from our own page, attribution in history,
bearer tokens unchanged, idle expiry, signing out and ending by an admin; on SQLite and
on PostGIS."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from tests.api.test_invites_api import ORIGIN, bearer, invite, join

PAGE = {"Origin": ORIGIN, "X-Aidmap-Page": "1"}


def signed_in(client: TestClient, role: str = "verifier") -> int:
    """Join through a new invite in ``client``'s cookie jar; the session's id."""
    assert join(client, invite(client, role)["url"]).status_code == 303
    return client.app.state.context.store.list_sessions()[0].id


def hospital(client: TestClient) -> tuple[int, str]:
    found = client.app.state.context.store.list_resources(kind="hospital", limit=1)[0]
    return found.id, found.services[0]


def put_status(client: TestClient, headers: dict[str, str], state: str = "limited"):
    resource_id, service = hospital(client)
    etag = client.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
    return client.put(f"/api/v1/resources/{resource_id}/status/{service}",
                      json={"state": state}, headers=headers | {"If-Match": etag})  # fmt: skip


@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example", "X-Aidmap-Page": "1"},
        {"Origin": "null", "X-Aidmap-Page": "1"},
        {"Sec-Fetch-Site": "same-site", "X-Aidmap-Page": "1"},
        {"X-Aidmap-Page": "1"},  # neither Origin nor Sec-Fetch-Site
        {"Origin": ORIGIN},  # no page header
        {"Origin": ORIGIN, "X-Aidmap-Page": "yes"},
    ],
)
def test_a_cookie_write_not_from_our_page_is_403_and_changes_nothing(
    client: TestClient, headers: dict[str, str]
):
    signed_in(client)
    resource_id, _ = hospital(client)
    before = client.get(f"/api/v1/resources/{resource_id}").json()
    refused = put_status(client, headers)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"]["code"] == "cross_site"
    assert client.get(f"/api/v1/resources/{resource_id}").json() == before
    ended = client.post("/api/v1/session/end", headers=headers)
    assert ended.status_code == 403  # signing out is a write too
    assert client.get("/api/v1/session").status_code == 200


def test_a_cookie_write_from_our_page_is_attributed_to_the_sessions_name(client: TestClient):
    signed_in(client)
    for headers in (PAGE, {"Sec-Fetch-Site": "same-origin", "X-Aidmap-Page": "1"}):
        written = put_status(client, headers, "open")
        assert written.status_code == 200, written.text
    resource_id, service = hospital(client)
    history = client.get(f"/api/v1/resources/{resource_id}/history",
                         params={"service": service}).json()  # fmt: skip
    assert [entry["status"]["reported_by"] for entry in history][:2] == ["王阿姨", "王阿姨"]
    assert "王阿姨" in client.get(f"/api/v1/resources/{resource_id}").text  # signed in
    client.cookies.clear()
    for path in (f"/api/v1/resources/{resource_id}", f"/api/v1/resources/{resource_id}/history"):
        public = client.get(path)
        assert public.status_code == 200 and "王阿姨" not in public.text


def test_bearer_tokens_work_as_before_whatever_cookie_is_sent(client: TestClient):
    signed_in(client, "volunteer")
    token = bearer(client, Role.verifier, "API 客户端")
    written = put_status(client, token)  # no Origin, no page header: a program
    assert written.status_code == 200, written.text
    assert written.json()["status"]["reported_by"] == "API 客户端"
    assert client.get("/api/v1/session", headers=token).json()["via"] == "token"
    bad = client.get("/api/v1/session", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401  # a bad token is not rescued by a good cookie
    assert client.post("/api/v1/session/end", headers=token).status_code == 409


def test_a_sessions_role_is_the_invites(client: TestClient):
    signed_in(client, "volunteer")
    assert client.get("/api/v1/verification-queue").status_code == 200  # volunteers call too
    assert client.get("/api/v1/sessions").status_code == 403  # an admin's list
    assert client.get("/api/v1/invites").status_code == 403  # a coordinator's


def test_sessions_end_after_idling_and_are_touched_at_most_once_a_minute(client: TestClient, clock):
    store = client.app.state.context.store
    session_id = signed_in(client)
    joined = store.get_session(session_id).last_seen_at
    clock.now += timedelta(seconds=30)
    assert client.get("/api/v1/session").status_code == 200
    assert store.get_session(session_id).last_seen_at == joined  # no write within a minute
    clock.now += timedelta(hours=71)
    who = client.get("/api/v1/session").json()
    assert store.get_session(session_id).last_seen_at == clock.now
    assert who["expires_at"].startswith((clock.now + timedelta(hours=72)).isoformat()[:16])
    clock.now += timedelta(hours=72)
    expired = client.get("/api/v1/session")
    assert expired.status_code == 401
    assert put_status(client, PAGE).status_code == 401


def test_signing_out_ends_the_session_and_clears_the_cookie(client: TestClient):
    session_id = signed_in(client)
    secret = client.cookies["aidmap_session"]
    ended = client.post("/api/v1/session/end", headers=PAGE)
    assert ended.status_code == 204
    assert 'aidmap_session=""' in ended.headers["Set-Cookie"]
    assert "Max-Age=0" in ended.headers["Set-Cookie"]
    assert client.app.state.context.store.get_session(session_id).ended_at is not None
    client.cookies.clear()
    replay = {"Cookie": f"aidmap_session={secret}"}
    assert client.get("/api/v1/session", headers=replay).status_code == 401
    # an ended session reads public pages as the public, never as an error
    assert client.get("/api/v1/resources", headers=replay).status_code == 200


def test_an_admin_lists_and_ends_sessions(client: TestClient):
    session_id = signed_in(client)
    admin = bearer(client, Role.admin, "管理员2")
    listed = client.get("/api/v1/sessions", headers=admin).json()
    assert [(s["id"], s["name"], s["live"]) for s in listed] == [(session_id, "王阿姨", True)]
    ended = client.delete(f"/api/v1/sessions/{session_id}", headers=admin)
    assert ended.status_code == 200 and ended.json()["live"] is False
    assert client.get("/api/v1/session").status_code == 401
    assert client.delete("/api/v1/sessions/999", headers=admin).status_code == 404
    invites = client.get("/api/v1/invites", headers=admin).json()
    assert invites[0]["joined"][0]["ended_at"] is not None


def test_an_admin_session_may_revoke_the_token_with_its_id(client: TestClient):
    signed_in(client, "admin")
    store = client.app.state.context.store
    token = store.list_tokens()[0]  # the inviting admin's token, id 1 like the session
    revoked = client.delete(f"/api/v1/tokens/{token.id}", headers=PAGE)
    assert revoked.status_code == 200, revoked.text


@pytest.fixture
def postgis_client(postgis_url: str, sqlite_settings: Settings, clock) -> Iterator[TestClient]:
    settings = Settings(data_dir=sqlite_settings.data_dir, database_url=postgis_url)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def test_on_postgis_a_session_writes_from_our_page_and_ends_at_once(postgis_client: TestClient):
    client = postgis_client
    session_id = signed_in(client)
    assert (
        put_status(client, {"Origin": "https://evil.example", "X-Aidmap-Page": "1"}).status_code
        == 403
    )
    written = put_status(client, PAGE, "closed")
    assert written.status_code == 200 and written.json()["status"]["reported_by"] == "王阿姨"
    client.app.state.context.store.end_session(session_id, client.app.state.context.clock())
    assert client.get("/api/v1/session").status_code == 401


def test_an_import_applied_by_a_cookie_from_another_site_is_403_and_changes_nothing(
    client: TestClient,
):
    """Imports read their caller as optional (dry runs are public), and that path skipped
    the page check: a form posted from another site applied a coordinator's import."""
    signed_in(client, "coordinator")
    resource_id, _ = hospital(client)
    before = client.get(f"/api/v1/resources/{resource_id}").json()
    store = client.app.state.context.store
    stored = store.get_resource(resource_id)
    district = store.get_unit(stored.district_id).name
    sheet = f"ref,name,district,address\n{stored.ref},{stored.name},{district},被改的地址\n"
    for headers in ({"Origin": "https://evil.example"}, {"Origin": ORIGIN}):
        refused = client.post("/api/v1/imports", params={"kind": "hospitals", "dry_run": "false"},
                              files={"file": ("h.csv", sheet.encode(), "text/csv")},
                              headers=headers)  # fmt: skip
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "cross_site"
    assert client.get(f"/api/v1/resources/{resource_id}").json() == before


def test_a_cookie_that_outlived_its_session_locks_no_one_out_of_joining(client: TestClient):
    """A forgotten tab keeps sending an ended session's cookie: that is no guessing, and
    counting it as failed sign-ins made valid invite links 429 for everyone there."""
    session_id = signed_in(client, "volunteer")
    client.app.state.context.store.end_session(session_id, client.app.state.context.clock())
    for _ in range(15):
        assert client.get("/api/v1/session").status_code == 401
    fresh = invite(client, "volunteer")["url"]
    assert join(client, fresh).status_code == 303


def test_a_page_opened_under_another_name_of_this_server_may_write(client: TestClient):
    """Links say the socket's address (127.0.0.1) when no AIDMAP_BASE_URL is set, but a
    volunteer may have typed ``localhost``: the origin the browser addressed is ours too."""
    signed_in(client)
    local = {"Host": "localhost:8000", "X-Aidmap-Page": "1"}
    assert put_status(client, local | {"Origin": "http://localhost:8000"}).status_code == 200
    elsewhere = put_status(client, local | {"Origin": "http://localhost:9000"})
    assert elsewhere.status_code == 403, elsewhere.text
