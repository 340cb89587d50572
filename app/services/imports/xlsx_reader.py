"""Reading one sheet of an XLSX workbook: checked, scanned, then streamed once by openpyxl.

Before openpyxl parses anything the package's declared sizes are checked
(``xlsx_archive``); the shared strings are read with a count limit and the sheet is scanned
(``xlsx_scan``); only then does openpyxl's read-only sheet parser stream the rows, for
their values as Excel saved them (numbers, dates, booleans), stopping at the row limit.
openpyxl's ``load_workbook`` is not used: even in read-only mode it parses every sheet of
the workbook in full when a sheet has no ``<dimension>`` (openpyxl's own files have none).

Vertically merged cells are filled down their column, into the rows below that hold values
of their own, and reported; a range wider than one column keeps its value in its first
column (copying a name into an address column would geocode the name).
"""

from __future__ import annotations

import bisect
import io
import pyexpat
import warnings
from typing import TYPE_CHECKING
from zipfile import BadZipFile

from app.services.imports.table import ImportFileError, RowCollector, Table
from app.services.imports.xlsx_archive import (
    MAX_PART_XML,
    MAX_SHEET_XML,
    MAX_STRINGS_XML,
    check_part,
    open_archive,
)
from app.services.imports.xlsx_scan import MergedRange, read_shared_strings, scan_sheet

if TYPE_CHECKING:
    from zipfile import ZipFile

    from openpyxl.packaging.manifest import Manifest

XLSX_MAGIC = b"PK\x03\x04"
MANIFEST = "[Content_Types].xml"
STYLES = "xl/styles.xml"


def read_xlsx(data: bytes, filename: str, sheet: str | None, rows: RowCollector) -> Table:
    """The rows of ``sheet`` (default: the first), fed to ``rows`` until it has enough."""
    from xml.etree.ElementTree import ParseError

    from defusedxml.common import DefusedXmlException

    archive = open_archive(data, filename)
    try:
        name, target, strings, book = _open_sheet(archive, data, filename, sheet)
        with archive.open(target) as source:
            scan = scan_sheet(source, filename, name)
        _read_rows(archive, target, strings, book, rows)
    except DefusedXmlException:
        raise ImportFileError(
            f"{filename} declares an XML document type or entities, which no workbook needs"
        ) from None
    except (pyexpat.ExpatError, ParseError, BadZipFile) as exc:
        raise ImportFileError(f"{filename} is not a readable XLSX workbook ({exc})") from None
    _fill_merged(rows, scan.merged, name)
    return rows.table()


def _open_sheet(archive: ZipFile, data: bytes, filename: str, sheet: str | None) -> tuple:
    """The sheet's name and part, the shared strings, and the workbook openpyxl read (for
    its date system and date styles); every part is size-checked before it is parsed."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet

    for info in archive.infolist():
        if info.filename in (MANIFEST, STYLES) or info.filename.endswith(".rels"):
            check_part(archive, info.filename, MAX_PART_XML, filename)
    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    reader.read_manifest()
    _check_declared_parts(archive, reader.package, filename)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl's, about parts it then leaves out
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)
        sheets = {s.name: rel.target for s, rel in reader.parser.find_sheets()
                  if "worksheet" in rel.Type}  # fmt: skip
    name = sheet or next(iter(sheets), None)
    if name not in sheets:
        shown = ", ".join(sheets)[:200]
        raise ImportFileError(f"{filename} has no sheet {name!r}; sheets: {shown}")
    check_part(archive, sheets[name], MAX_SHEET_XML, filename)
    return name, sheets[name], _shared_strings(archive, reader.package, filename), reader.wb


def _check_declared_parts(archive: ZipFile, manifest: Manifest, filename: str) -> None:
    """Size-check every part the manifest declares, each by what reading it costs."""
    from openpyxl.xml.constants import SHARED_STRINGS

    for part in manifest.Override:
        limit = MAX_STRINGS_XML if part.ContentType == SHARED_STRINGS else MAX_PART_XML
        limit = MAX_SHEET_XML if "worksheet" in part.ContentType else limit
        check_part(archive, part.PartName.lstrip("/"), limit, filename)


def _shared_strings(archive: ZipFile, manifest: Manifest, filename: str) -> list[str]:
    """The workbook's shared strings (none when it has no such part)."""
    from openpyxl.xml.constants import SHARED_STRINGS

    strings_part = manifest.find(SHARED_STRINGS)
    if strings_part is None:
        return []
    with archive.open(strings_part.PartName.lstrip("/")) as source:
        return read_shared_strings(source, filename)


def _read_rows(archive: ZipFile, target: str, strings: list[str], book, rows: RowCollector):
    """Stream the sheet's values with openpyxl's read-only parser into ``rows``."""
    from openpyxl.worksheet._reader import WorkSheetParser

    with archive.open(target) as source, warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a date out of range: openpyxl makes it #VALUE!
        parser = WorkSheetParser(
            source,
            strings,
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,
            timedelta_formats=book._timedelta_formats,
        )
        for number, cells in parser.parse():
            texts = [""] * max((cell["column"] for cell in cells), default=0)
            for cell in cells:
                texts[cell["column"] - 1] = _cell_text(cell["value"])
            if not rows.add(number, texts):
                break


def _fill_merged(rows: RowCollector, merged: list[MergedRange], name: str) -> None:
    """Fill each single-column merged range down the rows read that hold other values."""
    numbers = [number for number, _ in rows.rows]
    by_number = dict(rows.rows)
    filled_to: dict[int, int] = {}
    for merge in sorted(merged, key=lambda m: (m.min_col, m.min_row)):
        if merge.min_col != merge.max_col:
            kept = f"sheet {name}: merged cells {merge.coord} kept in the first column"
            rows.notices.append(kept)
            continue
        if merge.min_row <= filled_to.get(merge.min_col, 0):
            raise ImportFileError(f"sheet {name}: merged cells {merge.coord} overlap another range")
        filled_to[merge.min_col] = merge.max_row
        top = by_number.get(merge.min_row)
        value = top[merge.min_col - 1] if top and len(top) >= merge.min_col else ""
        rows.notices.append(f"sheet {name}: merged cells {merge.coord} filled with {value!r}")
        start = bisect.bisect_right(numbers, merge.min_row)
        for number in numbers[start : bisect.bisect_right(numbers, merge.max_row)]:
            row = by_number[number]
            row.extend([""] * (merge.min_col - len(row)))
            row[merge.min_col - 1] = value


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # phone numbers typed as numbers
    return str(value)
