"""Reading GeoJSON and GeoPackage files as tables: properties, points, CRS, refusals."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import geopandas
import pandas
import pyogrio
import pyproj
import pytest
from shapely.geometry import Point, box

from app.services.imports.limits import ReadLimits
from app.services.imports.read import read_table
from app.services.imports.table import ImportFileError


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
        (geojson(feature({"name": "x"}), crs="EPSG:4326"), "crs is not a named CRS"),
        (geojson(feature({"name": "x"}), crs={"properties": ["EPSG:4326"]}),
         "crs is not a named CRS"),
        (geojson(feature({"name": "x"}), crs={"properties": {"name": ["CRS84"]}}),
         "crs is not a named CRS"),
        (geojson(feature({"name": "x"}, {"type": "Polygon", "coordinates": []})),
         "feature 1 is a Polygon, not a point"),
        (geojson(feature({"name": "x"}, "POINT (121 31)")),
         "feature 1: geometry is not a GeoJSON geometry"),
        *[(geojson(feature({"name": "x"}, {"type": "Point", "coordinates": bad})),
           "feature 1: coordinates are not two numbers")
          for bad in (None, [121.5], ["121.5", "31.2"], [True, 31.2], {"x": 1, "y": 2})],
        (geojson(feature({"name": "x"}), [1, 2]), "feature 2 is not a GeoJSON Feature"),
        (geojson(feature({"name": None})), "has no features with values"),
        (b'{"type": "Feature", "properties": {"n": ' + b"[" * 900 + b"]" * 900 + b"}}",
         "feature 1 nests lists too deeply"),
        (b'{"type": "Feature", "properties": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
         "h.geojson nests its values too deeply"),
        (b'{"type": "Feature", "properties": {"n": ' + b"9" * 5000 + b"}}",
         "holds a number too long to read"),
        (b'{"type": "Feature", "properties": {"name": "\\ud800"}}',
         "feature 1 holds a lone UTF-16 surrogate"),
        (b'{"type": "Feature", "properties": {"\\udfff": "x"}}',
         "a property name holds a lone UTF-16 surrogate"),
    ],
)  # fmt: skip
def test_unreadable_geojson_is_a_file_error(data: bytes, message: str):
    with pytest.raises(ImportFileError, match=message.replace("(", r"\(")):
        read_table(data, "h.geojson")


def test_a_surrogate_pair_escaped_in_json_is_one_character():
    data = b'{"type": "Feature", "properties": {"name": "\\ud840\\udc00\\u8def"}}'
    assert read_table(data, "h.geojson").rows == [(1, ["𠀀路"])]


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


def test_a_geopackage_attribute_table_is_read_as_rows_without_points(tmp_path: Path):
    path = tmp_path / "list.gpkg"
    pyogrio.write_dataframe(
        pandas.DataFrame({"名称": ["甲医院"], "区": ["黄浦区"], "geometry": ["不是几何"]}),
        path, layer="list", driver="GPKG",
    )  # fmt: skip
    table = read_table(path.read_bytes(), "list.gpkg")
    assert table.headers == ["名称", "区", "geometry"]
    assert table.rows == [(1, ["甲医院", "黄浦区", "不是几何"])]


def test_a_geopackage_in_a_crs_without_a_way_to_wgs84_is_refused(tmp_path: Path):
    local = pyproj.CRS.from_wkt(
        'ENGCRS["site grid",EDATUM["site"],CS[Cartesian,2],AXIS["x",east,LENGTHUNIT["metre",1]],'
        'AXIS["y",north,LENGTHUNIT["metre",1]]]'
    )
    frame = geopandas.GeoDataFrame({"name": ["甲"]}, geometry=[Point(1, 2)], crs=local)
    data = write_gpkg(tmp_path / "h.gpkg", frame, "site")
    with pytest.raises(ImportFileError, match=r"h\.gpkg: its CRS 'site grid' cannot be converted"):
        read_table(data, "h.gpkg")


@pytest.mark.parametrize(
    "sql",
    [
        pytest.param(
            "CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1"
            " FROM n) SELECT i AS fid, (SELECT geom FROM first LIMIT 1) AS geom FROM n",
            id="endless-view",
        ),
        pytest.param(
            "CREATE TABLE huge (fid INTEGER PRIMARY KEY, text AS (hex(zeroblob(500000000))))",
            id="computed-column",
        ),
    ],
)
def test_geopackages_with_sql_run_on_reading_are_refused_unread(tmp_path: Path, sql: str):
    """A layer that is a view of a never-ending query, or a column computed on reading,
    would hold GDAL for as long as it runs: such a file is refused before GDAL opens it."""
    path = tmp_path / "h.gpkg"
    point = geopandas.GeoDataFrame({"name": ["甲"]}, geometry=[Point(121.4, 31.2)], crs=4326)
    write_gpkg(path, point, "first")
    con = sqlite3.connect(path)
    con.execute(sql)
    name = sql.split()[2]
    kind = "features" if "geom" in sql else "attributes"
    con.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id)"
                " VALUES (?, ?, ?, 4326)", (name, kind, name))  # fmt: skip
    if kind == "features":
        con.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POINT', 4326, 0, 0)",
                    (name,))  # fmt: skip
    con.commit()
    con.close()
    message = f"holds views or computed columns \\({name}\\): only plain tables"
    with pytest.raises(ImportFileError, match=message):
        read_table(path.read_bytes(), "h.gpkg", sheet=name)


def test_a_geopackage_is_read_no_further_than_the_row_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The row after the limit's first is never read: here a broken page stands there."""
    limits = ReadLimits(5)
    frame = geopandas.GeoDataFrame(
        {"name": [f"row{n:04d}" + "x" * 1000 for n in range(400)]},
        geometry=[Point(121.4, 31.2)] * 400, crs=4326,
    )  # fmt: skip
    data = bytearray(write_gpkg(tmp_path / "h.gpkg", frame, "rows"))
    page_size = int.from_bytes(data[16:18], "big")
    broken = data.index(b"row0300") // page_size * page_size
    data[broken : broken + 8] = b"\xff" * 8
    with pytest.raises(ImportFileError, match=r"h\.gpkg has more than 5 features, the limit"):
        read_table(bytes(data), "h.gpkg", limits=limits)


def test_files_other_than_sqlite_are_never_opened_as_a_geopackage(tmp_path: Path):
    """GDAL would open a VRT file by its content and read the server's files it names; and
    its messages name the server's temporary path."""
    secret = tmp_path / "secret.csv"
    secret.write_text("名称,区\n秘密医院,黄浦区\n", encoding="utf-8")
    vrt = (f"<OGRVRTDataSource><OGRVRTLayer name='x'><SrcDataSource>{secret}</SrcDataSource>"
           "<SrcLayer>secret</SrcLayer>"
           "</OGRVRTLayer></OGRVRTDataSource>")  # fmt: skip
    for data in (vrt.encode(), b"hello"):
        with pytest.raises(ImportFileError) as raised:
            read_table(data, "list.gpkg")
        message = str(raised.value)
        assert message == "list.gpkg is not a readable GeoPackage (file is not a database)"
