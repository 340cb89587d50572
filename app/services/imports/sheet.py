"""What every reader produces: a table of text, or a file error for the person who made it."""

from __future__ import annotations

from dataclasses import dataclass, field


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
