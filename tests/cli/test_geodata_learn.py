"""``aidmap geodata learn FILE``: a team's list of places taught from CSV or XLSX, in any
of the three coordinate systems; the dry run writes nothing; every skipped row says why."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from openpyxl import Workbook

from app.core.config import Settings
from app.domain.enums import LearnedFrom, Precision, SourceCrs
from app.domain.records import NewResource
from app.geo.crs import bd09_to_wgs84, from_wgs84
from app.geo.distance import haversine_m
from app.storage import open_store
from tests.cli.test_cli import run_aidmap
from tests.geo.fake_providers import read_dev_rows

BD = from_wgs84(121.5230, 31.2215, "bd09")
ROWS = [
    ["区", "地址", "经度", "纬度", "坐标系"],
    ["浦东新区", "浦电路221号", "121.519429", "31.220611", ""],
    ["浦东新区", "浦电路300号", f"{BD[0]:.6f}", f"{BD[1]:.6f}", "BD09"],
    ["浦东新区", "浦电路221号", "121.5195", "31.2207", ""],
    ["浦东新区", "张东路2281弄", "", "", ""],
    ["火星区", "某路1号", "121.5", "31.2", ""],
    ["黄浦区", "浦电路5号", "121.519", "31.2206", ""],
    ["浦东新区", "123", "121.52", "31.22", ""],
    ["浦东新区", "世纪大道100号", "2.35", "48.85", ""],
]
REASONS = {
    4: "duplicate of row 2",
    5: "no point (经度/纬度 empty)",
    6: "unknown district '火星区'",
    7: "outside 黄浦区",
    8: "nothing to learn",
    9: "outside China",
}


def _csv(path: Path, rows: list[list]) -> Path:
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    return path


def _xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    path.write_bytes(out.getvalue())
    return path


def _learned(data: Path) -> list:
    store = open_store(Settings(data_dir=data, database_url=""))
    try:
        return list(store.iter_learned())
    finally:
        store.close()


@pytest.mark.parametrize("write", [_csv, _xlsx], ids=["csv", "xlsx"])
def test_a_list_is_taught_after_a_dry_run_that_writes_nothing(tmp_path: Path, write):
    sheet = write(tmp_path / f"places.{write.__name__[1:]}", ROWS)
    data = tmp_path / "data"
    dry = run_aidmap("geodata", "learn", str(sheet), "--dry-run", "--data-dir", str(data))
    assert dry.returncode == 0, dry.stderr
    assert "2 points to learn (road and number 2)" in dry.stdout
    assert "coordinate systems: bd09 1, wgs84 1" in dry.stdout
    assert "roads (1): 浦电路 2" in dry.stdout
    assert "6 rows skipped:" in dry.stdout
    for row, reason in REASONS.items():
        assert any(
            line.strip().startswith(f"row {row}: ") and reason in line
            for line in dry.stdout.splitlines()
        ), (row, dry.stdout)
    assert dry.stdout.rstrip().endswith("dry run: nothing changed")
    assert _learned(data) == []

    taught = run_aidmap("geodata", "learn", str(sheet), "--data-dir", str(data))
    assert taught.returncode == 0, taught.stderr
    assert "learned 2 points (0 replaced)" in taught.stdout
    points = {p.address: p for p in _learned(data)}
    assert set(points) == {"浦电路221号", "浦电路300号"}
    converted = points["浦电路300号"]
    assert (converted.source, converted.source_crs) == (LearnedFrom.taught, SourceCrs.bd09)
    assert (converted.lon, converted.lat) == pytest.approx(bd09_to_wgs84(*BD), abs=1e-6)
    assert converted.origin == sheet.name and converted.house_number == 300
    again = run_aidmap("geodata", "learn", str(sheet), "--data-dir", str(data))
    assert "learned 2 points (2 replaced)" in again.stdout
    assert len(_learned(data)) == 2
    forgot = run_aidmap("geodata", "relearn", "--forget-file", sheet.name, "--data-dir", str(data))
    assert forgot.returncode == 0, forgot.stderr
    assert f"forgot 2 points taught by {sheet.name}" in forgot.stdout
    assert _learned(data) == []


def test_real_dev_addresses_are_taught_in_gcj02(tmp_path: Path, eval_dir: Path):
    rows = random.Random(22).sample(read_dev_rows(eval_dir), 200)
    table = [["区", "地址", "经度", "纬度", "坐标系"]] + [
        [r.district, r.address, f"{r.gcj02[0]:.6f}", f"{r.gcj02[1]:.6f}", "GCJ-02"] for r in rows
    ]
    sheet = _xlsx(tmp_path / "dev.xlsx", table)
    data = tmp_path / "data"
    taught = run_aidmap("geodata", "learn", str(sheet), "--data-dir", str(data))
    assert taught.returncode == 0, taught.stderr
    points = _learned(data)
    assert len(points) >= 0.8 * len(rows), taught.stdout  # ~90 % have a road and number
    assert all(p.source_crs is SourceCrs.gcj02 for p in points)
    for point in points:  # each is its row's point, converted to within a few metres
        assert min(haversine_m(point.lon, point.lat, *r.wgs84) for r in rows) < 5


def test_only_places_are_taught_and_the_stores_resources_are_learned_first(tmp_path: Path):
    data = tmp_path / "data"
    rows = [
        ["区", "地址", "经度", "纬度"],
        ["浦东新区", "浦电路221号302室", "121.5194", "31.2206"],
        ["浦东新区", "浦电路221号5号302", "121.5194", "31.2206"],
        ["浦东新区", '=HYPERLINK("x")', "121.5194", "31.2206"],
        ["浦东新区", "浦电路300号", "+121.5230", "31.2215"],
        ["浦东新区", "花园", "121.5194", "31.2206"],
        ["浦东新区", "曹路镇建新村", "121.70", "31.27"],
    ]
    sheet = _csv(tmp_path / "places.csv", rows)
    dry = run_aidmap("geodata", "learn", str(sheet), "--dry-run", "--data-dir", str(data))
    assert dry.returncode == 0, dry.stderr
    reasons = {2: "a flat or room", 3: "a flat or room", 4: "address: a formula",
               5: "lon: a formula", 6: "too short"}  # fmt: skip
    for row, reason in reasons.items():
        assert any(
            line.strip().startswith(f"row {row}: ") and reason in line
            for line in dry.stdout.splitlines()
        ), (row, dry.stdout)
    store = open_store(Settings(data_dir=data, database_url=""))
    try:  # a store whose resources were never learned (the server never built its index)
        [pudong] = store.find_units(name="浦东新区")
        new = NewResource(kind="hospital", name="表内医院", lon=121.5194, lat=31.2206,
                          precision=Precision.exact, district_id=pudong.id,
                          address="浦电路221号", source="import list.csv row 2")  # fmt: skip
        rid = store.add_resource(new).id
        assert store.learned_version() is None
    finally:
        store.close()
    taught = run_aidmap("geodata", "learn", str(sheet), "--data-dir", str(data))
    assert taught.returncode == 0, taught.stderr
    learned = {(p.address, p.resource_id) for p in _learned(data)}
    assert learned == {("浦电路221号", rid), ("曹路镇建新村", None)}
