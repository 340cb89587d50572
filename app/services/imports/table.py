"""Reading a spreadsheet (CSV in UTF-8 or GB18030, or XLSX) into rows of text.

Whole-file problems (empty, unknown encoding, formulas without saved values, too many
rows) raise ``ImportFileError`` with a message meant for the person who made the file.
Merged XLSX cells are filled with their value, and each merged range is reported.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from dataclasses import dataclass, field

MAX_ROWS = 100_000
MAX_FIELD_CHARS = 32 * 1024 * 1024
"""Read oversized cells whole, so the row reports them instead of the file failing."""
XLSX_MAGIC = b"PK\x03\x04"


class ImportFileError(Exception):
    """The file as a whole cannot be imported."""


@dataclass(slots=True)
class Table:
    """A header and data rows; each row keeps its line/row number in the source file."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    notices: list[str] = field(default_factory=list)


def read_table(data: bytes, filename: str, sheet: str | None = None) -> Table:
    """The first non-empty row as the header, the rest as data rows (blank rows dropped)."""
    if not data.strip():
        raise ImportFileError(f"{filename} is empty")
    if data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        numbered, notices = _xlsx_rows(data, filename, sheet)
    else:
        if sheet is not None:
            raise ImportFileError(f"{filename} is a CSV file: it has no sheet {sheet!r}")
        numbered, notices = _csv_rows(data, filename), []
    numbered = [(n, [cell.strip() for cell in row]) for n, row in numbered]
    numbered = [(n, row) for n, row in numbered if any(row)]
    if not numbered:
        raise ImportFileError(f"{filename} has no rows")
    if len(numbered) - 1 > MAX_ROWS:
        raise ImportFileError(
            f"{filename} has {len(numbered) - 1:,} rows; the limit is {MAX_ROWS:,}"
        )
    (_, headers), *rows = numbered
    width = len(headers)
    rows = [(n, (row + [""] * width)[:width]) for n, row in rows]
    return Table(headers=headers, rows=rows, notices=notices)


def decode_text(data: bytes, filename: str) -> str:
    """UTF-16 with a BOM, UTF-8 (with or without BOM), else GB18030, else a clear error."""
    utf16 = data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    for encoding in ("utf-16",) if utf16 else ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFileError(
        f"{filename} is neither UTF-8 nor GB18030 (nor UTF-16) text: save it as UTF-8 CSV"
    )


def _csv_rows(data: bytes, filename: str) -> list[tuple[int, list[str]]]:
    text = decode_text(data, filename)
    if "\x00" in text:
        raise ImportFileError(f"{filename} is not a text file")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    csv.field_size_limit(MAX_FIELD_CHARS)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        return [(reader.line_num, row) for row in reader]
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
    notices = []
    for merged in list(cached.merged_cells.ranges):
        value = cached.cell(merged.min_row, merged.min_col).value
        notices.append(f"sheet {name}: merged cells {merged.coord} filled with {value!r}")
        cached.unmerge_cells(merged.coord)
        for row in range(merged.min_row, merged.max_row + 1):
            for col in range(merged.min_col, merged.max_col + 1):
                cached.cell(row, col).value = value
    rows = []
    for row in source.iter_rows():
        for cell in row:
            if cell.data_type == "f" and cached[cell.coordinate].value is None:
                raise ImportFileError(
                    f"{filename} sheet {name} cell {cell.coordinate} holds a formula "
                    f"({cell.value}) with no saved value: open and save it in Excel or WPS, "
                    "or paste values only"
                )
        number = row[0].row if row else 0
        rows.append((number, [_cell_text(cached[c.coordinate].value) for c in row]))
    return rows, notices


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # phone numbers typed as numbers
    return str(value)
