"""POST /api/v1/imports and GET /api/v1/geocode through the real app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from app.api.body_limits import IMPORT_FILE
from app.core.config import Settings
from app.domain.enums import Role
from app.main import create_app
from app.services.auth import create_token

GOOD = "名称,区,电话\n全新医院,黄浦区,021-55559999\n"
MIXED = GOOD + "坏医院,火星区,\n"


@pytest.fixture
def open_client(settings: Settings) -> Iterator[TestClient]:
    """A client that sends a coordinator's token."""
    with TestClient(create_app(settings)) as client:
        _, secret = create_token(client.app.state.context.store, "coordinator", Role.coordinator)
        client.headers["Authorization"] = f"Bearer {secret}"
        yield client


def upload(client: TestClient, text: str | bytes, name: str = "list.csv", **params):
    data = text.encode() if isinstance(text, str) else text
    return client.post("/api/v1/imports", params=params, files={"file": (name, data)})


def test_a_dry_run_returns_the_plan_and_writes_nothing(open_client: TestClient):
    response = upload(open_client, MIXED)
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {
        "add": 1, "change": 0, "unchanged": 0, "duplicate": 0, "choice": 0, "bad": 1
    }  # fmt: skip
    assert body["applied"] is None and body["low_precision_rows"] == [2]
    assert not body["summarised"] and not body["truncated"]
    assert body["rows"][1] | {"notes": []} == {
        "row": 3, "action": "bad", "name": "坏医院", "reason": "unknown district '火星区'",
        "resource_id": None, "changes": {}, "precision": None, "precision_reason": None,
        "confidence": None,
        "located_by": None, "notes": [], "candidates": [],
    }  # fmt: skip
    assert open_client.get("/healthz").json()["counts"]["hospitals"] == 77


def test_a_row_to_choose_for_lists_its_candidates_also_in_a_summary(client: TestClient):
    sheet = "名称,区,电话\n上海市第一人民医院,黄浦区,021-63240090\n"
    body = upload(client, sheet).json()  # no token: a summary of bad rows and choices
    assert body["summarised"] and body["counts"]["choice"] == 1
    [row] = body["rows"]
    assert row["action"] == "choice" and row["resource_id"] is None
    assert [(c["ref"], c["why"], c["chosen"]) for c in row["candidates"]] == [
        ("first-north", ["same_phone", "similar_name"], False),
        ("first-south", ["same_phone", "similar_name"], False),
    ]


def test_applying_needs_a_coordinator_token(client: TestClient):
    response = upload(client, GOOD, dry_run="false")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
    _, secret = create_token(client.app.state.context.store, "v", Role.volunteer)
    client.headers["Authorization"] = f"Bearer {secret}"
    response = upload(client, GOOD, dry_run="false")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"


def test_applying_is_all_or_nothing(open_client: TestClient):
    blocked = upload(open_client, MIXED, dry_run="false")
    assert blocked.status_code == 422 and blocked.json()["error"]["code"] == "bad_rows"
    assert open_client.get("/healthz").json()["counts"]["hospitals"] == 77
    applied = upload(open_client, MIXED, dry_run="false", skip_bad_rows="true")
    assert applied.status_code == 200 and applied.json()["applied"]["added"] == 1
    assert open_client.get("/healthz").json()["counts"]["hospitals"] == 78
    again = upload(open_client, GOOD, dry_run="false").json()
    assert again["counts"]["unchanged"] == 1 and again["applied"]["added"] == 0


@pytest.mark.parametrize(
    ("data", "name", "status", "code"),
    [
        (b"", "list.csv", 422, "bad_file"),
        ("区,电话\n黄浦区,1\n".encode(), "list.csv", 422, "bad_file"),
        ("名稱\n瑞金醫院\n".encode("big5"), "list.csv", 422, "bad_file"),
        (b"x" * (IMPORT_FILE + 1), "big.csv", 413, "too_large"),
    ],
)
def test_bad_files_get_precise_4xx(client: TestClient, data: bytes, name: str, status, code):
    response = upload(client, data, name)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'{"type":"FeatureCollection","crs":"EPSG:4326","features":[]}', "not a named CRS"),
        (b'{"type":"FeatureCollection","crs":{"properties":[]},"features":[]}', "not a named"),
        (b'{"type":"FeatureCollection","crs":{"properties":{"name":[]}},"features":[]}',
         "not a named CRS"),
        (b'{"type":"Feature","properties":["name"]}', "feature 1 has no properties object"),
        (b'{"type":"Feature","properties":{"name":"x"},"geometry":{"type":"Point",'
         b'"coordinates":"121,31"}}', "feature 1: coordinates are not two numbers"),
        (b'{"type":"Feature","properties":{"name":"\\ud800"}}', "lone UTF-16 surrogate"),
        (b'{"type":"Feature","properties":' + b"[" * 5000 + b"]" * 5000 + b"}", "too deeply"),
    ],
)  # fmt: skip
def test_malformed_geojson_is_a_bad_file_for_anyone(client: TestClient, data: bytes, message):
    response = upload(client, data, "list.geojson")
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_file" and message in error["message"]


def test_a_geopackage_upload_never_reads_the_servers_files(client: TestClient, tmp_path: Path):
    """A VRT file named .gpkg would have GDAL read the CSV it names and plan its rows."""
    secret = tmp_path / "secret.csv"
    secret.write_text(GOOD, encoding="utf-8")
    vrt = (f"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>{secret}</SrcDataSource>"
           "<SrcLayer>secret</SrcLayer>"
           "</OGRVRTLayer></OGRVRTDataSource>")  # fmt: skip
    for data in (vrt.encode(), b"hello"):
        response = upload(client, data, "list.gpkg")
        assert response.status_code == 422, response.text
        assert response.json()["error"] == {
            "code": "bad_file",
            "message": "list.gpkg is not a readable GeoPackage (file is not a database)",
        }


def test_unknown_kind_is_422(client: TestClient):
    assert upload(client, GOOD, kind="pharmacies").status_code == 422


def test_geocode_answers_with_precision_and_candidates(client: TestClient):
    body = client.get("/api/v1/geocode", params={"q": "塘口村", "district": "闵行区"}).json()
    assert body["outcome"] == "found" and body["committee"] == "塘口村村委会"
    assert body["precision"] == "district" and 0 < body["confidence"] <= 1
    missing = client.get("/api/v1/geocode", params={"q": "某某路1号"}).json()
    assert missing["outcome"] == "not_found" and missing["lon"] is None
    assert client.get("/api/v1/geocode", params={"q": ""}).status_code == 422
