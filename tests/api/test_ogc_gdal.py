"""GDAL's OAPIF driver (gdal-bin 3.6 in Debian 12) filtering /ogc on a live ``aidmap serve``:
an ``ogr2ogr -where`` must reach the server as CQL (the API definition's ``filter-lang``
enum holds the draft name ``cql-text``, the only one GDAL 3.6 sends), read from the request
lines curl logs, and GDAL must write exactly the features the server's own filter gives."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

pytestmark = pytest.mark.server
REQUEST_LINE = re.compile(r"^CURL_INFO_HEADER_OUT: GET (\S+) HTTP/", re.MULTILINE)
CASES = {
    # 12 of district 11's 14 hospitals: more than GDAL's page of 10, so it follows `next`
    "name LIKE '%医院%' AND district_id = 11": (
        "(name LIKE '%医院%') AND (district_id = 11)",
        lambda p: "医院" in p["name"] and p["district_id"] == 11,
    ),
    # plain equality: GDAL 3.6 sends CQL for it too, never a property filter (name=…)
    "name = '复旦大学附属中山医院'": (
        "name = '复旦大学附属中山医院'",
        lambda p: p["name"] == "复旦大学附属中山医院",
    ),
}


def ogr2ogr(url: str, where: str, out: str) -> list[dict[str, list[str]]]:
    """``ogr2ogr`` of the hospitals matching ``where`` into ``out`` (GeoJSON, ids kept): the
    query of each items request GDAL sent, in order."""
    run = subprocess.run(
        ["ogr2ogr", "--debug", "on", "-preserve_fid", "-f", "GeoJSON", out, f"OAPIF:{url}",
         "hospitals", "-where", where],
        env=os.environ | {"CPL_CURL_VERBOSE": "YES"}, capture_output=True, timeout=120,
        check=False,
    )  # fmt: skip
    log = run.stderr.decode(errors="replace")
    assert run.returncode == 0 and "ERROR" not in log, log
    targets = REQUEST_LINE.findall(log)
    items = [urlsplit(t) for t in targets if urlsplit(t).path.endswith("/hospitals/items")]
    return [parse_qs(target.query) for target in items]


def written_ids(path: str) -> list[int]:
    """The ids of the features in the GeoJSON file ``path``."""
    with open(path, encoding="utf-8") as file:
        return [feature["id"] for feature in json.load(file)["features"]]


def served_ids(url: str, params: dict[str, str]) -> list[int]:
    """The ids of the hospitals the server lists with ``params``, on one page."""
    page = httpx.get(f"{url}/collections/hospitals/items", params={"limit": 1000, **params})
    page.raise_for_status()
    return [feature["id"] for feature in page.json()["features"]]


@pytest.mark.parametrize("where", list(CASES))
def test_gdal_sends_its_where_as_cql_and_writes_what_the_server_filters(
    ogc_url, where, tmp_path, require
):
    require(shutil.which("ogr2ogr") is not None, "no ogr2ogr (apt-get install gdal-bin)")
    sent, matches = CASES[where]
    listing = httpx.get(f"{ogc_url}/collections/hospitals/items", params={"limit": 1000})
    everything = listing.json()["features"]
    expected = {f["id"] for f in everything if matches(f["properties"])}
    assert 0 < len(expected) < len(everything)  # a server ignoring the filter is caught

    out = str(tmp_path / "hospitals.geojson")
    queries = ogr2ogr(ogc_url, where, out)
    filtered = [n for n, query in enumerate(queries) if "filter" in query]
    assert filtered, queries  # the first, unfiltered page of 10 is GDAL's look at the schema
    for query in queries[filtered[0] :]:  # next pages keep the filter: nothing done client-side
        assert query["filter"] == [sent] and query["filter-lang"] == ["cql-text"], queries
        assert set(query) <= {"limit", "offset", "filter", "filter-lang"}, queries

    cql2 = served_ids(ogc_url, {"filter": sent, "filter-lang": "cql2-text"})
    assert sorted(written_ids(out)) == sorted(cql2) and set(cql2) == expected
