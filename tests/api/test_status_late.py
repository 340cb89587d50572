"""When a report may be dated, and what a late one does (review findings 10 and 20), through
the real app on a real database file (or PostGIS with TEST_BACKEND=postgis)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Role
from app.services.auth import create_token


def bearer(client: TestClient, name: str) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, name, Role.volunteer)
    return {"Authorization": f"Bearer {secret}"}


def put(client: TestClient, headers: dict, rid: int, etag: str, body: dict):
    return client.put(f"/api/v1/resources/{rid}/status/dialysis", json=body,
                      headers=headers | {"If-Match": etag})  # fmt: skip


def nearest_open(client: TestClient, hospital: dict) -> list[int]:
    lon, lat = hospital["lon"], hospital["lat"]
    query = {"lon": lon, "lat": lat, "service": "dialysis", "k": 1, "max_km": 1}
    return [f["id"] for f in client.get("/api/v1/nearest", params=query).json()["features"]]


def test_a_report_older_than_the_last_check_is_kept_as_late(client: TestClient, clock):
    # A report dated 1970 replaced the current status; now it is history only.
    alice, bob, carol = (bearer(client, n) for n in ("alice", "bob", "carol"))
    hospital = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[0]
    rid = hospital["id"]
    first = put(client, alice, rid, f'"{hospital["version"]}"', {"state": "open", "note": "A"})
    etag = first.headers["ETag"]
    assert nearest_open(client, hospital) == [rid]  # the nearest cache holds the status now
    last_event = client.app.state.context.store.last_history_id()
    hour_ago = (clock.now - timedelta(hours=1)).isoformat()
    late = put(client, carol, rid, etag, {"state": "closed", "note": "C", "reported_at": hour_ago})
    assert late.status_code == 200, late.text
    body = late.json()
    assert body["late"] is True and late.headers["ETag"] == etag
    assert (body["version"], body["status"]["state"], body["status"]["note"]) == (
        int(etag.strip('"')), "open", "A",
    )  # fmt: skip
    # Nothing current changed: the ETag bob read is still good, the map still says open.
    assert client.get(f"/api/v1/resources/{rid}").headers["ETag"] == etag
    assert nearest_open(client, hospital) == [rid]
    assert client.app.state.context.store.history_after(last_event) == []  # no event for the pages
    history = client.get(f"/api/v1/resources/{rid}/history").json()
    assert [(h["status"]["note"], h["late"]) for h in history] == [("C", True), ("A", False)]
    assert put(client, bob, rid, etag, {"state": "limited", "note": "B"}).status_code == 200


def test_a_stale_if_match_is_refused_for_a_late_report_too(client: TestClient, clock):
    alice = bearer(client, "alice")
    hospital = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[0]
    rid, version = hospital["id"], hospital["version"]
    assert put(client, alice, rid, f'"{version}"', {"state": "open"}).status_code == 200
    hour_ago = (clock.now - timedelta(hours=1)).isoformat()
    stale = put(client, alice, rid, f'"{version}"', {"state": "closed", "reported_at": hour_ago})
    assert stale.status_code == 412
    assert len(client.get(f"/api/v1/resources/{rid}/history").json()) == 1


@pytest.mark.parametrize(
    ("offset", "status"),
    [(timedelta(days=3, minutes=1), 422), (timedelta(days=2, hours=23), 200),
     (-timedelta(minutes=4), 200), (-timedelta(minutes=6), 422)],
)  # fmt: skip
def test_a_report_may_be_at_most_three_days_old_and_five_minutes_ahead(
    client: TestClient, clock, offset: timedelta, status: int
):
    alice = bearer(client, "alice")
    hospital = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[0]
    when = (clock.now - offset).isoformat()
    response = put(client, alice, hospital["id"], f'"{hospital["version"]}"',
                   {"state": "open", "reported_at": when})  # fmt: skip
    assert response.status_code == status, response.text
    if status == 200:  # a clock a little ahead is filed as now: nothing is checked later
        filed = datetime.fromisoformat(response.json()["status"]["reported_at"])
        assert filed <= clock.now
    else:
        assert response.json()["error"]["code"] == "invalid_status"


@pytest.mark.parametrize("when", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_a_batch_item_dated_past_what_utc_holds_is_a_422(client: TestClient, when: str):
    # Was a 500 on both backends (the conversion to UTC overflowed); nothing was written.
    alice = bearer(client, "alice")
    hospital = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[0]
    items = [{"resource_id": hospital["id"], "service": "dialysis",
              "expected_version": hospital["version"],
              "update": {"state": "open", "reported_at": when}}]  # fmt: skip
    response = client.post("/api/v1/status-batch", json={"items": items}, headers=alice)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_status"
    assert client.get(f"/api/v1/resources/{hospital['id']}/history").json() == []
