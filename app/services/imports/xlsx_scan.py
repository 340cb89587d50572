"""Streaming passes over an XLSX file's XML with expat, refusing what no sheet needs.

``read_shared_strings`` reads the shared-strings table as openpyxl would (the text of its
plain and rich runs, not the phonetic guides), stopping at a count. ``scan_sheet`` walks a
sheet once before openpyxl reads it: the extent its ``<dimension>`` declares, every cell's
and merged range's position, the count of elements, and formulas with no saved value or an
error (openpyxl's read-only mode with ``data_only`` cannot tell an empty cell from a formula
with no saved value). Nothing grows with the sheet but the list of merged ranges.

Document types and entities are refused (defusedxml's exceptions): no sheet declares one,
and expanding them is how a few bytes become gigabytes.
"""

from __future__ import annotations

import pyexpat
from dataclasses import dataclass, field
from typing import IO

from defusedxml.common import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from openpyxl.utils.cell import get_column_letter, range_boundaries

from app.services.imports.limits import MAX_CELLS, MAX_COLUMNS, MAX_ROWS
from app.services.imports.table import ImportFileError

MAX_SHARED_STRINGS = 1_000_000
MAX_STRING_CHARS = 32_767
"""Excel's own limit on the text of one cell."""
MAX_SHARED_CHARS = 16_000_000
"""All shared strings together (a real 100,000-row sheet holds a few million)."""
MAX_SHEET_ROW = 2 * MAX_ROWS
"""The last row a cell may be in: blank rows between data rows, up to as many again."""
MAX_MERGED_RANGES = 50_000
MAX_ELEMENTS = 10_000_000
"""XML elements in one sheet (a cell is two or three): bounds the scan's time (~3 s)."""
COLUMNS = {get_column_letter(n): n for n in range(1, MAX_COLUMNS + 1)}
DIGITS = "0123456789"
EXCEL_ERRORS = frozenset({"#REF!", "#DIV/0!", "#VALUE!", "#N/A", "#NAME?", "#NUM!", "#NULL!"})


def _refuse_dtd(name, *_args) -> None:
    raise DTDForbidden(name, None, None)


def _refuse_entity(name, *_args) -> None:
    raise EntitiesForbidden(name, None, None, None, None, None)


def _refuse_external(context, *_args) -> None:
    raise ExternalReferenceForbidden(context, None, None, None)


def safe_parser() -> pyexpat.XMLParserType:
    """An expat parser without namespace processing that refuses any DTD or entity."""
    parser = pyexpat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    parser.buffer_text = True
    return parser


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def read_shared_strings(source: IO[bytes], filename: str) -> list[str]:
    """The shared strings in order; refused past ``MAX_SHARED_STRINGS``."""
    strings: list[str] = []
    parts: list[str] = []
    phonetic = total = 0
    parser = safe_parser()
    too_many = f"{filename} has over {MAX_SHARED_STRINGS:,} distinct texts; the limit"

    def start(name: str, attrs: dict) -> None:
        nonlocal phonetic
        local = _local(name)
        if local == "sst" and int(attrs.get("uniqueCount", 0)) > MAX_SHARED_STRINGS:
            raise ImportFileError(too_many)  # as declared; a file that lies is counted
        if local == "si":
            parts.clear()
        elif local == "rPh":
            phonetic += 1
        elif local == "t" and not phonetic:
            parser.CharacterDataHandler = parts.append

    def end(name: str) -> None:
        nonlocal phonetic, total
        local = _local(name)
        if local == "t":
            parser.CharacterDataHandler = None
        elif local == "rPh":
            phonetic -= 1
        elif local == "si":
            text = "".join(parts).replace("x005F_", "")
            total += len(text)
            if len(text) > MAX_STRING_CHARS:
                raise ImportFileError(
                    f"{filename} has a text of {len(text):,} characters; "
                    f"no spreadsheet cell holds over {MAX_STRING_CHARS:,}"
                )
            if total > MAX_SHARED_CHARS:
                raise ImportFileError(f"{filename} has over {MAX_SHARED_CHARS:,} characters "
                                      "of text, the limit")  # fmt: skip
            strings.append(text)
            if len(strings) > MAX_SHARED_STRINGS:
                raise ImportFileError(too_many)

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.ParseFile(source)
    return strings


@dataclass(slots=True)
class MergedRange:
    """A merged range of cells (1-based, inclusive) as the sheet states it."""

    coord: str
    min_col: int
    min_row: int
    max_col: int
    max_row: int


