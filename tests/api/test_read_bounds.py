"""Every public read costs a bounded amount whatever the data holds (issue 13, finding 15):
clusters never outnumber their grid's cells, units found by name and preview images read
one page of rows, not all of them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.domain.enums import Precision
from app.domain.records import NewResource
from app.services.layers import MAX_GRID_SIDE
from app.storage import sql_resources, sql_units
from app.web import map_image

FAR_EAST = (121.90, 30.95)
"""A corner of Shanghai without bundled hospitals."""


def counting(monkeypatch: pytest.MonkeyPatch, module, name: str) -> list:
    """Record each row ``module.name`` turns into a record during the test."""
    made: list = []
    real = getattr(module, name)

    def counted(row):
        made.append(row["id"])
        return real(row)

    monkeypatch.setattr(module, name, counted)
    return made


def test_clusters_have_at_most_the_grid_cells_whatever_the_zoom(client: TestClient):
    lon, lat = FAR_EAST
    client.app.state.context.store.apply_resource_changes([
        NewResource(kind="hospital", name=f"点{n}", lon=lon + (n % 100) * 0.001,
                    lat=lat + (n // 100) * 0.001, precision=Precision.exact)
        for n in range(5000)
    ], [])  # fmt: skip
    bbox = f"{lon - 0.01},{lat - 0.01},{lon + 0.11},{lat + 0.06}"
    body = client.get("/api/v1/layers/hospitals/clusters", params={"zoom": 22, "bbox": bbox})
    assert body.json()["pointCount"] == 5000
    assert body.json()["numberReturned"] <= (MAX_GRID_SIDE + 1) ** 2
    world = client.get("/api/v1/layers/hospitals/clusters", params={"zoom": 22}).json()
    assert world["numberReturned"] <= 4 and world["pointCount"] >= 5000


def test_units_found_by_name_are_paged_by_the_store(client: TestClient, monkeypatch):
    everyone = client.get("/api/v1/units", params={"name": "光明村村委会"}).json()
    assert len(everyone) == 7
    made = counting(monkeypatch, sql_units, "to_unit")
    page = client.get("/api/v1/units", params={"name": "光明村村委会", "limit": 2, "offset": 2})
    assert page.json() == everyone[2:4]
    assert sorted(made) == sorted(unit["id"] for unit in everyone[2:4])
    parent = everyone[0]["parent_id"]
    within = client.get("/api/v1/units", params={"name": "光明村村委会", "parent_id": parent})
    assert within.json() == [u for u in everyone if u["parent_id"] == parent]
    assert client.get("/api/v1/units", params={"name": "闸北区", "offset": 1}).json() == []


def test_a_preview_reads_a_bounded_number_of_hospitals(client: TestClient, monkeypatch):
    monkeypatch.setattr(map_image, "MAX_DOTS", 20, raising=False)
    hospitals = client.get("/api/v1/resources", params={"kind": "hospital", "limit": 500}).json()
    assert len(hospitals) > 40
    chosen = hospitals[-1]["id"]  # marked, and not among the first 20 by id
    made = client.post("/api/v1/share", json={"center": [121.47, 31.23], "zoom": 3,
                                              "resource_id": chosen}).json()  # fmt: skip
    read = counting(monkeypatch, sql_resources, "to_resource")
    image = client.get(made["preview_png"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert len(read) <= 21 and chosen in read  # 20 dots and the marked hospital
