"""A public problem report shows, on every public read of the resource, as the time of a
problem still being checked, until a volunteer checks the status it was about; never as
the reporter's words."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.services.auth import create_token

WORDS = "电话打不通 Kx81q"


def flags(client: TestClient, resource_id: int) -> tuple[object, object, object]:
    """What the resource read, its OGC item and the OGC page say of a problem."""
    read = client.get(f"/api/v1/resources/{resource_id}").json()["problem_reported_at"]
    item = client.get(f"/ogc/collections/hospitals/items/{resource_id}").json()
    page = client.get("/ogc/collections/hospitals/items", params={"limit": 1000}).json()
    listed = next(f for f in page["features"] if f["id"] == resource_id)
    return (
        read,
        item["properties"]["problem_reported_at"],
        listed["properties"]["problem_reported_at"],
    )


def put(client: TestClient, secret: str, resource_id: int, service: str, state: str) -> None:
    etag = client.get(f"/api/v1/resources/{resource_id}").headers["ETag"]
    answer = client.put(
        f"/api/v1/resources/{resource_id}/status/{service}",
        json={"state": state},
        headers={"If-Match": etag, "Authorization": f"Bearer {secret}"},
    )
    assert answer.status_code == 200, answer.text


def report(client: TestClient, resource_id: int, service: str | None) -> str:
    body = {"text": WORDS} | ({"service": service} if service else {})
    answer = client.post(f"/api/v1/resources/{resource_id}/reports", json=body)
    assert answer.status_code == 201
    return answer.json()["created_at"]


def same_time(a: object, b: str) -> bool:
    return isinstance(a, str) and a.replace("Z", "+00:00")[:26] == b.replace("Z", "+00:00")[:26]


def test_a_report_is_flagged_until_the_status_it_was_about_is_checked(client: TestClient):
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    put(client, secret, 1, "dialysis", "open")
    assert flags(client, 1) == (None, None, None)
    at = report(client, 1, "dialysis")
    assert all(same_time(flag, at) for flag in flags(client, 1)), flags(client, 1)
    put(client, secret, 1, "emergency", "open")  # another service's check answers nothing
    assert all(same_time(flag, at) for flag in flags(client, 1))
    put(client, secret, 1, "dialysis", "limited")  # a volunteer called about dialysis
    assert flags(client, 1) == (None, None, None)


def test_a_report_about_the_whole_hospital_waits_for_any_check(client: TestClient):
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    at = report(client, 2, None)
    assert all(same_time(flag, at) for flag in flags(client, 2))
    put(client, secret, 2, "emergency", "closed")
    assert flags(client, 2) == (None, None, None)
    later = report(client, 2, "oncology")  # never reported: open until someone does
    assert all(same_time(flag, later) for flag in flags(client, 2))


def test_the_flag_never_carries_the_words(client: TestClient):
    report(client, 3, "oncology")
    for url in ("/api/v1/resources/3", "/api/v1/resources?kind=hospital",
                "/ogc/collections/hospitals/items/3", "/ogc/collections/hospitals/items",
                "/ogc/collections/hospitals/items/3?f=html"):  # fmt: skip
        answer = client.get(url)
        assert answer.status_code == 200 and "Kx81q" not in answer.text, url
    listed = client.get("/api/v1/resources", params={"kind": "hospital", "limit": 5}).json()
    assert [r["problem_reported_at"] is not None for r in listed] == [
        False, False, True, False, False
    ]  # fmt: skip


def queued(client: TestClient, secret: str, resource_id: int) -> list[tuple[str, list[str]]]:
    """The verification queue's entries for one resource: service and report texts."""
    queue = client.get(
        "/api/v1/verification-queue",
        params={"limit": 500},
        headers={"Authorization": f"Bearer {secret}"},
    ).json()
    return [(e["service"], e["problem_reports"]) for e in queue if e["resource_id"] == resource_id]


def test_a_report_about_a_service_not_offered_is_refused(client: TestClient):
    assert "maternity" not in client.get("/api/v1/resources/2").json()["services"]
    answer = client.post("/api/v1/resources/2/reports", json={"text": WORDS, "service": "产科"})
    assert answer.status_code == 422
    assert answer.json()["error"]["code"] == "service_not_offered"
    assert flags(client, 2) == (None, None, None)
    named = client.post("/api/v1/resources/2/reports", json={"text": WORDS, "service": "血透"})
    assert named.status_code == 201 and named.json()["service"] == "dialysis"
    unknown = client.post("/api/v1/resources/2/reports", json={"text": WORDS, "service": "x光"})
    assert unknown.status_code == 404


def test_a_report_no_check_can_answer_flags_nothing_and_queues_nothing(client: TestClient):
    """Reports about a service the resource no longer lists (or stored before reports were
    checked) cannot be answered by a verifier's check: neither flag nor queue keep them."""
    store = client.app.state.context.store
    _, secret = create_token(store, "核实员", Role.verifier)
    store.add_problem_report(2, "maternity", WORDS)  # as filed before the check existed
    assert flags(client, 2) == (None, None, None)
    assert all(not texts for _, texts in queued(client, secret, 2))
    at = report(client, 2, "oncology")
    assert all(same_time(flag, at) for flag in flags(client, 2))
    assert ("oncology", [WORDS]) in queued(client, secret, 2)
    resource = store.get_resource(2)
    kept = tuple(s for s in resource.services if s != "oncology")
    store.update_resource(2, resource.version, services=kept)  # a coordinator's import
    assert flags(client, 2) == (None, None, None)
    assert all(not texts for _, texts in queued(client, secret, 2))
