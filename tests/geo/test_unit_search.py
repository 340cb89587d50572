"""Units by short form and prefix, with the work per query bounded."""

from __future__ import annotations

from app.domain.enums import Level, Precision
from app.domain.records import AdminUnit
from app.geo.unit_search import MAX_SCANNED, SortedKeys, UnitSearch, short_form


def unit(unit_id: int, name: str, level: Level = Level.committee, parent_id: int = 1) -> AdminUnit:
    return AdminUnit(
        unit_id, f"{unit_id:012d}", level, name, "residents", parent_id, 1, 121.5, 31.2,
        Precision.district, None,
    )  # fmt: skip


def test_short_forms_leave_out_one_suffix():
    assert short_form("东三里桥居委会") == "东三里桥"
    assert short_form("塘桥街道") == "塘桥"
    assert short_form("徐汇区") == "徐汇"
    assert short_form("金山") == "金山"  # not 金 + 山
    assert short_form("塘口村村委会") == "塘口村"


def test_a_one_letter_query_examines_a_bounded_number_of_names():
    units = {i: unit(i, f"新村{i}居委会") for i in range(1, 20_001)}
    search = UnitSearch(units, {})
    keys = SortedKeys((f"新村{i}", i) for i in units)
    assert len(list(keys.beginning("新"))) == MAX_SCANNED
    assert 0 < len(search.find("新", limit=1000)) <= MAX_SCANNED
    exact = search.find("新村19999")  # exact short forms are found whatever the bound
    assert exact[0].name == "新村19999居委会"


def test_exact_short_forms_come_first_then_coarser_levels():
    units = {
        1: unit(1, "塘桥新村居委会"),
        2: unit(2, "塘桥居委会"),
        3: unit(3, "塘桥街道", Level.street),
    }
    search = UnitSearch(units, {"塘": 1})
    assert [u.id for u in search.find("塘桥")] == [3, 2, 1]
    assert [u.id for u in search.find("塘桥", level=Level.committee)] == [2, 1]
    assert [u.id for u in search.find("塘桥", limit=1, offset=1)] == [2]
    assert [u.id for u in search.find("塘")] == [1, 3, 2]  # the alias is exact
    assert search.find("") == [] and search.find("松江") == []
    assert [u.id for u in search.find("塘桥新村")] == [1]
    assert [u.id for u in search.find("塘桥镇")] == [3, 2]  # a suffix typed: no beginnings


def test_filters_apply_before_the_bound_on_beginnings():
    """Review finding: the first 500 keys beginning with 新 were all 新村… committees of
    another street, so 新桥 under street 2 (and the street 新泾镇) were never found."""
    units = {i: unit(i, f"新村{i}居委会") for i in range(10, 2_010)}
    units[2] = unit(2, "某街道", Level.street)
    units[3] = unit(3, "新桥居委会", parent_id=2)
    units[4] = unit(4, "新泾镇", Level.street)
    search = UnitSearch(units, {})
    assert [u.id for u in search.find("新", parent_id=2)] == [3]
    assert [u.id for u in search.find("新", level=Level.street)] == [4]
    assert [u.id for u in search.find("新", level=Level.committee, parent_id=2)] == [3]
    assert search.find("新", parent_id=999_999) == []
    assert len(search.find("新", limit=1000)) <= MAX_SCANNED + 1
