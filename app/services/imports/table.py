"""What every reader produces, and how: a table of clean text built row by row within the
read limits, or a file error for the person who made the file."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from app.core.text import clean_text
from app.services.imports.limits import MAX_CELL_CHARS, MAX_COLUMNS, ReadLimits

MAX_HEADER_CHARS = 200
MAX_NOTICES = 50


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is safe to show."""


@dataclass(slots=True)
class Table:
    """A header and data rows; each row keeps its row number in the source file.

    A data row may be longer than the header when a CSV line has unquoted commas; the
    planner reports such rows. ``truncated``: the reader stopped at its row limit, so
    rows past the last one here were not read. ``oversized``: rows with a cell over
    ``MAX_CELL_CHARS`` (kept cut to it), by row number: (column index, its length).
    """

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    notices: list[str] = field(default_factory=list)
    truncated: bool = False
    oversized: dict[int, tuple[int, int]] = field(default_factory=dict)


class RowCollector:
    """Takes a reader's rows one at a time: cleans them, drops blank ones, finds the header
    (after any title rows) and counts data rows, cells, characters and time against the
    limits. A cell over ``MAX_CELL_CHARS`` is cut to that length before it is cleaned (its
    row is reported bad with the cell's true length), so what one row costs is bounded
    whatever a shared string or a GeoJSON property holds."""

    def __init__(self, filename: str, limits: ReadLimits) -> None:
        self.filename, self.limits = filename, limits
        self.rows: list[tuple[int, list[str]]] = []
        self.header_fixed = False
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
        row, cut = _cut_and_clean(cells)
        if not any(row):
            return True
        if cut is not None:  # read by the planner for data rows only
            self.oversized[number] = cut
        if not self.header_fixed:
            self.rows.append((number, row))
            self._find_header()
            return True
        return self._take(number, row)

    def _take(self, number: int, row: list[str]) -> bool:
        """Count a data row against the limits and keep it, or stop or refuse the file."""
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
        self._check_headers(headers)
        if not rows:
            raise ImportFileError(f"{self.filename} has a header but no data rows")
        width = len(headers)
        rows = [(n, row + [""] * (width - len(row))) for n, row in rows]
        notices = self.notices[:MAX_NOTICES]
        if len(self.notices) > MAX_NOTICES:
            notices.append(f"… and {len(self.notices) - MAX_NOTICES:,} more notices")
        return Table(headers, rows, notices, self.truncated, self.oversized)

    def _check_headers(self, headers: list[str]) -> None:
        """Refuse more columns than a sheet has, or a header no person wrote."""
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


def _cut_and_clean(cells: list[str]) -> tuple[list[str], tuple[int, int] | None]:
    """The cells cut to ``MAX_CELL_CHARS`` and cleaned, and the first cut one's (column
    index, true length) if any."""
    row: list[str] = []
    cut = None
    for index, cell in enumerate(cells):
        if len(cell) > MAX_CELL_CHARS:
            cut, cell = cut or (index, len(cell)), cell[:MAX_CELL_CHARS]
        row.append(clean_text(cell, multiline=True) if cell else "")
    return row, cut


def _filled(row: list[str]) -> int:
    return sum(1 for cell in row if cell)
