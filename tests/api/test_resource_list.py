"""The resource list filtered by a service is filtered and paged by the database, on
both backends, and answers exactly what filtering every resource in Python answered
(issue 13, finding 15)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.statuses import State, StatusChange, StatusReport
from app.main import create_app
from app.services.freshness import matches
from app.storage import sql_resources

STATES = (State.open, State.limited, State.closed, State.unknown)


@pytest.fixture(params=["sqlite", "postgis"])
def backend_client(request: pytest.FixtureRequest, sqlite_settings: Settings, clock):
    """The app on a fresh seeded store of each backend."""
    settings = sqlite_settings
    if request.param == "postgis":
        url = request.getfixturevalue("postgis_url")
        settings = Settings(data_dir=sqlite_settings.data_dir, database_url=url)
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def report_mixed_statuses(client: TestClient) -> None:
    """Every state, fresh and stale, reported and verified, over the bundled hospitals."""
    store, now = client.app.state.context.store, client.app.state.context.clock()
    changes = []
    for n, view in enumerate(store.view_resources(kind="hospital", limit=60)):
        hours = (1, 13, 30)[n % 3]  # fresh, stale, long stale (the TTL is 12 h)
        report = StatusReport(STATES[n % 4], "志愿者", verified_by="核实员" if n % 5 == 0 else None,
                              reported_at=now - timedelta(hours=hours))  # fmt: skip
        version = view.resource.version
        changes.append(StatusChange(view.resource.id, "dialysis", report, version))
        if n % 7 == 0:  # a second service, at the version the first change makes
            changes.append(StatusChange(view.resource.id, "emergency", report, version + 1))
    store.set_statuses(changes)


def expected(client: TestClient, kind: str | None, service: str, states, fresh: bool) -> list:
    """What the route answered before: every resource read, filtered in Python."""
    everything = client.get("/api/v1/resources", params={"limit": 500} | (
        {"kind": kind} if kind else {})).json()  # fmt: skip
    store, now = client.app.state.context.store, client.app.state.context.clock()
    ttl = client.app.state.context.settings.status_ttl_hours
    views = {v.resource.id: v for v in store.view_resources(limit=10_000)}
    wanted = set(states or [State.open])
    return [r for r in everything
            if matches(views[r["id"]].statuses.get(service), wanted, fresh, now, ttl)]  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "service", "states", "fresh"),
    [
        ("hospital", "dialysis", [], False),
        ("hospital", "dialysis", [], True),
        ("hospital", "dialysis", ["limited", "closed"], False),
        ("hospital", "dialysis", ["open", "limited", "closed", "unknown"], True),
        (None, "dialysis", ["closed"], False),
        ("hospital", "emergency", ["open", "unknown"], False),
        ("hospital", "oncology", [], False),
        ("office", "dialysis", [], False),
        ("hospital", "no_such_service", [], False),
    ],
)
def test_the_filtered_list_answers_as_filtering_everything_did(
    backend_client: TestClient, kind, service, states, fresh
):
    report_mixed_statuses(backend_client)
    want = expected(backend_client, kind, service, states, fresh)
    params = {"service": service, "state": states, "fresh": fresh} | (
        {"kind": kind} if kind else {}
    )
    assert backend_client.get("/api/v1/resources", params=params | {"limit": 500}).json() == want
    for limit, offset in ((1, 0), (3, 2), (5, len(want) - 2), (10, len(want) + 5)):
        page = backend_client.get("/api/v1/resources", params=params | {
            "limit": limit, "offset": max(offset, 0)})  # fmt: skip
        assert page.json() == want[max(offset, 0) : max(offset, 0) + limit]


def test_a_page_of_the_filtered_list_reads_only_that_page(client: TestClient, monkeypatch):
    report_mixed_statuses(client)
    made: list[int] = []
    real = sql_resources.to_resource

    def counted(row):
        made.append(row["id"])
        return real(row)

    monkeypatch.setattr(sql_resources, "to_resource", counted)
    params = {"kind": "hospital", "service": "dialysis", "state": ["open", "closed"], "limit": 2}
    page = client.get("/api/v1/resources", params=params).json()
    assert len(page) == 2
    assert sorted(made) == [r["id"] for r in page]  # not every hospital, as before