@dataclass(slots=True)
class SheetScan:
    """What a sheet holds, from a pass over its XML."""

    merged: list[MergedRange] = field(default_factory=list)
    last_row: int = 0
    cells: int = 0
    elements: int = 0
    row: int = 0
    column: int = 0
    formula: list[str] | None = None
    shared_id: str | None = None
    value: list[str] = field(default_factory=list)
    ref: str = ""
    shared: dict[str, str] = field(default_factory=dict)
    """The text of each shared formula, by its id (the cells sharing it hold none)."""


def scan_sheet(source: IO[bytes], filename: str, name: str) -> SheetScan:
    """One pass over a sheet's XML; ImportFileError for anything no real sheet holds."""
    scan = SheetScan()
    where = f"{filename} sheet {name}"
    parser = safe_parser()

    def start(tag: str, attrs: dict) -> None:
        scan.elements += 1
        if scan.elements > MAX_ELEMENTS:
            raise ImportFileError(f"{where} has over {MAX_ELEMENTS:,} XML elements")
        local = _local(tag)
        if local == "c":
            _start_cell(scan, attrs, where)
        elif local == "row":
            scan.row = int(attrs["r"]) if "r" in attrs else scan.row + 1
            scan.column = 0
            _check_extent(scan.row, 1, where, f"row {scan.row:,}")
        elif local == "f":
            scan.formula, scan.shared_id = [], attrs.get("si")
            parser.CharacterDataHandler = scan.formula.append
        elif local == "v" and scan.formula is not None:
            parser.CharacterDataHandler = scan.value.append
        elif local in ("dimension", "mergeCell"):
            _check_range(scan, attrs.get("ref", ""), local, where)

    def end(tag: str) -> None:
        local = _local(tag)
        if local in ("f", "v"):
            parser.CharacterDataHandler = None
            if local == "f" and scan.shared_id is not None and scan.formula:
                scan.shared.setdefault(scan.shared_id, "".join(scan.formula))
        elif local == "c" and scan.formula is not None:
            _check_formula(scan, where)

    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.ParseFile(source)
    return scan


def _start_cell(scan: SheetScan, attrs: dict, where: str) -> None:
    scan.cells += 1
    if scan.cells > MAX_CELLS:
        raise ImportFileError(f"{where} has over {MAX_CELLS:,} cells, the limit")
    ref = attrs.get("r")
    if ref:
        letters = ref.rstrip(DIGITS)
        scan.column = COLUMNS.get(letters, MAX_COLUMNS + 1)
        scan.row = int(ref[len(letters) :] or scan.row)
    else:
        scan.column += 1
    _check_extent(scan.row, scan.column, where, f"cell {ref or scan.column}")
    scan.last_row = max(scan.last_row, scan.row)
    scan.ref = ref or f"{get_column_letter(scan.column)}{scan.row}"
    scan.formula = None
    scan.value.clear()


def _check_extent(row: int, column: int, where: str, what: str) -> None:
    if row > MAX_SHEET_ROW or column > MAX_COLUMNS:
        raise ImportFileError(
            f"{where}: {what} lies beyond row {MAX_SHEET_ROW:,} or column {MAX_COLUMNS}: "
            "delete the empty rows and columns after the table"
        )


def _check_range(scan: SheetScan, ref: str, kind: str, where: str) -> None:
    min_col, min_row, max_col, max_row = range_boundaries(ref)
    what = "its dimension" if kind == "dimension" else "merged cells"
    _check_extent(max_row or min_row or 1, max_col or min_col or 1, where, f"{what} {ref[:40]}")
    if kind == "mergeCell":
        if len(scan.merged) >= MAX_MERGED_RANGES:
            raise ImportFileError(f"{where} has over {MAX_MERGED_RANGES:,} merged ranges")
        scan.merged.append(MergedRange(ref, min_col, min_row, max_col, max_row))


def _check_formula(scan: SheetScan, where: str) -> None:
    """Refuse a formula cell with no saved value or an error for one."""
    value = "".join(scan.value)
    if value and value not in EXCEL_ERRORS:
        return
    text = "".join(scan.formula or ()) or scan.shared.get(scan.shared_id or "", "")
    problem = "no saved value" if not value else f"the error {value}"
    raise ImportFileError(
        f"{where} cell {scan.ref} holds a formula (={text[:50]}) with {problem}: fix it, "
        "save the sheet in Excel or WPS, or paste values only"
    )
