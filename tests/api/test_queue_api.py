"""The call queue: filtered by service, ordered by urgency (problems, fresh unverified
reports, …, unconfirmed locations), each card complete; claims on both backends and
across two app instances on one database; problem reports closed by verifiers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from app.services.auth import create_token


def bearer(client: TestClient, role: Role, name: str | None = None) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, name or role.value, role)
    return {"Authorization": f"Bearer {secret}"}


def etag(client: TestClient, rid: int) -> str:
    return client.get(f"/api/v1/resources/{rid}").headers["ETag"]


def queue(client: TestClient, headers: dict[str, str], **params) -> list[dict]:
    answer = client.get("/api/v1/verification-queue", headers=headers,
                        params={"limit": 500} | params)  # fmt: skip
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture(params=["sqlite", "postgis"])
def backend_settings(request: pytest.FixtureRequest, sqlite_settings: Settings) -> Settings:
    """Settings of a fresh store of each backend (seeded when the app starts)."""
    if request.param == "sqlite":
        return sqlite_settings
    url = request.getfixturevalue("postgis_url")
    return Settings(data_dir=sqlite_settings.data_dir, database_url=url)


@pytest.fixture
def two_replicas(backend_settings: Settings, clock) -> Iterator[tuple[TestClient, TestClient]]:
    """Two app instances on one store, as two replicas behind a proxy."""
    with (
        TestClient(create_app(backend_settings, clock=clock)) as first,
        TestClient(create_app(backend_settings, clock=clock)) as second,
    ):
        yield first, second


def test_the_queue_keeps_to_the_service_asked(client: TestClient):
    volunteer = bearer(client, Role.volunteer)
    every = queue(client, volunteer)
    dialysis = queue(client, volunteer, service="血透")
    assert 0 < len(dialysis) < len(every)
    assert {item["service"] for item in dialysis} == {"dialysis", None}
    hospitals = {item["resource_id"] for item in dialysis}
    listed = {item["resource_id"] for item in every if item["service"] == "dialysis"}
    assert hospitals == listed
    assert client.get("/api/v1/verification-queue", headers=volunteer,
                      params={"service": "x光"}).status_code == 404  # fmt: skip


def test_problems_then_fresh_reports_then_the_rest_then_locations(client: TestClient):
    volunteer, verifier = bearer(client, Role.volunteer, "王阿姨"), bearer(client, Role.verifier)
    answer = client.put("/api/v1/resources/5/status/dialysis", json={"state": "open"},
                        headers=volunteer | {"If-Match": etag(client, 5)})  # fmt: skip
    assert answer.status_code == 200, answer.text
    report = client.post("/api/v1/resources/2/reports", json={"text": "电话打不通"})
    assert report.status_code == 201
    items = queue(client, volunteer, service="dialysis")
    assert [(i["resource_id"], i["reason"]) for i in items[:2]] == [
        (2, "reported problem"), (5, "fresh report"),
    ]  # fmt: skip
    reasons = [i["reason"] for i in items]
    assert reasons == sorted(reasons, key=["reported problem", "fresh report", "never reported",
                                           "never verified", "location unverified",
                                           "oldest check"].index)  # fmt: skip
    located = [i for i in items if i["service"] is None]
    assert located and all(not i["location"]["verified"] for i in located)
    fresh = items[1]
    [status] = [s for s in fresh["statuses"] if s["service"] == "dialysis"]
    assert (status["state"], status["reported_by"]) == ("open", "王阿姨")
    assert fresh["version"] == int(etag(client, 5).strip('"'))
    assert items[0]["open_reports"][0]["text"] == "电话打不通"
    # the fresh report, verified, leaves the front: verifying names the version it confirms
    verify = "/api/v1/resources/5/status/dialysis/verify"
    assert client.post(verify, headers=verifier).status_code == 428
    assert client.post(verify, headers=verifier | {"If-Match": '"1"'}).status_code == 412
    assert client.post(verify, headers=verifier | {"If-Match": etag(client, 5)}).status_code == 200
    again = queue(client, volunteer, service="dialysis")
    assert ("fresh report", 5) not in {(i["reason"], i["resource_id"]) for i in again}


def test_approximate_locations_come_before_exact_ones(client: TestClient):
    store = client.app.state.context.store
    resource = store.get_resource(3)
    store.update_resource(3, resource.version, precision="exact")
    items = [i for i in queue(client, bearer(client, Role.volunteer)) if i["service"] is None]
    precisions = [i["location"]["precision"] for i in items]
    assert precisions[-1] == "exact" and "approximate" in precisions
    assert precisions.index("exact") > max(
        n for n, p in enumerate(precisions) if p == "approximate"
    )


def test_a_resolved_or_dismissed_report_leaves_the_queue_and_the_flag(client: TestClient):
    verifier, volunteer = bearer(client, Role.verifier, "核实员"), bearer(client, Role.volunteer)
    first = client.post("/api/v1/resources/2/reports", json={"text": "电话打不通"}).json()
    second = client.post("/api/v1/resources/2/reports",
                         json={"text": "地址不对", "service": "emergency"}).json()  # fmt: skip
    assert queue(client, volunteer)[0]["reason"] == "reported problem"
    refused = client.post(f"/api/v1/problem-reports/{first['id']}/resolve", headers=volunteer)
    assert refused.status_code == 403
    resolved = client.post(f"/api/v1/problem-reports/{first['id']}/resolve",
                           json={"note": "已打通"}, headers=verifier)  # fmt: skip
    assert resolved.status_code == 200, resolved.text
    assert (resolved.json()["closed_as"], resolved.json()["closed_by"]) == ("resolved", "核实员")
    dismissed = client.post(f"/api/v1/problem-reports/{second['id']}/dismiss", headers=verifier)
    assert dismissed.status_code == 200 and dismissed.json()["close_note"] is None
    twice = client.post(f"/api/v1/problem-reports/{second['id']}/resolve", headers=verifier)
    assert (twice.status_code, twice.json()["error"]["code"]) == (409, "already_closed")
    assert client.post("/api/v1/problem-reports/99999/dismiss", headers=verifier).status_code == 404
    assert all(i["reason"] != "reported problem" for i in queue(client, volunteer))
    assert client.get("/api/v1/resources/2").json()["problem_reported_at"] is None


def test_claims_hold_across_replicas_and_expire(two_replicas, clock):
    first, second = two_replicas
    wang = bearer(first, Role.volunteer, "王阿姨")
    li = bearer(second, Role.volunteer, "李医生")
    verifier = bearer(second, Role.verifier)
    held = first.post("/api/v1/resources/1/claim", headers=wang)
    assert held.status_code == 200, held.text
    assert held.json()["holder"] == "王阿姨"
    refused = second.post("/api/v1/resources/1/claim", headers=li)
    assert refused.status_code == 409
    assert (refused.json()["holder"], refused.json()["error"]["code"]) == ("王阿姨", "claimed")
    [card] = [i for i in queue(second, li) if i["resource_id"] == 1][:1]
    assert card["claim"]["holder"] == "王阿姨"
    assert second.delete("/api/v1/resources/1/claim", headers=li).status_code == 409
    clock.now += timedelta(minutes=3)
    extended = first.post("/api/v1/resources/1/claim", headers=wang).json()
    assert extended["claimed_at"] == held.json()["claimed_at"]
    assert extended["expires_at"] > held.json()["expires_at"]
    clock.now += timedelta(minutes=11)  # expired: free for anyone
    assert second.post("/api/v1/resources/1/claim", headers=li).json()["holder"] == "李医生"
    assert second.delete("/api/v1/resources/1/claim", headers=verifier).status_code == 204
    assert first.post("/api/v1/resources/1/claim", headers=wang).status_code == 200
    assert first.delete("/api/v1/resources/1/claim", headers=wang).status_code == 204
    assert all(i["claim"] is None for i in queue(first, wang) if i["resource_id"] == 1)
    assert first.post("/api/v1/resources/1/claim").status_code == 401
    assert first.post("/api/v1/resources/999999/claim", headers=wang).status_code == 404


def test_claims_are_never_on_public_reads(client: TestClient):
    client.post("/api/v1/resources/1/claim", headers=bearer(client, Role.volunteer, "王阿姨"))
    for url in ("/api/v1/resources/1", "/api/v1/resources?kind=hospital",
                "/ogc/collections/hospitals/items/1", "/api/v1/verification-queue",
                "/api/v1/claims"):  # fmt: skip
        assert "王阿姨" not in client.get(url).text, url


def test_the_running_claims_alone_for_a_workspace_to_refresh(client: TestClient, clock):
    volunteer = bearer(client, Role.volunteer, "王阿姨")
    assert client.get("/api/v1/claims", headers=volunteer).json() == []
    client.post("/api/v1/resources/1/claim", headers=volunteer).raise_for_status()
    [running] = client.get("/api/v1/claims", headers=volunteer).json()
    assert (running["resource_id"], running["holder"]) == (1, "王阿姨")
    clock.now += timedelta(minutes=11)
    assert client.get("/api/v1/claims", headers=volunteer).json() == []  # expired
    assert client.get("/api/v1/claims").status_code == 401


def test_history_says_where_each_change_was_made(client: TestClient):
    volunteer = bearer(client, Role.volunteer, "王阿姨")
    for source in ("workspace", None):
        extra = {"X-Aidmap-Source": source} if source else {}
        answer = client.put("/api/v1/resources/1/status/dialysis", json={"state": "open"},
                            headers=volunteer | extra | {"If-Match": etag(client, 1)})  # fmt: skip
        assert answer.status_code == 200
    bad = client.put("/api/v1/resources/1/status/dialysis", json={"state": "open"},
                     headers=volunteer | {"If-Match": etag(client, 1),
                                          "X-Aidmap-Source": "import"})  # fmt: skip
    assert bad.status_code == 400  # imports say so themselves, clients cannot
    history = client.get("/api/v1/resources/1/history", headers=volunteer).json()
    assert [h["source"] for h in history] == ["api", "workspace"]
    public = client.get("/api/v1/resources/1/history").json()
    assert [h["source"] for h in public] == ["api", "workspace"]
    assert all(h["status"]["reported_by"] is None for h in public)


def test_one_caller_holds_a_few_claims_at_once(client: TestClient, clock):
    """Claims were unlimited: one session claiming every hospital (and renewing) had every
    card read "someone is calling", and only an admin could stop it."""
    wang = bearer(client, Role.volunteer, "王阿姨")
    for rid in range(1, 6):
        assert client.post(f"/api/v1/resources/{rid}/claim", headers=wang).status_code == 200
        clock.now += timedelta(minutes=1)
    refused = client.post("/api/v1/resources/6/claim", headers=wang)
    assert refused.status_code == 429, refused.text
    assert refused.json()["error"]["code"] == "too_many_requests"
    assert refused.headers["Retry-After"] == str(5 * 60)  # when the first (of 1) ends
    assert client.post("/api/v1/resources/5/claim", headers=wang).status_code == 200  # extends
    li = bearer(client, Role.volunteer, "李医生")
    assert client.post("/api/v1/resources/6/claim", headers=li).status_code == 200
    assert client.delete("/api/v1/resources/1/claim", headers=wang).status_code == 204
    assert client.post("/api/v1/resources/7/claim", headers=wang).status_code == 200
    clock.now += timedelta(minutes=10)  # the first ones ended
    assert client.post("/api/v1/resources/8/claim", headers=wang).status_code == 200
