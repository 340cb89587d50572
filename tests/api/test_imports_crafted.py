"""Every parser error of an uploaded file is a 422 ``bad_file`` (issue 13, finding 8): one
crafted file per parser, each of which escaped as a 500 (or cost hundreds of megabytes)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas
import pytest
from fastapi.testclient import TestClient
from shapely.geometry import Point

from tests.services.imports.crafted import MAIN, laughs, sheet, xlsx

STRING_PAST_THE_TABLE = sheet(
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>5</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>0</v></c><c r="B2" t="s"><v>0</v></c></row>'
)


def gpkg_with_bytes_for_text(directory: Path) -> bytes:
    """A GeoPackage whose text field holds bytes that are no UTF-8 (GDAL passes them on)."""
    path = directory / "bad.gpkg"
    frame = geopandas.GeoDataFrame({"name": ["a"]}, geometry=[Point(121.4, 31.2)], crs=4326)
    frame.to_file(path, layer="x", driver="GPKG")
    with sqlite3.connect(path) as con:
        triggers = con.execute("SELECT name FROM sqlite_schema WHERE type = 'trigger'").fetchall()
        for (name,) in triggers:
            con.execute(f'DROP TRIGGER "{name}"')
        con.execute("UPDATE x SET name = X'FFFE00'")
    return path.read_bytes()


@pytest.mark.parametrize(
    ("name", "build", "message"),
    [
        ("laughs.xlsx", lambda _: xlsx(sheet(), laughs()),
         "declares an XML document type or entities, which no workbook needs"),
        ("strings.xlsx", lambda _: xlsx(STRING_PAST_THE_TABLE, f'<sst xmlns="{MAIN}"><si><t>x'
                                        "</t></si></sst>"),
         "strings.xlsx is not a readable XLSX file (IndexError)"),
        ("bad.gpkg", gpkg_with_bytes_for_text,
         "bad.gpkg is not a readable GeoJSON or GeoPackage file (UnicodeDecodeError)"),
        ("commas.csv", lambda _: "名称,区\n".encode() + b"," * 2**20, "has over 2,000 cells"),
        ("lists.geojson", lambda _: b'{"type":"Feature","properties":{"a":[' + b"[]," * 2**19
         + b"[]]}}", "is over 1,048,576 characters long"),
    ],
)  # fmt: skip
def test_a_crafted_file_is_a_bad_file_never_a_500(
    client: TestClient, tmp_path: Path, name: str, build, message: str
):
    files = {"file": (name, build(tmp_path))}
    response = client.post("/api/v1/imports", files=files)
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_file" and message in error["message"]
