"""Reading GeoJSON and GeoPackage files as tables: properties, points, CRS, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas
import pytest
from shapely.geometry import Point, box

from app.services.imports.table import ImportFileError, read_table


def geojson(*features: dict, **extra) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features), **extra}).encode()


def feature(properties: dict | None, geometry: dict | None = None) -> dict:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


POINT = {"type": "Point", "coordinates": [121.466, 31.212]}


def test_properties_become_columns_and_points_lon_lat():
    data = geojson(
        feature({"name": "瑞金医院", "phones": ["021-1", "021-2"], "beds": 1800.0}, POINT),
        feature({"name": "无点医院", "note": {"a": 1}, "open": True}),
        feature({"name": None}),
    )
    table = read_table(data, "h.geojson")
    assert table.headers == ["name", "phones", "beds", "note", "open", "lon", "lat"]
    assert table.rows == [
        (1, ["瑞金医院", "021-1、021-2", "1800", "", "", "121.466", "31.212"]),
        (2, ["无点医院", "", "", '{"a": 1}', "true", "", ""]),
    ]  # the empty third feature is dropped, as a blank spreadsheet row is


def test_coordinates_given_as_properties_win_over_the_geometry():
    data = geojson(feature({"名称": "甲", "经度": "121.5", "纬度": "31.2"}, POINT))
    table = read_table(data, "h.json")
    assert table.headers == ["名称", "经度", "纬度"] and table.rows == [
        (1, ["甲", "121.5", "31.2"])
    ]


def test_a_single_feature_and_a_wgs84_crs_member_are_read():
    named = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    assert read_table(geojson(feature({"name": "甲"}), crs=named), "x.txt").rows == [(1, ["甲"])]
    single = json.dumps(feature({"name": "乙"}, POINT)).encode()
    assert read_table(single, "x.geojson").rows == [(1, ["乙", "121.466", "31.212"])]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"{not json", "h.geojson is not GeoJSON"),
        (b'{"type": "Topology"}', "not a GeoJSON Feature or FeatureCollection"),
        (geojson(feature({"name": "x"}), crs={"type": "name", "properties": {"name": "EPSG:3857"}}),
         "crs 'EPSG:3857'; GeoJSON must be WGS-84"),
        (geojson(feature({"name": "x"}, {"type": "Polygon", "coordinates": []})),
         "feature 1 is a Polygon, not a point"),
        (geojson(feature({"name": "x"}), [1, 2]), "feature 2 is not a GeoJSON Feature"),
        (geojson(feature({"name": None})), "has no features with values"),
    ],
)  # fmt: skip
def test_unreadable_geojson_is_a_file_error(data: bytes, message: str):
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(")):
        read_table(data, "h.geojson")


def write_gpkg(path: Path, frame: geopandas.GeoDataFrame, layer: str) -> bytes:
    frame.to_file(path, layer=layer, driver="GPKG")
    return path.read_bytes()


def test_a_geopackage_in_another_crs_is_read_in_wgs84(tmp_path: Path):
    frame = geopandas.GeoDataFrame(
        {"name": ["甲", "乙"], "phones": ["021-1", None]},
        geometry=[Point(121.466, 31.212), None], crs="EPSG:4326",
    ).to_crs(3857)  # fmt: skip
    path = tmp_path / "h.gpkg"
    write_gpkg(path, frame, "first")
    data = write_gpkg(path, frame.head(1), "second")
    table = read_table(data, "upload.bin")
    assert table.headers == ["name", "phones", "lon", "lat"]
    (number, (name, phone, lon, lat)), second = table.rows
    assert (number, name, phone, second) == (1, "甲", "021-1", (2, ["乙", "", "", ""]))
    assert (float(lon), float(lat)) == pytest.approx((121.466, 31.212), abs=1e-9)
    assert len(read_table(data, "h.gpkg", sheet="second").rows) == 1
    with pytest.raises(ImportFileError, match="has no layer 'third'; layers: first, second"):
        read_table(data, "h.gpkg", sheet="third")


def test_geopackages_of_outlines_and_other_databases_are_refused(tmp_path: Path):
    outlines = geopandas.GeoDataFrame({"name": ["甲"]}, geometry=[box(121, 31, 122, 32)], crs=4326)
    data = write_gpkg(tmp_path / "o.gpkg", outlines, "districts")
    with pytest.raises(ImportFileError, match="holds Polygon geometries: only points"):
        read_table(data, "o.gpkg")
    with pytest.raises(ImportFileError, match="is not a readable GeoPackage"):
        read_table(b"SQLite format 3\x00" + bytes(200), "x.gpkg")
    with pytest.raises(ImportFileError, match="is a GeoJSON file: it has no layer 'a'"):
        read_table(geojson(feature({"name": "甲"})), "h.geojson", sheet="a")
