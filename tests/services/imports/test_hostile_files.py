"""Files that declare more than they hold (issue 13, finding 1): each is answered from what
it declares, within a few megabytes, before anything grows with the declaration."""

from __future__ import annotations

import io
import sqlite3
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import geopandas
import pytest
from shapely.geometry import Point

from app.services.imports import xlsx_scan
from app.services.imports.limits import ReadLimits
from app.services.imports.table import ImportFileError, Table, read_table
from tests.services.imports.crafted import MAIN, cells, sheet, xlsx

MiB = 2**20


def peak(work: Callable[[], Table]) -> tuple[Table | ImportFileError, float]:
    """What ``work`` returned or the file error it raised, and its peak allocation in MiB."""
    tracemalloc.start()
    try:
        outcome: Table | ImportFileError = work()
    except ImportFileError as exc:
        outcome = exc
    finally:
        top = tracemalloc.get_traced_memory()[1] / MiB
        tracemalloc.stop()
    return outcome, top


def merged(extent: str) -> bytes:
    return xlsx(sheet(after=f'<mergeCells count="1"><mergeCell ref="{extent}"/></mergeCells>'))


def test_a_sheet_sized_merged_range_is_refused_before_any_cell_is_built():
    data = merged("A3:XFD1048576")
    assert len(data) < 2_000  # the review's 1.6 KB file
    outcome, top = peak(lambda: read_table(data, "list.xlsx"))
    assert isinstance(outcome, ImportFileError)
    assert "merged cells A3:XFD1048576 lies beyond row 200,000 or column 200" in str(outcome)
    assert top < 16


def test_a_tall_merged_range_costs_nothing_per_cell_it_covers():
    outcome, top = peak(lambda: read_table(merged("A3:J100000"), "list.xlsx"))
    assert isinstance(outcome, Table) and len(outcome.rows) == 2
    assert outcome.notices == ["sheet 医院: merged cells A3:J100000 kept in the first column"]
    assert top < 16


def test_a_merged_column_fills_only_rows_that_hold_values_of_their_own():
    rows = [["区", "名称"], ["浦东新区", "甲"], ["", "乙"]]
    data = xlsx(sheet(cells(rows), '<mergeCells><mergeCell ref="A2:A100000"/></mergeCells>'))
    table = read_table(data, "list.xlsx")
    assert table.rows == [(2, ["浦东新区", "甲"]), (3, ["浦东新区", "乙"])]
    overlapping = '<mergeCells><mergeCell ref="A2:A5"/><mergeCell ref="A4:A9"/></mergeCells>'
    with pytest.raises(ImportFileError, match="merged cells A4:A9 overlap another range"):
        read_table(xlsx(sheet(cells(rows), overlapping)), "list.xlsx")


def bomb(inflated: int) -> bytes:
    """A workbook whose sheet inflates to ``inflated`` bytes of white space after its data."""
    base = xlsx(sheet())
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                target.writestr(info, source.read(info.filename))
        with target.open("xl/worksheets/sheet1.xml", "w") as part:
            part.write(sheet().removesuffix("</worksheet>").encode())
            for _ in range(inflated // MiB):
                part.write(b" " * MiB)
            part.write(b"</worksheet>")
    return out.getvalue()


def test_a_zip_bomb_is_refused_by_its_declared_size():
    data = bomb(256 * MiB)
    assert len(data) < MiB
    outcome, top = peak(lambda: read_table(data, "list.xlsx"))
    assert isinstance(outcome, ImportFileError) and "(a zip bomb?)" in str(outcome)
    assert top < 16


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (xlsx(sheet(), extra=1_001), "holds 1,006 parts; a workbook has a few dozen"),
        (xlsx(sheet(before='<dimension ref="A1:XFD1048576"/>')),
         "its dimension A1:XFD1048576 lies beyond row 200,000"),
        (xlsx(sheet('<row r="1"><c r="GS1"><v>1</v></c></row>')), "cell GS1 lies beyond"),
        (xlsx(sheet('<row r="300000"><c><v>1</v></c></row>')), "row 300,000 lies beyond"),
    ],
)  # fmt: skip
def test_a_sheet_declaring_more_than_any_volunteer_sheet_is_refused(data: bytes, message: str):
    outcome, top = peak(lambda: read_table(data, "list.xlsx"))
    assert isinstance(outcome, ImportFileError) and message in str(outcome)
    assert top < 16


