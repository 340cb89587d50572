"""``GET /api/v1/help-stats``: public aggregates only, no place with fewer than 5 requests,
the share resolved and the median wait for a first contact."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from app.domain.enums import Role
from tests.api.help import ask, bearer


def units(client: TestClient, **params) -> list[dict]:
    return client.get("/api/v1/units", params=params | {"limit": 1000}).json()


def test_counts_leave_out_small_places(client: TestClient, clock):
    [huangpu] = units(client, level="district", name="黄浦区")
    streets = units(client, level="street", parent_id=huangpu["id"])
    busy, quiet = streets[0], streets[1]
    for n in range(5):
        ask(client, clock.now, location={"unit_id": busy["id"]}, phone=f"1390000000{n}")
    for n in range(2):
        ask(client, clock.now, location={"unit_id": quiet["id"]}, phone=f"1380000000{n}",
            service="maternity", answers={})  # fmt: skip
    ask(client, clock.now, location={"lon": 121.5447, "lat": 31.2211}, phone="13700000000")
    answer = client.get("/api/v1/help-stats")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "public, max-age=60"
    stats = answer.json()
    assert stats["total"] == 8
    assert stats["by_state"] == {"new": 8, "claimed": 0, "contacting": 0, "matched": 0,
                                 "resolved": 0, "closed": 0}  # fmt: skip
    assert stats["by_service"] == {"dialysis": 6}  # maternity's 2 are not shown
    assert stats["by_district"] == [{"id": huangpu["id"], "name": "黄浦区", "count": 7}]
    assert stats["streets"] == [{"id": busy["id"], "name": busy["name"], "count": 5}]
    assert stats["min_cell"] == 5 and stats["resolution_share"] == 0.0
    assert stats["median_minutes_to_contact"] is None
    layer = client.get("/api/v1/help-stats/streets")
    assert layer.headers["content-type"] == "application/geo+json"
    [street] = layer.json()["features"]  # the quiet street's 2 are not shown
    assert street["id"] == busy["id"] and street["properties"]["count"] == 5
    assert street["properties"]["name"] == busy["name"] and street["geometry"]["type"]
    assert "1390000000" not in layer.text and "13700000000" not in layer.text


def test_resolution_share_and_the_median_wait(client: TestClient, clock):
    volunteer = bearer(client, Role.volunteer)
    start = clock.now
    ids = [ask(client, start, phone=f"1390000000{n}")["id"] for n in range(6)]
    for minutes, rid in zip((10, 20, 30, 40, 50), ids, strict=False):
        clock.now = start + timedelta(minutes=minutes)
        client.post(f"/api/v1/help-requests/{rid}/claim", headers=volunteer)
        moved = client.post(f"/api/v1/help-requests/{rid}/transition", headers=volunteer,
                            json={"state": "contacting"})  # fmt: skip
        assert moved.status_code == 200, moved.text
    for rid in ids[:3]:
        client.post(f"/api/v1/help-requests/{rid}/transition", headers=volunteer,
                    json={"state": "matched", "resource_id": 2})  # fmt: skip
        client.post(f"/api/v1/help-requests/{rid}/transition", headers=volunteer,
                    json={"state": "resolved"})  # fmt: skip
    stats = client.get("/api/v1/help-stats").json()
    assert stats["median_minutes_to_contact"] == 30.0
    assert stats["resolution_share"] == 0.5
    assert stats["by_state"]["resolved"] == 3 and stats["by_state"]["contacting"] == 2
    assert "李先生" not in str(stats) and "138" not in str(stats)


def test_the_counts_are_made_again_only_when_the_history_moves(client: TestClient, clock):
    """The aggregates are public and unthrottled and read every request: a loop of
    strangers' reads must not redo them, yet every change shows at once."""
    context = client.app.state.context
    units: dict = {}
    before = context.help_stats.stats(context.store, units)
    assert context.help_stats.stats(context.store, units) is before  # kept, not made again
    asked = ask(client, clock.now)
    after = context.help_stats.stats(context.store, units)
    assert after is not before and (before.total, after.total) == (0, 1)
    volunteer = bearer(client, Role.volunteer)
    client.post(f"/api/v1/help-requests/{asked['id']}/claim", headers=volunteer)
    assert client.get("/api/v1/help-stats").json()["by_state"]["claimed"] == 1
    client.post(asked["tracking_url"] + "/withdraw")
    assert client.get("/api/v1/help-stats").json()["by_state"]["closed"] == 1
