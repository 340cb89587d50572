"""A status batch is the same PUTs with If-Match, in order, all or nothing (review finding 6):
through the real app on a real database file (or PostGIS with TEST_BACKEND=postgis)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.api import routes_status
from app.domain.enums import Role
from app.services.auth import create_token
from app.services.status import BatchCheck


def volunteer(client: TestClient) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, "批量", Role.volunteer)
    return {"Authorization": f"Bearer {secret}"}


def first_hospital(client: TestClient) -> dict:
    return client.get("/api/v1/resources", params={"kind": "hospital", "limit": 1}).json()[0]


def item(resource_id: int, service: str, expected: int, **update) -> dict:
    body = {"state": "open"} | update
    return {"resource_id": resource_id, "service": service, "expected_version": expected,
            "update": body}  # fmt: skip


def test_two_items_expecting_the_same_version_are_a_conflict(client: TestClient):
    # Both were applied (versions 2 and 3): the second overwrote the first unseen.
    headers, target = volunteer(client), first_hospital(client)
    rid, version = target["id"], target["version"]
    items = [item(rid, "dialysis", version, note="A"), item(rid, "dialysis", version, note="B")]
    refused = client.post("/api/v1/status-batch", json={"items": items}, headers=headers)
    assert refused.status_code == 409
    report = refused.json()
    assert report["applied"] is False
    assert [(i["ok"], i["current_version"]) for i in report["items"]] == [
        (False, None), (False, version + 1),
    ]  # fmt: skip
    assert report["items"][0]["error"] == "not applied: another item failed"
    assert f"this item expected {version}" in report["items"][1]["error"]
    after = client.get(f"/api/v1/resources/{rid}")
    assert after.headers["ETag"] == f'"{version}"'
    assert client.get(f"/api/v1/resources/{rid}/history").json() == []
    # Sent as the report says, the batch applies: each item gets its own version.
    items[1]["expected_version"] = report["items"][1]["current_version"]
    applied = client.post("/api/v1/status-batch", json={"items": items}, headers=headers)
    assert applied.status_code == 200
    assert [i["version"] for i in applied.json()["items"]] == [version + 1, version + 2]
    history = client.get(f"/api/v1/resources/{rid}/history").json()
    assert [h["status"]["note"] for h in history] == ["B", "A"]


def test_each_conflict_names_the_version_to_expect_as_if_the_items_before_it_applied(
    client: TestClient,
):
    headers, target = volunteer(client), first_hospital(client)
    rid, version = target["id"], target["version"]
    items = [item(rid, "dialysis", version), item(rid, "emergency", version),
             item(rid, "dialysis", version)]  # fmt: skip
    refused = client.post("/api/v1/status-batch", json={"items": items}, headers=headers)
    assert refused.status_code == 409
    assert [i["current_version"] for i in refused.json()["items"]] == [
        None, version + 1, version + 2,
    ]  # fmt: skip
    for sent, answer in zip(items, refused.json()["items"], strict=True):
        sent["expected_version"] = answer["current_version"] or sent["expected_version"]
    applied = client.post("/api/v1/status-batch", json={"items": items}, headers=headers)
    assert applied.status_code == 200, applied.text


def test_a_late_item_keeps_the_version_for_the_items_after_it(client: TestClient, clock):
    headers, target = volunteer(client), first_hospital(client)
    rid, version = target["id"], target["version"]
    put = client.put(f"/api/v1/resources/{rid}/status/dialysis", json={"state": "open"},
                     headers=headers | {"If-Match": f'"{version}"'})  # fmt: skip
    assert put.status_code == 200
    earlier = (clock.now - timedelta(days=1)).isoformat()
    items = [item(rid, "dialysis", version + 1, state="closed", reported_at=earlier),
             item(rid, "emergency", version + 1, state="limited")]  # fmt: skip
    applied = client.post("/api/v1/status-batch", json={"items": items}, headers=headers)
    assert applied.status_code == 200, applied.text
    assert [(i["version"], i["late"]) for i in applied.json()["items"]] == [
        (version + 1, True), (version + 2, False),
    ]  # fmt: skip
    read = client.get(f"/api/v1/resources/{rid}").json()
    assert {s["service"]: s["state"] for s in read["statuses"]}["dialysis"] == "open"


def test_a_conflict_the_store_finds_after_the_check_names_its_item(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
):
    # As if another volunteer wrote between the check and the transaction: the check
    # passes everything, the store's own conflict must still reach the client precisely.
    monkeypatch.setattr(
        routes_status, "check_batch", lambda _s, changes, _n: [BatchCheck(c, None) for c in changes]
    )
    headers, target = volunteer(client), first_hospital(client)
    rid, version = target["id"], target["version"]
    items = [item(rid, "dialysis", version), item(rid, "emergency", version)]
    refused = client.post("/api/v1/status-batch", json={"items": items}, headers=headers)
    assert refused.status_code == 409
    assert [(i["error"] or "")[:16] for i in refused.json()["items"]] == [
        "not applied: ano", "version conflict",
    ]  # fmt: skip
    assert [i["current_version"] for i in refused.json()["items"]] == [None, version + 1]
    assert client.get(f"/api/v1/resources/{rid}/history").json() == []


def test_items_may_name_services_as_the_put_does(client: TestClient):
    headers, target = volunteer(client), first_hospital(client)
    rid, version = target["id"], target["version"]
    items = [item(rid, "血透", version), item(rid, "Emergency", version + 1)]
    applied = client.post("/api/v1/status-batch", json={"items": items}, headers=headers)
    assert applied.status_code == 200, applied.text
    assert [i["service"] for i in applied.json()["items"]] == ["dialysis", "emergency"]
    states = {
        s["service"]: s["state"] for s in client.get(f"/api/v1/resources/{rid}").json()["statuses"]
    }
    assert states["dialysis"] == states["emergency"] == "open"
    unknown = [item(rid, "x光", version + 2)]
    refused = client.post("/api/v1/status-batch", json={"items": unknown}, headers=headers)
    assert refused.status_code == 409 and "no service 'x光'" in refused.json()["items"][0]["error"]