def test_the_shared_strings_are_counted_as_they_are_read(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(xlsx_scan, "MAX_SHARED_STRINGS", 100)
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(101))
    data = xlsx(sheet(), f'<sst xmlns="{MAIN}">{strings}</sst>')
    with pytest.raises(ImportFileError, match="has over 100 distinct texts; the limit"):
        read_table(data, "list.xlsx")
    declared = xlsx(sheet(), f'<sst xmlns="{MAIN}" uniqueCount="101"><si><t>x</t></si></sst>')
    with pytest.raises(ImportFileError, match="has over 100 distinct texts; the limit"):
        read_table(declared, "list.xlsx")


def test_a_shared_formula_with_no_saved_value_is_named_by_its_first_cell():
    rows = ('<row r="1"><c r="A1" t="inlineStr"><is><t>名称</t></is></c></row>'
            '<row r="2"><c r="A2"><f t="shared" ref="A2:A3" si="0">B2*2</f><v>4</v></c></row>'
            '<row r="3"><c r="A3"><f t="shared" si="0"/></c></row>')  # fmt: skip
    with pytest.raises(ImportFileError, match=r"cell A3 holds a formula \(=B2\*2\) with no saved"):
        read_table(xlsx(sheet(rows)), "list.xlsx")


def test_a_line_of_commas_is_refused_before_the_csv_module_splits_it():
    data = "名称,区\n".encode() + b"," * (20 * MiB) + b"\n"
    outcome, top = peak(lambda: read_table(data, "list.csv"))
    assert isinstance(outcome, ImportFileError)
    assert "line 2 has over 2,000 cells" in str(outcome)
    assert top < 64  # the file, and its text (two bytes a character)


def test_csv_rows_are_counted_as_they_are_read():
    text = "名称,区\n" + "".join(f"医院{n},黄浦区\n" for n in range(1_000))
    with pytest.raises(ImportFileError, match="has more than 10 rows, the limit"):
        read_table(text.encode(), "list.csv", limits=ReadLimits(10))
    first = read_table(text.encode(), "list.csv", limits=ReadLimits(10, truncate=True))
    assert first.truncated and [n for n, _ in first.rows] == list(range(2, 12))


def test_geojson_of_millions_of_values_is_refused_one_feature_at_a_time():
    count = (20 * MiB - 100) // 3
    data = (b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":['
            + b"[]," * count + b"[]]}}]}")  # fmt: skip
    outcome, top = peak(lambda: read_table(data, "list.geojson"))
    assert isinstance(outcome, ImportFileError)
    assert "the value at character 40 is over 1,048,576 characters long" in str(outcome)
    assert top < 64  # the file and its text


def test_geojson_features_are_read_no_further_than_the_limit():
    feature = b'{"type":"Feature","properties":{"name":"x"}}'
    data = b'{"type":"FeatureCollection","features":[' + b",".join([feature] * 50) + b",oops]}"
    first = read_table(data, "list.geojson", limits=ReadLimits(10, truncate=True))
    assert first.truncated and len(first.rows) == 10
    names = ",".join(f'"p{n}":1' for n in range(201)).encode()
    wide = b'{"type":"Feature","properties":{' + names + b"}}"
    with pytest.raises(ImportFileError, match="has over 200 property names, the limit"):
        read_table(wide, "list.geojson")


def test_a_geopackage_wider_than_a_sheet_is_refused_before_gdal_reads_it(tmp_path: Path):
    path = tmp_path / "wide.gpkg"
    frame = geopandas.GeoDataFrame({"name": ["a"]}, geometry=[Point(121.4, 31.2)], crs=4326)
    frame.to_file(path, layer="wide", driver="GPKG")
    with sqlite3.connect(path) as con:
        for n in range(250):
            con.execute(f"ALTER TABLE wide ADD COLUMN c{n} TEXT")
    with pytest.raises(ImportFileError, match="layer 'wide' has 253 fields; the limit is 200"):
        read_table(path.read_bytes(), "wide.gpkg")
