"""Sources through the API: coordinators only, every route's errors, a run, a held plan
approved or dropped, the link kept off public reads, runs counted by outcome in /metrics;
and the poller of a running app keeping the map in step with a changing sheet."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from app.services.auth import create_token
from app.storage import open_store
from tests.services.sources.conftest import ROWS, sheet, with_phone
from tests.services.sources.sheet_server import Sheet, SheetServer

SOURCES = "/api/v1/sources"


def source_settings(settings: Settings, **values) -> Settings:
    """``settings`` with sources fetched from the test's own server, quickly."""
    values = {"source_allow_private": True, "source_min_interval_s": 1, "source_timeout_s": 1.0,
              "source_lease_s": 3, "source_polling": False} | values  # fmt: skip
    return Settings(data_dir=settings.data_dir, database_url=settings.database_url, **values)


@pytest.fixture
def app_client(seeded_settings: Settings) -> Iterator[TestClient]:
    """The app with sources allowed on loopback and no poller (runs are asked for)."""
    with TestClient(create_app(source_settings(seeded_settings))) as client:
        yield client


@pytest.fixture
def server() -> Iterator[SheetServer]:
    with SheetServer() as server:
        yield server


def bearer(client: TestClient, role: Role = Role.coordinator) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, f"{role.value}-1", role)
    return {"Authorization": f"Bearer {secret}"}


