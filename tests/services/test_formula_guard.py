"""Guarding CSV cells against formulas: exactly reversible, and the import reverses it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.services.formula_guard import FORMULA_STARTS, guard, unguard
from app.services.imports.read import read_table


@given(st.text())
def test_unguard_reverses_guard_and_no_guarded_cell_starts_a_formula(text: str):
    assert unguard(guard(text)) == text
    assert not guard(text).startswith(FORMULA_STARTS)


def test_the_csv_import_reads_guarded_cells_as_their_values():
    text = "名称,备注,=列\n'=1+1,'+86,'普通\n''@x,'-,'\n"
    table = read_table(text.encode(), "x.csv")
    assert table.headers == ["名称", "备注", "=列"]
    assert table.rows == [(2, ["=1+1", "+86", "'普通"]), (3, ["'@x", "-", "'"])]


def test_quotes_doubled_inside_a_cell_with_a_comma_are_read_as_excel_writes_them():
    """The csv sniffer misses "" when the cell also holds a comma; the import does not."""
    text = 'ref,名称\r\n"","=HYPERLINK(""http://x"",""点我"")"\r\n'
    assert read_table(text.encode(), "x.csv").rows == [(2, ["", '=HYPERLINK("http://x","点我")'])]
