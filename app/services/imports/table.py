"""Reading a spreadsheet (CSV in UTF-8, GB18030 or UTF-16, or XLSX) into rows of text;
GeoJSON and GeoPackage files are read by ``geo_table``.

Whole-file problems (empty, an unknown encoding, formulas without a value or with an
error value, no data rows, too many rows) raise ``ImportFileError`` with a message meant
for the person who made the file. A merged title row above the header is skipped;
vertically merged data cells are filled with their value and reported. Rows keep the
number the spreadsheet shows (the header is row 1 when it is the first line). A CSV cell
guarded against running as a formula (``'=…``) is read as the value it guards.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field

from app.services.formula_guard import unguard

MAX_ROWS = 100_000
MAX_HEADER_CHARS = 200
MAX_FIELD_CHARS = 32 * 1024 * 1024
"""Read oversized cells whole, so the row reports them instead of the file failing."""
XLSX_MAGIC = b"PK\x03\x04"
EXCEL_ERRORS = frozenset({"#REF!", "#DIV/0!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!"})
RARE_SHARE_LIMIT = 0.2
"""Above this share of Chinese characters outside GB2312, GB18030 text is another encoding."""


class ImportFileError(Exception):
    """The file as a whole cannot be imported."""


@dataclass(slots=True)
class Table:
    """A header and data rows; each row keeps its row number in the source file.

    A data row may be longer than the header when a CSV line has unquoted commas; the
    planner reports such rows.
    """

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    notices: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str, sheet: str | None = None) -> Table:
    """The header row and the data rows below it (blank rows dropped)."""
    if not data.strip():
        raise ImportFileError(f"{filename} is empty")
    from app.services.imports.geo_table import is_geo_file, read_geo_table

    if is_geo_file(data, filename):
        return read_geo_table(data, filename, sheet)
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        numbered, notices = _xlsx_rows(data, filename, sheet)
    else:
        if sheet is not None:
            raise ImportFileError(f"{filename} is a CSV file: it has no sheet {sheet!r}")
        numbered, notices = _csv_rows(data, filename), []
    numbered = [(n, [cell.strip() for cell in row]) for n, row in numbered]
    numbered = [(n, row) for n, row in numbered if any(row)]
    while len(numbered) > 1 and _filled(numbered[0][1]) == 1 and _filled(numbered[1][1]) > 1:
        title = next(cell for cell in numbered[0][1] if cell)
        notices.append(f"row {numbered[0][0]} skipped as a title: {title[:50]!r}")
        numbered.pop(0)
    if not numbered:
        raise ImportFileError(f"{filename} has no rows")
    (_, headers), *rows = numbered
    for position, header in enumerate(headers, start=1):
        if len(header) > MAX_HEADER_CHARS:
            raise ImportFileError(
                f"{filename}: header {position} is {len(header):,} characters long; "
                "is the first row really the header?"
            )
    if not rows:
        raise ImportFileError(f"{filename} has a header but no data rows")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"{filename} has {len(rows):,} rows; the limit is {MAX_ROWS:,}")
    width = len(headers)
    rows = [(n, row + [""] * (width - len(row))) for n, row in rows]
    return Table(headers=headers, rows=rows, notices=notices)


def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell)


def decode_text(data: bytes, filename: str) -> str:
    """UTF-16 with a BOM, UTF-8 (with or without BOM), else GB18030, else a clear error."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    else:
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            pass
        else:
            if _rare_share(text) <= RARE_SHARE_LIMIT:
                return text
    raise ImportFileError(
        f"{filename} is not UTF-8, GB18030 or UTF-16 text (Big5 or Shift-JIS?): "
        "save it as CSV UTF-8"
    )


def _rare_share(text: str) -> float:
    """Share of Chinese characters outside GB2312: high when bytes were decoded wrongly."""
    chinese = [ch for ch in text if "\u3400" <= ch <= "\u9fff" or "\ue000" <= ch <= "\uf8ff"]
    if not chinese:
        return 0.0
    rare = 0
    for ch in chinese:
        try:
            ch.encode("gb2312")
        except UnicodeEncodeError:
            rare += 1
    return rare / len(chinese)


def _csv_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    text = decode_text(data, filename)
    if "\x00" in text:
        raise ImportFileError(f"{filename} is not a text file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
        # Quote as Excel and WPS do: the sniffer can take ' for the quote character, and
        # misses "" inside a quoted cell that holds a delimiter.
        dialect.quotechar, dialect.doublequote = '"', True
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        # record numbers, as a spreadsheet shows rows
        return [(n, [unguard(cell) for cell in row]) for n, row in enumerate(reader, start=1)]
    except csv.Error as exc:
        raise ImportFileError(f"{filename} line {reader.line_num}: {exc}") from None


def _xlsx_rows(
    data: bytes, filename: str, sheet: str | None
) -> tuple[list[tuple[int, list[str]]], list[str]]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        formulas = load_workbook(io.BytesIO(data), data_only=False)
        values = load_workbook(io.BytesIO(data), data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(f"{filename} is not a readable XLSX workbook ({exc})") from None
    name = sheet or formulas.sheetnames[0]
    if name not in formulas.sheetnames:
        raise ImportFileError(
            f"{filename} has no sheet {name!r}; sheets: {', '.join(formulas.sheetnames)}"
        )
    source, cached = formulas[name], values[name]
    if source.max_row > MAX_ROWS + 1:
        raise ImportFileError(f"{filename} has {source.max_row:,} rows; the limit is {MAX_ROWS:,}")
    notices = _fill_vertical_merges(cached, name)
    rows = []
    for row in source.iter_rows():
        texts = []
        for cell in row:
            value = cached[cell.coordinate].value
            if cell.data_type == "f" and (value is None or value in EXCEL_ERRORS):
                problem = "no saved value" if value is None else f"the error {value}"
                raise ImportFileError(
                    f"{filename} sheet {name} cell {cell.coordinate} holds a formula "
                    f"({str(cell.value)[:50]}) with {problem}: fix it, save the sheet in "
                    "Excel or WPS, or paste values only"
                )
            texts.append(_cell_text(value))
        rows.append((row[0].row if row else 0, texts))
    return rows, notices


def _fill_vertical_merges(sheet, name: str) -> list[str]:
    """Fill each merged range down its column(s); a range wider than a column keeps its value
    in the first column only, since copying it sideways would put a name into an address."""
    notices = []
    for merged in list(sheet.merged_cells.ranges):
        value = sheet.cell(merged.min_row, merged.min_col).value
        sheet.unmerge_cells(merged.coord)
        if merged.min_col != merged.max_col:
            notices.append(f"sheet {name}: merged cells {merged.coord} kept in the first column")
            continue
        notices.append(f"sheet {name}: merged cells {merged.coord} filled with {value!r}")
        for row in range(merged.min_row + 1, merged.max_row + 1):
            sheet.cell(row, merged.min_col).value = value
    return notices


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # phone numbers typed as numbers
    return str(value)
