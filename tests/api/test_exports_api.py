"""GET /api/v1/exports/{layer}.{fmt} through the real app: files, headers, 404s, and a
round trip through POST /api/v1/imports."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

MEDIA_TYPES = {
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "gpkg": "application/geopackage+sqlite3",
}


def count_features(fmt: str, body: bytes, tmp_path: Path) -> int:
    """How many records a downloaded file holds, read by a reader of its own format."""
    if fmt == "geojson":
        return len(json.loads(body)["features"])
    if fmt == "csv":
        return len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1
    if fmt == "xlsx":
        return load_workbook(io.BytesIO(body)).active.max_row - 1
    path = tmp_path / "download.gpkg"
    path.write_bytes(body)
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM hospitals").fetchone()[0]


@pytest.mark.parametrize("fmt", list(MEDIA_TYPES))
def test_a_layer_downloads_as_a_named_file(client: TestClient, fmt: str, tmp_path: Path):
    response = client.get(f"/api/v1/exports/hospitals.{fmt}")
    assert response.status_code == 200
    assert response.headers["content-type"] == MEDIA_TYPES[fmt]
    assert response.headers["content-disposition"] == f'attachment; filename="hospitals.{fmt}"'
    assert count_features(fmt, response.content, tmp_path) == 77


def test_files_written_first_announce_their_length(client: TestClient):
    response = client.get("/api/v1/exports/districts.gpkg", headers={"Accept-Encoding": "identity"})
    assert int(response.headers["content-length"]) == len(response.content) > 0


def test_every_format_of_a_layer_imports_back_unchanged_over_http(client: TestClient):
    counts = {}
    for fmt in MEDIA_TYPES:
        body = client.get(f"/api/v1/exports/hospitals.{fmt}").content
        plan = client.post("/api/v1/imports", files={"file": (f"hospitals.{fmt}", body)})
        assert plan.status_code == 200, plan.text
        counts[fmt] = plan.json()["counts"]
    unchanged = {"add": 0, "change": 0, "unchanged": 77, "duplicate": 0, "choice": 0, "bad": 0}
    assert counts == dict.fromkeys(MEDIA_TYPES, unchanged)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/exports/streets.csv", "no layer 'streets'"),
        ("/api/v1/exports/hospitals.pdf", "no format 'pdf'"),
        ("/api/v1/exports/hospitals.csv.zip", "no layer 'hospitals.csv'"),
        ("/api/v1/exports/hospitals", "Not Found"),
    ],
)
def test_unknown_layers_and_formats_are_404(client: TestClient, path: str, message: str):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.json()["error"]["message"].startswith(message)


def test_openapi_declares_the_file_types_and_the_404(client: TestClient):
    operation = client.get("/openapi.json").json()["paths"]["/api/v1/exports/{layer}.{fmt}"]
    responses = operation["get"]["responses"]
    assert set(responses["200"]["content"]) == {m.split(";")[0] for m in MEDIA_TYPES.values()}
    assert "application/json" in responses["404"]["content"]
