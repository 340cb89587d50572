"""OWSLib, a client GIS scripts use, reads a served ``/ogc``'s queryables and filters its
items on the server with CQL2 text and property parameters."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.seeded import copy_seeded

features = pytest.importorskip("owslib.ogcapi.features", reason="owslib (dev group)")


@pytest.mark.server
def test_owslib_reads_queryables_and_filtered_items(tmp_path: Path):
    port = free_port()
    data_dir = copy_seeded(tmp_path / "data")
    process = start_serve(data_dir, port, tmp_path / "serve.log", "--log-level", "warning",
                          env={"AIDMAP_TILES": "none"})  # fmt: skip
    try:
        wait_healthy(process, port)
        api = features.Features(f"http://127.0.0.1:{port}/ogc")
        queryables = api.collection_queryables("hospitals")
        assert queryables["properties"]["district_id"]["type"] == ["integer", "null"]
        everything = api.collection_items("hospitals", limit=1000)["features"]
        district = everything[0]["properties"]["district_id"]
        expected = [
            f["id"] for f in everything
            if f["properties"]["district_id"] == district and "医院" in f["properties"]["name"]
        ]  # fmt: skip
        filtered = api.collection_items(
            "hospitals", limit=1000, filter=f"name LIKE '%医院%' AND district_id = {district}"
        )
        assert [f["id"] for f in filtered["features"]] == expected
        assert filtered["numberMatched"] == len(expected) < len(everything)
        by_property = api.collection_items("hospitals", limit=1000, district_id=district)
        assert {f["properties"]["district_id"] for f in by_property["features"]} == {district}
    finally:
        stop(process)
