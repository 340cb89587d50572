"""GET /metrics, request ids and access lines through the real app on a real SQLite file.

Metrics are per process and shared by every app a test builds, so tests compare a scrape
taken before with one taken after.
"""

from __future__ import annotations

import logging
import re

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError

from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from app.services.auth import create_token

GENERATED_ID = re.compile(r"[0-9a-f]{32}")
TOKEN = "s3cret-metrics-token-0123"

Samples = dict[tuple[str, frozenset], float]


def scrape(client: TestClient, **headers: str) -> Samples:
    """Every sample of /metrics, parsed by prometheus_client's own parser."""
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def grew(before: Samples, after: Samples, name: str, **labels: str) -> float:
    """How much one sample grew between two scrapes."""
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def bearer(client: TestClient, role: Role) -> dict[str, str]:
    _, secret = create_token(client.app.state.context.store, role.value, role)
    return {"Authorization": f"Bearer {secret}"}


def test_requests_count_under_their_route_template_never_the_raw_path(client: TestClient):
    first, second = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[:2]
    before = scrape(client)
    for resource_id in (first["id"], second["id"], 99_999_999):
        client.get(f"/api/v1/resources/{resource_id}")
    client.get("/no/such/page/123")
    assert client.request("BREW", "/livez").status_code == 405
    after = scrape(client)

    template = "/api/v1/resources/{resource_id}"
    requests = "aidmap_http_requests_total"
    assert grew(before, after, requests, method="GET", route=template, status="200") == 2
    assert grew(before, after, requests, method="GET", route=template, status="404") == 1
    assert grew(before, after, requests, method="GET", route="unmatched", status="404") == 1
    assert grew(before, after, requests, method="other", route="/livez", status="405") == 1
    timed = {"method": "GET", "route": template, "status_class": "2xx"}
    assert grew(before, after, "aidmap_http_request_duration_seconds_count", **timed) == 2
    assert grew(before, after, "aidmap_http_request_duration_seconds_bucket", le="+Inf", **timed)
    routes = {value for _, labels in after for key, value in labels if key == "route"}
    assert f"/api/v1/resources/{first['id']}" not in routes
    assert not any("no/such" in route or "99999999" in route for route in routes)
    assert ("process_cpu_seconds_total", frozenset()) in after


def test_status_writes_and_version_conflicts_are_counted(client: TestClient):
    volunteer = bearer(client, Role.volunteer)
    target, other = client.get("/api/v1/resources", params={"kind": "hospital"}).json()[:2]
    url = f"/api/v1/resources/{target['id']}/status/dialysis"
    stale = {"If-Match": f'"{target["version"]}"'}
    before = scrape(client)
    assert client.put(url, json={"state": "open"}, headers=volunteer | stale).status_code == 200
    assert client.put(url, json={"state": "closed"}, headers=volunteer | stale).status_code == 412
    item = {"resource_id": other["id"], "service": "emergency", "update": {"state": "limited"}}
    batch = "/api/v1/status-batch"
    conflicting = {"items": [item | {"expected_version": other["version"] + 3}]}
    missing = {"items": [item | {"resource_id": 99_999_999, "expected_version": 1}]}
    applied = {"items": [item | {"expected_version": other["version"]}]}
    assert client.post(batch, json=conflicting, headers=volunteer).status_code == 409
    assert client.post(batch, json=missing, headers=volunteer).status_code == 409
    assert client.post(batch, json=applied, headers=volunteer).status_code == 200
    after = scrape(client)

    updates, conflicts = "aidmap_status_updates_total", "aidmap_status_conflicts_total"
    assert grew(before, after, updates, service="dialysis", state="open", action="put") == 1
    assert grew(before, after, updates, service="dialysis", state="closed", action="put") == 0
    assert grew(before, after, conflicts, action="put") == 1
    assert grew(before, after, conflicts, action="batch") == 1  # the missing resource is not one
    assert grew(before, after, updates, service="emergency", state="limited", action="batch") == 1


def test_a_sane_request_id_is_echoed_and_any_other_replaced(client: TestClient):
    sane = "req-42_A.b:c+d/e=f"
    assert client.get("/livez", headers={"X-Request-ID": sane}).headers["x-request-id"] == sane
    for absurd in ("x" * 129, "two words", "", "a\tb"):
        answer = client.get("/livez", headers={"X-Request-ID": absurd}).headers["x-request-id"]
        assert GENERATED_ID.fullmatch(answer), absurd
    first, second = (client.get("/api/v1/services").headers["x-request-id"] for _ in range(2))
    assert GENERATED_ID.fullmatch(first) and first != second


def test_an_access_line_per_request_without_the_query_string(
    client: TestClient, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.INFO, logger="aidmap.access")
    client.get("/api/v1/nearest?lon=121.47&lat=31.23&k=1")
    [line] = [r for r in caplog.records if r.name == "aidmap.access"]
    fields = {k: getattr(line, k) for k in ("method", "path", "route", "status", "client")}
    assert fields == {"method": "GET", "path": "/api/v1/nearest", "route": "/api/v1/nearest",
                      "status": 200, "client": "testclient"}  # fmt: skip
    assert line.duration_ms > 0 and "121.47" not in line.getMessage()


def test_an_unhandled_error_counts_as_a_500(settings: Settings, caplog: pytest.LogCaptureFixture):
    app = create_app(settings)

    def explode() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/explode", explode)
    caplog.set_level(logging.INFO, logger="aidmap.access")
    with TestClient(app, raise_server_exceptions=False) as client:
        before = scrape(client)
        exploded = client.get("/explode", headers={"X-Request-ID": "bug-1"})
        after = scrape(client)
    assert exploded.status_code == 500 and exploded.json()["error"]["code"] == "internal"
    assert exploded.headers["X-Request-ID"] == "bug-1"  # the one answer where it matters most
    assert exploded.headers["X-Content-Type-Options"] == "nosniff"
    labels = {"method": "GET", "route": "/explode"}
    assert grew(before, after, "aidmap_http_requests_total", status="500", **labels) == 1
    assert [r.status for r in caplog.records if getattr(r, "route", "") == "/explode"] == [500]
    assert grew(
        before, after, "aidmap_http_request_duration_seconds_count", status_class="5xx", **labels
    ) == 1  # fmt: skip


def test_metrics_can_be_turned_off_or_put_behind_a_token(settings: Settings):
    off = settings.model_copy(update={"metrics": False})
    with TestClient(create_app(off)) as client:
        response = client.get("/metrics")
        assert response.status_code == 404 and GENERATED_ID.fullmatch(
            response.headers["x-request-id"]
        )
    gated = Settings(
        data_dir=settings.data_dir, database_url=settings.database_url, metrics_token=TOKEN
    )
    with TestClient(create_app(gated)) as client:
        for wrong in ({}, {"Authorization": "Bearer nope"}, {"Authorization": f"Basic {TOKEN}"}):
            response = client.get("/metrics", headers=wrong)
            assert (
                response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
            )
        scrape(client, Authorization=f"Bearer {TOKEN}")
    with pytest.raises(ValidationError, match="at least 16 characters"):
        Settings(data_dir=settings.data_dir, metrics_token="short")
