"""What each export format holds: values exactly, WGS-84 geometry, no runnable formulas."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
import subprocess
from contextlib import closing
from pathlib import Path

import geopandas
import pytest
from openpyxl import load_workbook

from app.core.config import Settings
from app.domain.enums import Level, Precision
from app.domain.records import NewResource
from app.geo.geocoders.registry import build_chain
from app.services.exports.layers import ExportLayer, read_layer
from app.services.exports.writers import ExportFormat, write_export
from app.services.imports.plan import plan_import
from app.services.imports.read import read_table
from app.services.imports.records import RowAction
from app.storage.port import Store

NAMES = [
    '第一行\n第二行 <i>斜</i>, "引号" & 逗号,',
    "=HYPERLINK(\"http://evil\",\"点我\")",
    "+86 热线", "-减号", "@艾特", "'引号", "\t制表", "𠀀𪚥 龘",
]  # fmt: skip
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def nasty(seeded_store: Store) -> Store:
    """Hospitals stored with names no import would make (line breaks, tabs) as well."""
    xuhui = seeded_store.find_units(level=Level.district, name="徐汇区")[0]
    for n, name in enumerate(NAMES):
        seeded_store.add_resource(NewResource(
            kind="hospital", name=name, lon=xuhui.lon + n / 2000, lat=xuhui.lat,
            precision=Precision.exact, district_id=xuhui.id, phones=(f"021-5555000{n}",),
            attributes={"备注": name.strip(), "=列": "=1+1"},
        ))  # fmt: skip
    return seeded_store


def export_to(store: Store, layer: ExportLayer, fmt: ExportFormat, directory: Path) -> Path:
    path = directory / f"{layer}.{fmt}"
    write_export(read_layer(store, layer, signed_in=True), fmt, path)
    return path


def test_csv_is_utf8_with_a_bom_and_guards_formulas(nasty: Store, tmp_path: Path):
    data = export_to(nasty, ExportLayer.hospitals, ExportFormat.csv, tmp_path).read_bytes()
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines(keepends=True)))
    assert rows[0][:3] == ["ref", "名称", "英文名"] and rows[0][-1] == "'=列"
    names = [row[1] for row in rows[-len(NAMES) :]]
    assert names == [name if not name.startswith((*FORMULA_STARTS, "'")) else "'" + name
                     for name in NAMES]  # fmt: skip
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]


def test_a_formula_behind_a_control_character_is_guarded_in_csv(
    seeded_store: Store, tmp_path: Path
):
    """The control character is dropped from the cell, so the guard must see the text
    without it; the import then reads the formula's text back (control characters do not
    round-trip: README, Export)."""
    xuhui = seeded_store.find_units(level=Level.district, name="徐汇区")[0]
    seeded_store.add_resource(NewResource(
        kind="hospital", name="控制符医院", lon=xuhui.lon, lat=xuhui.lat,
        precision=Precision.exact, district_id=xuhui.id, phones=("021-55550099",),
        address='\x01=HYPERLINK("http://evil","点我")', attributes={"\x02=列": "\x1f@SUM(A1)"},
    ))  # fmt: skip
    path = export_to(seeded_store, ExportLayer.hospitals, ExportFormat.csv, tmp_path)
    rows = list(csv.reader(path.read_text("utf-8-sig").splitlines(keepends=True)))
    assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]
    assert rows[0][-1] == "'=列" and rows[-1][-1] == "'@SUM(A1)"
    table = read_table(path.read_bytes(), path.name)
    (_, last) = table.rows[-1]
    assert table.headers[-1] == "=列" and last[-1] == "@SUM(A1)"
    assert last[table.headers.index("地址")] == '=HYPERLINK("http://evil","点我")'


def test_xlsx_holds_the_values_as_text_never_formulas(nasty: Store, tmp_path: Path):
    path = export_to(nasty, ExportLayer.hospitals, ExportFormat.xlsx, tmp_path)
    sheet = load_workbook(path)["hospitals"]
    rows = list(sheet.iter_rows())
    assert [row[1].value for row in rows[-len(NAMES) :]] == NAMES
    assert not [cell.coordinate for row in rows for cell in row if cell.data_type == "f"]
    guarded = [cell for row in rows for cell in row if str(cell.value).startswith(FORMULA_STARTS)]
    assert guarded and all(cell.quotePrefix for cell in guarded)
    assert rows[1][8].value == 121.466 and rows[1][8].data_type == "n"  # 经度, a number


def test_geojson_is_rfc7946_lon_lat_with_values_intact(nasty: Store, tmp_path: Path):
    path = export_to(nasty, ExportLayer.hospitals, ExportFormat.geojson, tmp_path)
    document = json.loads(path.read_text("utf-8"))
    assert document["type"] == "FeatureCollection" and "crs" not in document
    features = document["features"]
    stored = nasty.list_resources(kind="hospital", limit=1000)
    assert [f["geometry"]["coordinates"] for f in features] == [[r.lon, r.lat] for r in stored]
    assert [f["properties"]["name"] for f in features[-len(NAMES) :]] == NAMES
    assert features[-1]["properties"]["=列"] == "=1+1" and "lon" not in features[-1]["properties"]
    assert features[0]["properties"]["aliases"] == ["瑞金医院", "瑞金", "瑞金总院"]


def test_geopackage_opens_in_geopandas_in_epsg_4326(nasty: Store, tmp_path: Path):
    path = export_to(nasty, ExportLayer.hospitals, ExportFormat.gpkg, tmp_path)
    frame = geopandas.read_file(path, layer="hospitals")
    stored = nasty.list_resources(kind="hospital", limit=1000)
    assert frame.crs.to_epsg() == 4326 and len(frame) == len(stored) == 77 + len(NAMES)
    assert [(p.x, p.y) for p in frame.geometry] == [(r.lon, r.lat) for r in stored]
    assert frame["name"].tolist()[-len(NAMES) :] == NAMES
    assert frame["aliases"][0] == "瑞金医院、瑞金、瑞金总院"
    assert frame["=列"].tolist()[-1] == "=1+1"


def test_geojson_features_carry_the_records_ids(nasty: Store, tmp_path: Path):
    path = export_to(nasty, ExportLayer.hospitals, ExportFormat.geojson, tmp_path)
    features = json.loads(path.read_text("utf-8"))["features"]
    stored = nasty.list_resources(kind="hospital", limit=1000)
    assert [f["id"] for f in features] == [r.id for r in stored]
    assert "id" not in features[0]["properties"]
    districts = export_to(nasty, ExportLayer.districts, ExportFormat.geojson, tmp_path)
    ids = {unit.id for unit in nasty.find_units(level=Level.district)}
    assert {f["id"] for f in json.loads(districts.read_text("utf-8"))["features"]} == ids


@pytest.mark.parametrize("layer", [ExportLayer.hospitals, ExportLayer.districts])
def test_geopackage_is_version_1_2_numbered_by_record_id(nasty: Store, tmp_path: Path, layer):
    path = export_to(nasty, layer, ExportFormat.gpkg, tmp_path)
    with closing(sqlite3.connect(path)) as db:
        assert db.execute("PRAGMA user_version").fetchone() == (10200,)
        assert db.execute("PRAGMA application_id").fetchone() == (0x47504B47,)  # "GPKG"
    frame = geopandas.read_file(path, fid_as_index=True)
    if layer is ExportLayer.hospitals:
        assert frame.index.tolist() == [r.id for r in nasty.list_resources(kind="hospital",
                                                                          limit=1000)]  # fmt: skip
    else:
        pudong = nasty.find_units(level=Level.district, name="浦东新区")[0]
        assert frame.loc[pudong.id, "name"] == "浦东新区"
        near = geopandas.read_file(path, fid_as_index=True, bbox=(pudong.lon, pudong.lat) * 2)
        assert pudong.id in near.index  # the R-tree follows the FIDs


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="no ogrinfo (apt-get install gdal-bin)")
@pytest.mark.parametrize("layer", list(ExportLayer))
def test_the_distributions_gdal_reads_a_geopackage_without_warnings(
    nasty: Store, tmp_path: Path, layer: ExportLayer
):
    path = export_to(nasty, layer, ExportFormat.gpkg, tmp_path)
    run = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True,
                         text=True, check=False)  # fmt: skip
    assert run.returncode == 0 and run.stderr == "", run.stderr
    assert f"Layer name: {layer.value}" in run.stdout


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_an_empty_layer_is_a_file_with_its_columns(seeded_store: Store, tmp_path: Path, fmt):
    path = export_to(seeded_store, ExportLayer.offices, fmt, tmp_path)
    if fmt is ExportFormat.gpkg:
        frame = geopandas.read_file(path)
        assert len(frame) == 0 and frame.crs.to_epsg() == 4326 and "committee" in frame.columns
    elif fmt is ExportFormat.geojson:
        assert json.loads(path.read_bytes())["features"] == []
    else:
        assert path.stat().st_size > 0


@pytest.mark.parametrize("fmt", [ExportFormat.geojson, ExportFormat.gpkg])
def test_districts_carry_their_outlines(seeded_store: Store, tmp_path: Path, fmt: ExportFormat):
    frame = geopandas.read_file(export_to(seeded_store, ExportLayer.districts, fmt, tmp_path))
    assert len(frame) == 16 and frame.crs.to_epsg() == 4326
    assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
    pudong = frame[frame["name"] == "浦东新区"].iloc[0]
    assert pudong["precision"] == "district" and pudong["code"].startswith("3101")


def test_committees_are_listed_in_the_contacts_columns(seeded_store: Store, tmp_path: Path):
    path = export_to(seeded_store, ExportLayer.committees, ExportFormat.csv, tmp_path)
    rows = list(csv.DictReader(path.read_text("utf-8-sig").splitlines()))
    assert len(rows) == seeded_store.counts()["committees"]
    assert list(rows[0]) == ["编码", "区", "街道/镇", "居委会/村委会", "英文名", "经度", "纬度",
                             "坐标系", "精度"]  # fmt: skip
    tangkou = next(row for row in rows if row["居委会/村委会"] == "塘口村村委会")
    assert (tangkou["区"], tangkou["街道/镇"], tangkou["精度"]) == (
        "闵行区",
        "浦锦街道",
        "district",
    )


def test_names_no_import_would_make_still_import_back_unchanged(
    nasty: Store, settings: Settings, tmp_path: Path
):
    """Line breaks and tabs are read as spaces, which is no change to the stored name."""
    found = {}
    for fmt in ExportFormat:
        path = export_to(nasty, ExportLayer.hospitals, fmt, tmp_path)
        table = read_table(path.read_bytes(), path.name)
        plan = plan_import(nasty, build_chain(settings, nasty), table, "hospitals", path.name)
        found[fmt.value] = {row.row: row.changes or row.reason for row in plan.rows
                            if row.action is not RowAction.unchanged}  # fmt: skip
    assert found == {fmt.value: {} for fmt in ExportFormat}