def add(client: TestClient, headers: dict, url: str, **body) -> dict:
    body = {"name": "huangpu", "url": url, "kind": "hospitals", "every_s": 60} | body
    response = client.post(SOURCES, json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_only_coordinators_reach_sources(app_client: TestClient):
    assert app_client.get(SOURCES).status_code == 401
    for role in (Role.volunteer, Role.verifier):
        headers = bearer(app_client, role)
        assert app_client.get(SOURCES, headers=headers).status_code == 403
        assert app_client.post(f"{SOURCES}/x/run", headers=headers).status_code == 403
    assert app_client.get(SOURCES, headers=bearer(app_client, Role.admin)).json() == []


def test_adding_checks_the_name_link_and_interval(app_client: TestClient):
    headers = bearer(app_client)
    cases = [
        ({"name": "有 空格"}, "a source's name"),
        ({"url": "ftp://example.org/x.csv"}, "only http and https"),
        ({"url": "http://10.0.0.8/x.csv"}, None),  # allowed here (AIDMAP_SOURCE_ALLOW_PRIVATE)
        ({"url": "https://example.org/x.csv", "every_s": 0}, "greater than or equal to 1"),
        ({"url": "https://example.org/x.csv", "max_change": 1.5}, "less than or equal to 1"),
    ]
    for n, (body, message) in enumerate(cases):
        values = {"name": f"s{n}", "url": "https://example.org/x.csv", "kind": "statuses"} | body
        response = app_client.post(SOURCES, json=values, headers=headers)
        if message is None:
            assert response.status_code == 201, response.text
            continue
        assert response.status_code == 422, response.text
        assert message in response.json()["error"]["message"]
    again = app_client.post(SOURCES, headers=headers, json={
        "name": "s2", "url": "https://example.org/y.csv", "kind": "contacts"})  # fmt: skip
    assert (again.status_code, again.json()["error"]["code"]) == (409, "already_exists")


def test_the_minimum_interval_and_private_addresses_are_the_deployments(
    seeded_settings: Settings,
):
    settings = source_settings(seeded_settings, source_min_interval_s=300,
                               source_allow_private=False)  # fmt: skip
    with TestClient(create_app(settings)) as client:
        headers = bearer(client)
        body = {"name": "fast", "url": "https://example.org/x.csv", "kind": "statuses"}
        fast = client.post(SOURCES, json=body | {"every_s": 60}, headers=headers)
        assert fast.status_code == 422 and "every 300 s" in fast.json()["error"]["message"]
        private = client.post(SOURCES, json=body | {"url": "http://[::ffff:7f00:1]/x"},
                              headers=headers)  # fmt: skip
        assert private.status_code == 422 and "not a public address" in private.text
        assert client.post(SOURCES, json=body, headers=headers).status_code == 201


def test_a_run_a_held_plan_and_approval_through_the_api(app_client: TestClient, server):
    headers = bearer(app_client)
    server.sheets["/h.csv"] = document = Sheet(sheet())
    added = add(app_client, headers, server.url("/h.csv") + "?secret=KEY")
    assert added["url"].endswith("?secret=KEY") and added["created_by"] == "coordinator-1"
    assert added["last_outcome"] is None and added["held"] is None
    first = app_client.post(f"{SOURCES}/huangpu/run", headers=headers)
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"] == "private, no-store"
    assert first.json()["outcome"] == "applied" and first.json()["applied"]["unchanged"] == 10
    rows = ROWS
    for n, ref in enumerate(["ruijin", "ninth", "sixth", "longhua"]):
        rows = with_phone(ref, f"021-5555000{n}", rows)
    document.body = sheet(rows)
    dry = app_client.post(f"{SOURCES}/huangpu/run", params={"dry_run": True}, headers=headers)
    assert (dry.json()["outcome"], dry.json()["dry_run"]) == ("held", True)
    assert app_client.get(f"{SOURCES}/huangpu", headers=headers).json()["held"] is None
    held = app_client.post(f"{SOURCES}/huangpu/run", headers=headers).json()
    assert held["outcome"] == "held" and "4 of 10 (40%)" in held["reason"]
    shown = app_client.get(f"{SOURCES}/huangpu", headers=headers).json()
    assert shown["held"]["reason"] == held["reason"]
    assert shown["held"]["plan"]["counts"]["change"] == 4
    assert shown["good_headers"] == ["ref", "医院名称", "区", "地址", "电话"]
    approved = app_client.post(f"{SOURCES}/huangpu/approve", headers=headers)
    assert approved.status_code == 200 and approved.json()["applied"]["changed"] == 4
    nothing = app_client.post(f"{SOURCES}/huangpu/approve", headers=headers)
    assert (nothing.status_code, nothing.json()["error"]["code"]) == (409, "nothing_held")
    dropped = app_client.post(f"{SOURCES}/huangpu/drop", headers=headers)
    assert (dropped.status_code, dropped.json()["error"]["code"]) == (409, "nothing_held")
    metrics = app_client.get("/metrics").text
    assert 'aidmap_source_runs_total{outcome="held"}' in metrics
    assert "KEY" not in metrics and "h.csv" not in metrics


def test_a_held_plan_dropped_and_a_source_removed(app_client: TestClient, server):
    headers = bearer(app_client)
    server.sheets["/h.csv"] = Sheet(sheet())
    add(app_client, headers, server.url("/h.csv"), review=True)
    assert app_client.post(f"{SOURCES}/huangpu/run", headers=headers).json()["outcome"] == "held"
    dropped = app_client.post(f"{SOURCES}/huangpu/drop", headers=headers)
    assert dropped.status_code == 200 and dropped.json()["held"] is None
    assert app_client.delete(f"{SOURCES}/huangpu", headers=headers).status_code == 204
    for method, path in [("GET", ""), ("POST", "/run"), ("POST", "/approve"),
                         ("POST", "/drop"), ("DELETE", "")]:  # fmt: skip
        gone = app_client.request(method, f"{SOURCES}/huangpu{path}", headers=headers)
        assert (gone.status_code, gone.json()["error"]["code"]) == (404, "not_found"), path


def test_a_source_being_run_is_busy(app_client: TestClient, server):
    headers = bearer(app_client)
    server.sheets["/h.csv"] = Sheet(sheet())
    add(app_client, headers, server.url("/h.csv"))
    store = app_client.app.state.context.store
    now = app_client.app.state.context.clock()
    store.take_lease("huangpu", "replica-x", now, now.replace(year=now.year + 1))
    for method, path in [("POST", "/run"), ("POST", "/approve"), ("POST", "/drop"),
                         ("DELETE", "")]:  # fmt: skip
        busy = app_client.request(method, f"{SOURCES}/huangpu{path}", headers=headers)
        assert (busy.status_code, busy.json()["error"]["code"]) == (409, "source_busy"), path
    assert app_client.get(f"{SOURCES}/huangpu", headers=headers).json()["running_until"]


def test_the_link_is_never_on_a_public_read(app_client: TestClient, server):
    headers = bearer(app_client)
    server.sheets["/h.csv"] = Sheet(sheet(with_phone("ruijin", "021-64370046")))
    add(app_client, headers, server.url("/h.csv") + "?secret=KEY", max_change=1.0)
    app_client.post(f"{SOURCES}/huangpu/run", headers=headers)
    ruijin = next(r for r in app_client.app.state.context.store.iter_resources()
                  if r.ref == "ruijin")  # fmt: skip
    for path in (f"/api/v1/resources/{ruijin.id}", "/api/v1/layers/hospitals",
                 "/openapi.json", "/healthz"):  # fmt: skip
        assert "KEY" not in app_client.get(path).text, path


def test_the_poller_keeps_the_map_in_step_with_a_changing_sheet(seeded_settings, server):
    settings = source_settings(seeded_settings, source_polling=True)
    server.sheets["/h.csv"] = document = Sheet(sheet())
    with TestClient(create_app(settings)) as client:
        headers = bearer(client)
        add(client, headers, server.url("/h.csv"), every_s=1)
        ruijin = next(r for r in client.app.state.context.store.iter_resources()
                      if r.ref == "ruijin")  # fmt: skip
        wait_for(lambda: client.get(f"{SOURCES}/huangpu", headers=headers).json()["last_outcome"])
        document.body = sheet(with_phone("ruijin", "021-64370046"))
        resource = f"/api/v1/resources/{ruijin.id}"
        wait_for(lambda: client.get(resource).json()["phones"] == ["021-64370046"])
        shown = client.get(f"{SOURCES}/huangpu", headers=headers).json()
        assert shown["last_outcome"] in {"applied", "not_modified"} and shown["last_error"] is None


def wait_for(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.1)


def test_shutting_down_stops_a_run_in_progress_before_it_writes(seeded_settings, server):
    settings = source_settings(seeded_settings, source_polling=True, source_timeout_s=10.0)
    gate = threading.Event()
    server.sheets["/h.csv"] = Sheet(sheet(with_phone("ruijin", "021-64370046")), gate=gate)
    with TestClient(create_app(settings)) as client:
        store = client.app.state.context.store
        add(client, bearer(client), server.url("/h.csv"), every_s=1, max_change=1.0)
        wait_for(lambda: server.active == 1)  # the poller's fetch waits at the gate
        before = [(r.id, r.version) for r in store.iter_resources()]
        threading.Timer(0.5, gate.set).start()
        started = time.monotonic()
    assert time.monotonic() - started < 5
    store = open_store(settings)
    try:
        source = store.get_source("huangpu")
        assert (source.last_outcome, source.lease_holder) == (None, None)
        assert [(r.id, r.version) for r in store.iter_resources()] == before
    finally:
        store.close()
