"""What one import may cost: the shape a file may have, and each caller's budget.

The file limits describe the largest real volunteer sheet (100,000 rows of at most 200
columns) and are checked while a file is read, before anything grows with what the file
merely declares. The budgets decide how much of that a caller gets: a coordinator's import
plans every row with the configured geocoders; anyone else gets a check of the first rows,
offline, within a few seconds, and a summary answer.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_ROWS = 100_000
"""Data rows (features) in one file."""
MAX_COLUMNS = 200
"""Columns (GeoJSON properties, GeoPackage fields) in one file."""
MAX_CELLS = 3_000_000
"""Data rows times columns: a table this size holds ~150 MB of Python strings."""
MAX_LINE_CELLS = 2_000
"""Cells one CSV record may split into (a longer row is a bad row, a much longer one is no
sheet): bounded before the csv module builds the row."""
MAX_LINES = 1_000_000
"""Physical lines of a CSV file (blank ones included)."""
MAX_CELL_CHARS = 2_000
"""Characters of one cell: a longer one makes its row bad, and only this much of it is
kept while the file is read (one 30,000-character shared string referenced by 100,000
cells would otherwise be 100,000 cleaned copies)."""
MAX_CHARS = 40_000_000
"""Characters of all kept cells together (~80-160 MB of Python strings)."""


@dataclass(frozen=True, slots=True)
class ReadLimits:
    """How much of a file a reader takes: past ``rows`` data rows (or ``cells``) it stops
    and marks the table truncated (``truncate``) or refuses the file."""

    rows: int = MAX_ROWS
    truncate: bool = False
    cells: int = MAX_CELLS
    """Data rows times their width, counted like rows."""
    chars: int = MAX_CHARS
    """Characters of the kept cells, counted like rows."""
    seconds: float | None = None
    """Reading stops after this long, counted like rows; None: no limit."""


@dataclass(frozen=True, slots=True)
class ImportBudget:
    """What a caller's import may spend."""

    read: ReadLimits
    seconds: float | None
    """Planning stops after this long (the plan says it is truncated); None: no limit."""
    summary: bool
    """Answer with counts and at most ``SUMMARY_ROWS`` bad rows instead of every row."""
    online: bool
    """May ask online geocoders (spending a provider's quota)."""


SUMMARY_ROWS = 100
FULL = ImportBudget(ReadLimits(), seconds=None, summary=False, online=True)
"""A coordinator's import (and the command line's): every row, the whole chain."""
PUBLIC = ImportBudget(
    ReadLimits(2_000, truncate=True, cells=100_000, chars=4_000_000, seconds=3.0),
    seconds=5.0,
    summary=True,
    online=False,
)
"""A dry run without a coordinator's token: the first 2,000 rows (100,000 cells, 4 million
characters) read within 3 s, 5 s of planning, the gazetteer only."""
SIGNED_IN = ImportBudget(ReadLimits(seconds=30.0), seconds=30.0, summary=True, online=False)
"""A status sheet checked or applied by a volunteer or verifier: every row (applying needs
them all) read within 30 s and planned within 30 s, and a summary answer. A team's city
sheet (540 hospitals × 5 services) plans in under a second, 2,000 × 9 in about 4 s."""
