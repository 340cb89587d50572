"""Reading an uploaded file (CSV, XLSX, GeoJSON or GeoPackage) into a table of clean text.

Every reader streams and checks the file's limits (``limits``) as it goes, before anything
grows with what the file merely declares, and stops at its row limit. Whole-file problems
raise ``ImportFileError`` with a message meant for the person who made the file; so does
any other error a parser raises on a crafted file (never a 500). Every cell goes through
``clean_text``, so direction overrides and invisible characters never reach a plan. A
merged title row above the header is skipped; rows keep the number the spreadsheet shows
(the header is row 1 when it is the first line).
"""

from __future__ import annotations

import logging
import time

from app.core.text import clean_text
from app.services.imports.csv_table import read_csv
from app.services.imports.geo_table import is_geo_file, read_geo_table
from app.services.imports.limits import FULL, MAX_CELL_CHARS, MAX_COLUMNS, ReadLimits
from app.services.imports.sheet import ImportFileError, Table
from app.services.imports.xlsx_table import XLSX_MAGIC, read_xlsx

__all__ = ["ImportFileError", "RowCollector", "Table", "read_table"]

MAX_HEADER_CHARS = 200
MAX_NOTICES = 50
log = logging.getLogger("aidmap.imports")


def read_table(
    data: bytes, filename: str, sheet: str | None = None, limits: ReadLimits = FULL.read
) -> Table:
    """The header row and the data rows below it (blank rows dropped)."""
    if not data or data.isspace():
        raise ImportFileError(f"{filename} is empty")
    if is_geo_file(data, filename):
        kind, reader = "GeoJSON or GeoPackage", read_geo_table
    elif data.startswith(XLSX_MAGIC) or filename.lower().endswith(".xlsx"):
        kind, reader = "XLSX", read_xlsx
    else:
        kind, reader = "CSV", read_csv
    try:
        return reader(data, filename, sheet, RowCollector(filename, limits))
    except (ImportFileError, MemoryError):
        raise
    except RecursionError:
        raise ImportFileError(f"{filename} nests its values too deeply") from None
    except Exception as exc:  # a parser's error on a crafted file: the file is bad, not us
        log.warning("unreadable %s upload: %s", kind, type(exc).__name__)
        raise ImportFileError(
            f"{filename} is not a readable {kind} file ({type(exc).__name__})"
        ) from None


def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell)


class RowCollector:
    """Takes a reader's rows one at a time: cleans them, drops blank ones, finds the header
    (after any title rows) and counts data rows, cells, characters and time against the
    limits. A cell over ``MAX_CELL_CHARS`` is cut to that length before it is cleaned (its
    row is reported bad with the cell's true length), so what one row costs is bounded
    whatever a shared string or a GeoJSON property holds."""

    def __init__(self, filename: str, limits: ReadLimits, headers: list[str] | None = None) -> None:
        self.filename, self.limits = filename, limits
        self.rows: list[tuple[int, list[str]]] = []
        self.header_fixed = headers is not None
        if headers is not None:
            self.rows.append((0, headers))
        self.notices: list[str] = []
        self.cells = self.chars = 0
        self.oversized: dict[int, tuple[int, int]] = {}
        self.truncated = False
        self.deadline = None if limits.seconds is None else time.monotonic() + limits.seconds

    def fix_header(self, headers: list[str]) -> None:
        """Take ``headers`` as the header (a GeoJSON file's property names)."""
        self.rows, self.header_fixed, self.cells = [(0, headers)], True, 0

    def add(self, number: int, cells: list[str]) -> bool:
        """Take one row; False once the reader should stop (a limit is reached)."""
        row: list[str] = []
        cut = None  # the first oversized cell: (column index, length)
        for index, cell in enumerate(cells):
            if len(cell) > MAX_CELL_CHARS:
                cut, cell = cut or (index, len(cell)), cell[:MAX_CELL_CHARS]
            row.append(clean_text(cell, multiline=True) if cell else "")
        if not any(row):
            return True
        if cut is not None:  # read by the planner for data rows only
            self.oversized[number] = cut
        if not self.header_fixed:
            self.rows.append((number, row))
            self._find_header()
            return True
        chars = sum(map(len, row))
        over = self._over_limit(len(row), chars)
        if over is not None:
            self.oversized.pop(number, None)
            if self.limits.truncate:
                self.truncated = True
                return False
            raise ImportFileError(over)
        self.cells += len(row)
        self.chars += chars
        self.rows.append((number, row))
        return True

    def _over_limit(self, cells: int, chars: int) -> str | None:
        """Why the row of ``cells`` and ``chars`` cannot be taken, or None."""
        if len(self.rows) > self.limits.rows:
            return f"{self.filename} has more than {self.limits.rows:,} rows, the limit"
        if self.cells + cells > self.limits.cells:
            return f"{self.filename} has more than {self.limits.cells:,} cells, the limit"
        if self.chars + chars > self.limits.chars:
            return f"{self.filename} holds more than {self.limits.chars:,} characters, the limit"
        checked = self.deadline is not None and len(self.rows) % 64 == 0  # the clock, now and then
        if checked and time.monotonic() > self.deadline:
            return f"{self.filename} took over {self.limits.seconds:g} s to read"
        return None

    def _find_header(self) -> None:
        """Skip title rows (one filled cell above a fuller row); the header is the first
        row that is not one."""
        while len(self.rows) > 1 and _filled(self.rows[0][1]) == 1 and _filled(self.rows[1][1]) > 1:
            number, title = self.rows.pop(0)
            text = next(cell for cell in title if cell)
            self.notices.append(f"row {number} skipped as a title: {text[:50]!r}")
        if len(self.rows) > 1:
            self.header_fixed = True
            self.cells, self.chars = len(self.rows[1][1]), sum(map(len, self.rows[1][1]))

    def table(self) -> Table:
        """The rows taken, as a table padded to the header's width."""
        if not self.rows:
            raise ImportFileError(f"{self.filename} has no rows")
        (_, headers), *rows = self.rows
        headers = [clean_text(header) for header in headers]
        if len(headers) > MAX_COLUMNS:
            raise ImportFileError(
                f"{self.filename} has {len(headers):,} columns; the limit is {MAX_COLUMNS}"
            )
        for position, header in enumerate(headers, start=1):
            if len(header) > MAX_HEADER_CHARS:
                raise ImportFileError(
                    f"{self.filename}: header {position} is {len(header):,} characters long; "
                    "is the first row really the header?"
                )
        if not rows:
            raise ImportFileError(f"{self.filename} has a header but no data rows")
        width = len(headers)
        rows = [(n, row + [""] * (width - len(row))) for n, row in rows]
        notices = self.notices[:MAX_NOTICES]
        if len(self.notices) > MAX_NOTICES:
            notices.append(f"… and {len(self.notices) - MAX_NOTICES:,} more notices")
        return Table(headers, rows, notices, self.truncated, self.oversized)
