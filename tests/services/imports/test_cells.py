"""Cells an export writes for the import to read back: the precision column."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.domain.enums import Precision
from app.geo.geocoders.registry import build_chain
from app.services.imports.cells import CellError, parse_precision
from app.services.imports.plan import plan_import
from app.services.imports.read import read_table
from app.storage.port import Store


@pytest.mark.parametrize(
    ("cell", "precision"),
    [("", Precision.exact), ("approximate", Precision.approximate),
     (" District ", Precision.district), ("大致", Precision.approximate),
     ("居委会", Precision.committee), ("街道", Precision.street)],
)  # fmt: skip
def test_precision_cells(cell: str, precision: Precision):
    assert parse_precision(cell) is precision


def test_an_unknown_precision_names_the_known_ones():
    with pytest.raises(CellError, match="unknown precision '很准' \\(use exact, approximate, "):
        parse_precision("很准")


def test_coordinates_take_the_precision_their_row_states(seeded_store: Store, settings: Settings):
    text = (
        "名称,区,经度,纬度,精度\n甲医院,黄浦区,121.48,31.23,approximate\n"
        "乙医院,黄浦区,121.49,31.23,\n丙医院,黄浦区,121.47,31.23,很准\n丁医院,黄浦区,,,exact\n"
    )
    chain = build_chain(settings, seeded_store)
    rows = plan_import(seeded_store, chain, read_table(text.encode(), "x.csv"), "hospitals", "x")
    assert [row.precision for row in rows.rows[:2]] == [Precision.approximate, Precision.exact]
    assert rows.rows[2].reason.startswith("unknown precision '很准'")
    assert rows.rows[3].located_by == "gazetteer"  # no coordinates: the column says nothing
