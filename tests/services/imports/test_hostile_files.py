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
from openpyxl.utils import get_column_letter
from shapely.geometry import Point

from app.services.imports import xlsx_scan
from app.services.imports.cells import CellError, check_sizes
from app.services.imports.limits import MAX_CELL_CHARS, PUBLIC, ReadLimits
from app.services.imports.read import read_table
from app.services.imports.table import ImportFileError, Table
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


def shared(text: str, rows: int, width: int) -> bytes:
    """A workbook whose ``rows`` x ``width`` cells all point to one shared ``text``."""
    strings = f'<sst xmlns="{MAIN}" count="1" uniqueCount="1"><si><t>{text}</t></si></sst>'
    letters = [get_column_letter(i + 1) for i in range(width)]
    header = "".join(f'<c r="{c}1" t="inlineStr"><is><t>h{c}</t></is></c>' for c in letters)
    body = "".join(
        f'<row r="{n}">' + "".join(f'<c r="{c}{n}" t="s"><v>0</v></c>' for c in letters) + "</row>"
        for n in range(2, rows + 2)
    )
    return xlsx(sheet(f'<row r="1">{header}</row>{body}'), strings)


def test_a_long_shared_string_is_kept_once_however_many_cells_point_to_it():
    """Review 2, finding 1: one 30,000-character text in 100,000 cells was 100,000 cleaned
    copies (2.5 GB, then a 500); each cell now keeps at most MAX_CELL_CHARS of it."""
    data = shared("长文本 " * 7_500, rows=2_000, width=50)
    assert len(data) < 400_000
    outcome, top = peak(lambda: read_table(data, "list.xlsx", limits=PUBLIC.read))
    assert isinstance(outcome, Table)
    assert outcome.truncated  # the characters budget stops the read, a summary says so
    assert len(outcome.oversized) == len(outcome.rows) and outcome.oversized[2] == (0, 30_000)
    assert top < 64


def test_a_text_longer_than_any_spreadsheet_cell_is_refused():
    data = shared("长" * 40_000, rows=1, width=2)
    with pytest.raises(ImportFileError, match="a text of 40,000 characters"):
        read_table(data, "list.xlsx")


def test_a_cut_cell_makes_its_row_bad_with_its_true_length():
    table = read_table(("名称,地址\n甲," + "路" * 5_000 + "\n").encode(), "list.csv")
    assert table.rows == [(2, ["甲", "路" * MAX_CELL_CHARS])] and table.oversized == {2: (1, 5_000)}
    with pytest.raises(CellError, match="column '地址': 5,000 characters"):
        check_sizes(table.headers, table.rows[0][1], table.oversized[2])


def test_reading_stops_at_its_time_budget():
    text = "名称,区\n" + "".join(f"医院{n},黄浦区\n" for n in range(50_000))
    limits = ReadLimits(100_000, truncate=True, seconds=0.0)
    table = read_table(text.encode(), "list.csv", limits=limits)
    assert table.truncated and len(table.rows) <= 64


def test_a_geopackage_column_default_counts_as_text_in_every_row(tmp_path: Path):
    """Review 2, finding 2: a column added with a 300 KB DEFAULT gives every older row that
    text (1.4 GB read by GDAL for a 630 KB file); the characters are counted first."""
    path = tmp_path / "default.gpkg"
    points = [Point(121.4, 31.2)] * 2_001
    frame = geopandas.GeoDataFrame({"name": ["a"] * 2_001}, geometry=points, crs=4326)
    frame.to_file(path, layer="h", driver="GPKG")
    with sqlite3.connect(path) as con:
        con.execute(f"ALTER TABLE h ADD COLUMN 地址 TEXT DEFAULT '{'x' * 300_000}'")
    outcome, top = peak(lambda: read_table(path.read_bytes(), "h.gpkg", limits=PUBLIC.read))
    assert isinstance(outcome, ImportFileError)
    assert "layer 'h' holds over 4,000,000 characters, the limit" in str(outcome)
    assert top < 16


def test_geojson_padding_members_are_refused_past_a_mebibyte_in_all():
    """Review 2, finding 3: every top-level member was kept (18 MiB of members under 1 MiB
    each: +500 MB, 8 s); members besides the features are bounded together, and only
    those a reader needs are kept."""
    member = "[" + "[]," * 300_000 + "[]]"
    feature = '{"type":"Feature","properties":{"名称":"甲"},"geometry":null}'

    def collection(members: int) -> bytes:
        padding = "".join(f'"m{n}":{member},' for n in range(members))
        return ("{" + padding + f'"type":"FeatureCollection","features":[{feature}]}}').encode()

    data = collection(18)
    outcome, top = peak(lambda: read_table(data, "list.geojson"))
    assert isinstance(outcome, ImportFileError)
    assert "over 1,048,576 characters of members besides its features" in str(outcome)
    assert top < 80  # the file's text (18 MiB) and one member's 300,000 lists
    kept = read_table(collection(1), "list.geojson")
    assert kept.rows == [(1, ["甲"])]
