"""The read API through the real app (lifespan, SQLite file) with TestClient."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.core.config import Settings
from app.domain.statuses import State, StatusReport
from app.main import create_app


def test_healthz_reports_backend_and_counts(client: TestClient, settings):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["storage"] == settings.backend
    assert body["seed_version"]
    counts = body["counts"]
    assert (counts["districts"], counts["streets"], counts["committees"]) == (16, 234, 6509)
    assert counts["hospitals"] >= 60


def test_interactive_docs_and_openapi(client: TestClient):
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/healthz", "/api/v1/resources/{resource_id}", "/api/v1/units"} <= set(paths)


def test_services_are_the_design_list(client: TestClient):
    codes = [s["code"] for s in client.get("/api/v1/services").json()]
    assert codes == [
        "dialysis",
        "oncology",
        "emergency",
        "fever_clinic",
        "maternity",
        "pediatrics",
        "outpatient",
        "psychiatry",
        "pharmacy",
    ]


def test_units_by_name_resolve_former_names(client: TestClient):
    found = client.get("/api/v1/units", params={"name": "闸北区"}).json()
    assert [(u["name"], u["level"], u["code"]) for u in found] == [
        ("静安区", "district", "310106000000")
    ]
    streets = client.get("/api/v1/units", params={"parent_id": found[0]["id"], "limit": 500})
    assert len(streets.json()) == 14
    assert all(s["precision"] == "district" for s in streets.json())
    assert client.get("/api/v1/units", params={"name": "火星区"}).json() == []
    assert client.get(f"/api/v1/units/{found[0]['id']}").json()["name_en"] == "Jing'an"


def test_bundled_hospitals_say_their_location_is_approximate(client: TestClient):
    hospitals = client.get("/api/v1/resources", params={"kind": "hospital", "limit": 500}).json()
    assert len(hospitals) >= 60
    for hospital in hospitals:
        assert hospital["precision"] == "approximate"
        assert hospital["location_verified"] is False
        assert {s["state"] for s in hospital["statuses"]} <= {"unknown"}
        assert all(s["stale"] and s["age_seconds"] is None for s in hospital["statuses"])


def test_a_reported_status_shows_with_its_age(client: TestClient):
    store = client.app.state.context.store
    hospital = store.list_resources(kind="hospital", limit=1)[0]
    service = hospital.services[0]
    store.set_status(hospital.id, service, StatusReport(State.open, "alice"), hospital.version)
    body = client.get(f"/api/v1/resources/{hospital.id}").json()
    status = next(s for s in body["statuses"] if s["service"] == service)
    assert (status["state"], status["reported_by"], status["stale"]) == ("open", None, False)
    assert 0 <= status["age_seconds"] < 60
    assert body["version"] == hospital.version + 1


def test_statuses_older_than_the_ttl_are_stale(settings: Settings):
    short_ttl = settings.model_copy(update={"status_ttl_hours": 1e-9})
    with TestClient(create_app(short_ttl)) as client:
        store = client.app.state.context.store
        hospital = store.list_resources(kind="hospital", limit=1)[0]
        service = hospital.services[0]
        store.set_status(hospital.id, service, StatusReport(State.open, "a"), hospital.version)
        body = client.get(f"/api/v1/resources/{hospital.id}").json()
    assert next(s for s in body["statuses"] if s["service"] == service)["stale"] is True


@pytest.mark.parametrize(
    ("path", "status", "code", "message"),
    [
        ("/api/v1/resources/99999", 404, "not_found", "no resource 99999"),
        ("/api/v1/units/99999", 404, "not_found", "no administrative unit 99999"),
        ("/api/v1/resources/abc", 422, "invalid_request", "path.resource_id"),
        ("/api/v1/resources/0", 422, "invalid_request", "path.resource_id"),
        ("/api/v1/resources/9223372036854775808", 422, "invalid_request", "path.resource_id"),
        # past a PostgreSQL integer: these were 500s on PostGIS (found by schemathesis)
        ("/api/v1/resources/2147483648", 422, "invalid_request", "path.resource_id"),
        ("/api/v1/resources/2147483648/history", 422, "invalid_request", "path.resource_id"),
        ("/api/v1/resources/2147483647", 404, "not_found", "no resource 2147483647"),
        ("/api/v1/units/2147483648", 422, "invalid_request", "path.unit_id"),
        ("/api/v1/events?after=2147483648", 422, "invalid_request", "query.after"),
        ("/api/v1/units/99999999999999999999", 422, "invalid_request", "path.unit_id"),
        ("/api/v1/units?parent_id=99999999999999999999", 422, "invalid_request", "parent_id"),
        ("/api/v1/units?offset=99999999999999999999", 422, "invalid_request", "query.offset"),
        ("/api/v1/units?level=province", 422, "invalid_request", "query.level"),
        ("/api/v1/resources?limit=100000", 422, "invalid_request", "query.limit"),
        ("/no/such/page", 404, "not_found", "Not Found"),
    ],
)
def test_bad_requests_get_precise_errors(
    client: TestClient, path: str, status: int, code: str, message: str
):
    response = client.get(path)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and message in error["message"]


def test_wrong_method_is_405_with_the_same_error_shape(client: TestClient):
    response = client.delete("/healthz")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_a_database_gone_at_runtime_is_503_without_details(settings: Settings):
    if settings.backend != "sqlite":
        pytest.skip("breaks the SQLite file under a running app")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/healthz").status_code == 200
        client.app.state.context.store.close()  # drop pooled connections, then break the file
        database = settings.data_dir / "aidmap.sqlite3"
        for path in settings.data_dir.iterdir():
            path.unlink()
        database.mkdir()
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "error": {"code": "storage_unavailable", "message": "storage is unavailable"}
    }
