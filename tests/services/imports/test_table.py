"""Reading spreadsheets: encodings, XLSX merged cells and formulas, empty and broken files."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from app.services.imports.columns import map_columns
from app.services.imports.read import read_table
from app.services.imports.table import ImportFileError

CSV_TEXT = "医院名称,所属区,电话\n瑞金医院,黄浦区,021-64370045\n\n,,\n华山医院,静安区,\n"


def xlsx(rows: list[list], merge: str | None = None, sheet: str = "医院") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_csv_in_the_encodings_volunteers_export(encoding: str):
    table = read_table(CSV_TEXT.encode(encoding), "list.csv")
    assert table.headers == ["医院名称", "所属区", "电话"]
    assert table.rows == [
        (2, ["瑞金医院", "黄浦区", "021-64370045"]),
        (5, ["华山医院", "静安区", ""]),
    ]


def test_xlsx_merged_cells_are_filled_and_reported():
    data = xlsx([["区", "名称", "电话"], ["浦东新区", "A", 2164370045], [None, "B", None]], "A2:A3")
    table = read_table(data, "list.xlsx")
    assert table.rows == [(2, ["浦东新区", "A", "2164370045"]), (3, ["浦东新区", "B", ""])]
    assert table.notices == ["sheet 医院: merged cells A2:A3 filled with '浦东新区'"]


def test_xlsx_formulas_without_saved_values_are_refused():
    data = xlsx([["名称", "床位"], ["A", "=1+1"]])
    with pytest.raises(ImportFileError, match=r"cell B2 holds a formula \(=1\+1\)"):
        read_table(data, "list.xlsx")


def test_xlsx_sheets_are_chosen_by_name():
    data = xlsx([["名称"], ["A"]], sheet="第二批")
    assert read_table(data, "list.xlsx", "第二批").rows == [(2, ["A"])]
    with pytest.raises(ImportFileError, match="has no sheet '第一批'; sheets: 第二批"):
        read_table(data, "list.xlsx", "第一批")


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "a.csv is empty"),
        (b"  \n \n", "a.csv", "a.csv is empty"),
        (b",,,\n,,\n", "a.csv", "a.csv has no rows"),
        (b"\xff\xfe\x00garbage\x81", "a.csv", "not UTF-8, GB18030 or UTF-16"),
        ("名稱,地址\n瑞金醫院,瑞金二路197號\n".encode("big5"), "a.csv", r"\(Big5 or Shift-JIS\?\)"),
        ("名前,住所\n病院,東京都\n".encode("shift_jis"), "a.csv", "not UTF-8, GB18030"),
        ("名称,地址\n".encode(), "a.csv", "has a header but no data rows"),
        (("名" * 300 + ",地址\nA,B\n").encode(), "a.csv", "header 1 is 300 characters long"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "not a readable XLSX workbook"),
        ("名称\nA\n".encode(), "a.csv", None),
    ],
)
def test_broken_files_get_a_precise_message(data: bytes, name: str, message: str | None):
    if message is None:
        with pytest.raises(ImportFileError, match="is a CSV file: it has no sheet"):
            read_table(data, name, sheet="x")
        return
    with pytest.raises(ImportFileError, match=message):
        read_table(data, name)


def test_headers_map_in_chinese_and_english_and_unknown_ones_are_kept():
    columns = map_columns(["医院名称", "所属区", "电话（总机）", "Lat", "备注"], ("name",), "a.csv")
    assert columns.fields == {"name": 0, "district": 1, "phones": 2, "lat": 3}
    assert columns.attributes == {"备注": 4}


def test_a_missing_name_column_or_a_doubled_one_is_refused():
    with pytest.raises(ImportFileError, match="no column for name"):
        map_columns(["区", "电话"], ("name",), "a.csv")
    with pytest.raises(ImportFileError, match="columns '名称' and '医院名称' both mean name"):
        map_columns(["名称", "医院名称"], ("name",), "a.csv")


def test_xlsx_formula_errors_are_refused_by_cell():
    book = Workbook()
    ws = book.active
    ws.append(["名称", "电话"])
    ws.append(["A", "=B9"])
    out = io.BytesIO()
    book.save(out)
    # openpyxl saves no computed values; patch the saved value of B2 to Excel's #REF!
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = "xl/worksheets/sheet1.xml"
    # <v /> or <v></v>: openpyxl writes either, whether lxml is installed or not
    cell = rb'<c r="B2"><f>B9</f><v\s*(?:/>|></v>)</c>'
    assert re.search(cell, parts[sheet])
    parts[sheet] = re.sub(cell, b'<c r="B2" t="e"><f>B9</f><v>#REF!</v></c>', parts[sheet])
    patched = io.BytesIO()
    with zipfile.ZipFile(patched, "w") as target:
        for name, content in parts.items():
            target.writestr(name, content)
    with pytest.raises(
        ImportFileError, match=r"cell B2 holds a formula \(=B9\) with the error #REF!"
    ):
        read_table(patched.getvalue(), "list.xlsx")


def test_xlsx_title_rows_are_skipped_and_wide_merges_not_copied_sideways():
    data = xlsx(
        [
            ["浦东新区医院名单（4月10日）", None, None],
            ["名称", "地址", "电话"],
            ["甲医院", None, "1"],
        ],
        "A1:C1",
    )
    book = load_workbook(io.BytesIO(data))
    book.active.merge_cells("A3:B3")
    out = io.BytesIO()
    book.save(out)
    table = read_table(out.getvalue(), "list.xlsx")
    assert table.headers == ["名称", "地址", "电话"]
    assert table.rows == [(3, ["甲医院", "", "1"])]
    assert "row 1 skipped as a title: '浦东新区医院名单（4月10日）'" in table.notices
    assert "sheet 医院: merged cells A3:B3 kept in the first column" in table.notices


def test_csv_rows_are_numbered_as_records_and_long_rows_kept_whole():
    text = '名称,地址\n"甲医院","多行\n地址"\n乙医院,某路1号,多余\n'
    table = read_table(text.encode(), "list.csv")
    assert table.rows == [(2, ["甲医院", "多行\n地址"]), (3, ["乙医院", "某路1号", "多余"])]
