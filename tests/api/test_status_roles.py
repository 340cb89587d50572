"""Every role × endpoint pair of the write API: allowed, or refused with the right code.

The real app (lifespan, SQLite file) under TestClient. Each test gets a fresh app, so the
per-address limits (failed sign-ins, public reports) start empty; the seeded database is
built once per session and copied, which keeps the matrix fast.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api.context import FAILED_AUTH_LIMIT
from app.core.config import Settings
from app.domain.enums import Role
from app.domain.statuses import State, StatusReport
from app.main import create_app
from app.services.auth import TOKEN_PREFIX, create_token
from app.storage.port import Store

CALLERS = ("no token", "unknown token", "revoked token", *(role.value for role in Role))
CSV = "名称,区,电话\n全新医院,黄浦区,021-55559999\n"


@pytest.fixture
def client(settings: Settings, seeded_dir: Path) -> Iterator[TestClient]:
    """A fresh app on a copy of the seeded database: fresh rate limiters too."""
    shutil.copytree(seeded_dir, settings.data_dir)
    with TestClient(create_app(settings)) as client:
        yield client


@dataclass
class World:
    """What the calls need: the store, a hospital and one of its services, a secret per caller."""

    store: Store
    resource_id: int
    service: str
    secrets: dict[str, str]

    def headers(self, caller: str) -> dict[str, str]:
        """The Authorization header ``caller`` sends (none for ``no token``)."""
        secret = self.secrets.get(caller)
        return {"Authorization": f"Bearer {secret}"} if secret else {}

    def report(self) -> None:
        """File a status directly in the store, so there is something to verify."""
        version = self.store.get_resource(self.resource_id).version
        self.store.set_status(
            self.resource_id, self.service, StatusReport(State.open, "alice"), version
        )


def make_world(client: TestClient) -> World:
    store = client.app.state.context.store
    hospital = store.list_resources(kind="hospital", limit=1)[0]
    keys = {role.value: create_token(store, f"{role.value}-1", role)[1] for role in Role}
    revoked, revoked_secret = create_token(store, "gone", Role.admin)
    store.revoke_token(revoked.id)
    keys["revoked token"] = revoked_secret
    keys["unknown token"] = TOKEN_PREFIX + secrets.token_urlsafe(32)
    return World(store, hospital.id, hospital.services[0], keys)


def etag(client: TestClient, world: World) -> str:
    response = client.get(f"/api/v1/resources/{world.resource_id}")
    assert response.status_code == 200
    return response.headers["ETag"]


Setup = Callable[[TestClient, World], dict]


@dataclass(frozen=True)
class Endpoint:
    """One endpoint: who may call it, its success code, and how to call it well-formed."""

    name: str
    needs: Role | None  # None: public
    success: int
    call: Callable[..., httpx.Response]
    setup: Setup = lambda _client, _world: {}
    checks_sent_token: bool = False  # a public endpoint that still refuses a bad token


def _put(client: TestClient, w: World, headers: dict[str, str], *, verified: bool = False):
    body = {"state": "limited", "note": "需预约", "verified": verified}
    return client.put(
        f"/api/v1/resources/{w.resource_id}/status/{w.service}",
        json=body,
        headers=headers | {"If-Match": etag(client, w)},
    )


def _batch(client: TestClient, w: World, headers: dict[str, str]):
    version = w.store.get_resource(w.resource_id).version
    item = {
        "resource_id": w.resource_id,
        "service": w.service,
        "expected_version": version,
        "update": {"state": "closed"},
    }
    return client.post("/api/v1/status-batch", json={"items": [item]}, headers=headers)


def _reported(_client: TestClient, w: World) -> dict:
    w.report()
    return {}


def _victim(_client: TestClient, w: World) -> dict:
    token, _ = create_token(w.store, "to-revoke", Role.volunteer)
    return {"token_id": token.id}


def _import(dry_run: bool) -> Callable[..., httpx.Response]:
    def call(client: TestClient, _w: World, headers: dict[str, str]):
        return client.post(
            "/api/v1/imports",
            params={"dry_run": str(dry_run).lower()},
            files={"file": ("list.csv", CSV.encode())},
            headers=headers,
        )

    return call


ENDPOINTS = [
    Endpoint("PUT status", Role.volunteer, 200, _put),
    Endpoint(
        "PUT status verified",
        Role.verifier,
        200,
        lambda c, w, h: _put(c, w, h, verified=True),
    ),
    Endpoint(
        "POST verify",
        Role.verifier,
        200,
        lambda c, w, h: c.post(
            f"/api/v1/resources/{w.resource_id}/status/{w.service}/verify",
            headers=h | {"If-Match": c.get(f"/api/v1/resources/{w.resource_id}").headers["ETag"]},
        ),
        setup=_reported,
    ),
    Endpoint("POST status-batch", Role.volunteer, 200, _batch),
    Endpoint(
        "GET verification-queue",
        Role.volunteer,
        200,
        lambda c, _w, h: c.get("/api/v1/verification-queue", headers=h),
    ),
    Endpoint(
        "POST tokens",
        Role.admin,
        201,
        lambda c, _w, h: c.post(
            "/api/v1/tokens", json={"name": "n", "role": "volunteer"}, headers=h
        ),
    ),
    Endpoint("GET tokens", Role.admin, 200, lambda c, _w, h: c.get("/api/v1/tokens", headers=h)),
    Endpoint(
        "DELETE tokens",
        Role.admin,
        200,
        lambda c, _w, h, token_id: c.delete(f"/api/v1/tokens/{token_id}", headers=h),
        setup=_victim,
    ),
    Endpoint("POST imports applied", Role.coordinator, 200, _import(dry_run=False)),
    Endpoint("POST imports dry run", None, 200, _import(dry_run=True), checks_sent_token=True),
    Endpoint(
        "GET resource",
        None,
        200,
        lambda c, w, h: c.get(f"/api/v1/resources/{w.resource_id}", headers=h),
        checks_sent_token=True,  # a token shows volunteers' names: a bad one is a 401
    ),
    Endpoint(
        "GET history",
        None,
        200,
        lambda c, w, h: c.get(f"/api/v1/resources/{w.resource_id}/history", headers=h),
        checks_sent_token=True,
    ),
    Endpoint(
        "POST reports",
        None,
        201,
        lambda c, w, h: c.post(
            f"/api/v1/resources/{w.resource_id}/reports", json={"text": "电话打不通"}, headers=h
        ),
    ),
]


def expected_status(endpoint: Endpoint, caller: str) -> int:
    """401 without a live token where one is needed (or checked), 403 below the role."""
    if caller == "no token":
        return endpoint.success if endpoint.needs is None else 401
    if caller in ("unknown token", "revoked token"):
        return 401 if endpoint.needs or endpoint.checks_sent_token else endpoint.success
    allowed = endpoint.needs is None or Role(caller).allows(endpoint.needs)
    return endpoint.success if allowed else 403


def snapshot(client: TestClient, w: World) -> tuple:
    """What any of the calls could change, read back after a refusal."""
    store = w.store
    return (
        store.get_resource(w.resource_id).version,
        len(store.history(w.resource_id, limit=1000)),
        [(t.id, t.revoked_at) for t in store.list_tokens()],
        client.get("/healthz").json()["counts"],
        len(store.list_problem_reports()),
    )


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert {"code", "message"} <= set(body["error"])
    assert body["error"]["code"] == code and body["error"]["message"]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_role_matrix(client: TestClient, endpoint: Endpoint, caller: str):
    world = make_world(client)
    kwargs = endpoint.setup(client, world)
    before = snapshot(client, world)
    response = endpoint.call(client, world, world.headers(caller), **kwargs)
    status = expected_status(endpoint, caller)
    if status == 401:
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    elif status == 403:
        assert_error(response, 403, "forbidden")
    else:
        assert response.status_code == status, response.text
        assert "error" not in response.json()
    if status >= 400:
        assert snapshot(client, world) == before, "a refused call changed something"


def test_a_write_returns_the_new_etag(client: TestClient):
    world = make_world(client)
    before = int(etag(client, world).strip('"'))
    response = _put(client, world, world.headers("volunteer"))
    assert response.status_code == 200
    assert (
        response.headers["ETag"] == f'"{before + 1}"' and response.json()["version"] == before + 1
    )
    history = f"/api/v1/resources/{world.resource_id}/history"
    [entry] = client.get(history, headers=world.headers("volunteer")).json()
    assert entry["resource_version"] == before + 1
    assert entry["status"]["reported_by"] == "volunteer-1"


def test_a_verifier_verifies_in_the_same_call(client: TestClient):
    world = make_world(client)
    response = _put(client, world, world.headers("verifier"), verified=True)
    assert response.status_code == 200
    assert response.json()["status"]["verified_by"] == "verifier-1"


@pytest.mark.parametrize(
    ("scheme", "status"),
    [("Bearer", 200), ("bearer", 200), ("BEARER", 200), ("Basic", 401), ("Token", 401)],
)
def test_only_the_bearer_scheme_is_read(client: TestClient, scheme: str, status: int):
    world = make_world(client)
    headers = {"Authorization": f"{scheme} {world.secrets['verifier']}"}
    response = client.get("/api/v1/verification-queue", headers=headers)
    assert response.status_code == status


@pytest.mark.parametrize("header", ["", "Bearer", "Bearer ", "Bearer  "])
def test_an_empty_credential_is_refused(client: TestClient, header: str):
    response = client.get("/api/v1/verification-queue", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_a_token_revoked_through_the_api_stops_at_once(client: TestClient):
    world = make_world(client)
    admin = world.headers("admin")
    created = client.post(
        "/api/v1/tokens", json={"name": "temp", "role": "verifier"}, headers=admin
    )
    assert created.status_code == 201
    headers = {"Authorization": f"Bearer {created.json()['token']}"}
    assert client.get("/api/v1/verification-queue", headers=headers).status_code == 200
    revoked = client.delete(f"/api/v1/tokens/{created.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert "token" not in revoked.json()
    refused = client.get("/api/v1/verification-queue", headers=headers)
    assert_error(refused, 401, "unauthorized")


def test_repeated_failed_sign_ins_are_throttled(settings: Settings, seeded_dir: Path):
    limit, window = FAILED_AUTH_LIMIT
    assert (limit, window) == (10, 60.0)
    shutil.copytree(seeded_dir, settings.data_dir)
    with TestClient(create_app(settings)) as client:
        world = make_world(client)
        bad = ["no token", "unknown token", "revoked token"]
        for n in range(limit):
            response = client.get("/api/v1/verification-queue", headers=world.headers(bad[n % 3]))
            assert_error(response, 401, "unauthorized")
        throttled = client.get("/api/v1/tokens", headers=world.headers("unknown token"))
        assert_error(throttled, 429, "too_many_requests")
        assert 1 <= int(throttled.headers["Retry-After"]) <= window
        # Only failures are throttled: a valid token from the same address still works.
        valid = client.get("/api/v1/verification-queue", headers=world.headers("admin"))
        assert valid.status_code == 200
        assert_error(client.get("/api/v1/tokens"), 429, "too_many_requests")
        # Public reads do not sign in, so they go on working.
        assert client.get(f"/api/v1/resources/{world.resource_id}").status_code == 200


def test_ten_failures_are_still_answered_401(client: TestClient):
    world = make_world(client)
    limit, _ = FAILED_AUTH_LIMIT
    for _ in range(limit - 1):
        assert client.get("/api/v1/tokens").status_code == 401
    assert client.get("/api/v1/tokens", headers=world.headers("admin")).status_code == 200
    assert client.get("/api/v1/tokens").status_code == 401
    assert client.get("/api/v1/tokens").status_code == 429


def test_token_names_are_trimmed_and_admins_keep_their_own_token(client: TestClient):
    world = make_world(client)
    blank = client.post(
        "/api/v1/tokens", json={"name": "   ", "role": "admin"}, headers=world.headers("admin")
    )
    assert_error(blank, 422, "invalid_request")
    own_id = next(
        t["id"]
        for t in client.get("/api/v1/tokens", headers=world.headers("admin")).json()
        if t["role"] == "admin" and t["revoked_at"] is None
    )
    own = client.delete(f"/api/v1/tokens/{own_id}", headers=world.headers("admin"))
    assert_error(own, 409, "own_token")
    assert client.get("/api/v1/tokens", headers=world.headers("admin")).status_code == 200
