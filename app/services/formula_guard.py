"""Keeping spreadsheet formulas out of CSV cells, reversibly.

A CSV cell that starts with ``= + - @`` (or a tab or carriage return) is run as a formula
by Excel and WPS. The export writes such a cell with a leading apostrophe, as OWASP
advises, and the import takes it off again, so the value survives the round trip. A
value that itself starts with an apostrophe gets one more, so ``unguard`` is the exact
inverse of ``guard``.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
GUARDED_STARTS = (*FORMULA_STARTS, "'")


def guard(text: str) -> str:
    """The text as a CSV cell that no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(GUARDED_STARTS) else text


def is_formula(cell: str) -> bool:
    """Whether a spreadsheet runs the cell (as ``unguard`` left it) as a formula."""
    return cell.startswith(FORMULA_STARTS)


def unguard(cell: str) -> str:
    """The value a guarded cell stands for; other cells as they are."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(GUARDED_STARTS) else cell
