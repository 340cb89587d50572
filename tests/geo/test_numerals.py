"""Numbers in unit names compare however they are written: 临汾路1244弄, 临汾路一二四四弄 and
临汾路一千二百四十四弄 are one lane (issue 17)."""

from __future__ import annotations

import pytest

from app.domain.enums import Level, Precision
from app.domain.records import AdminUnit
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import GeocodeQuery
from app.geo.geocoders.gazetteer import GazetteerGeocoder
from app.geo.names import fold_numerals
from app.geo.unit_search import UnitSearch


@pytest.mark.parametrize(
    ("written", "folded"),
    [("临汾路一二四四弄居委会", "临汾路1244弄居委会"), ("临汾路一千二百四十四弄", "临汾路1244弄"),
     ("临汾路1244弄", "临汾路1244弄"), ("临汾路三八零弄", "临汾路380弄"),
     ("临汾路九十九弄", "临汾路99弄"), ("一千零五号", "1005号"), ("两百弄", "200弄"),
     ("梅陇十一村第一居委会", "梅陇11村1居委会"), ("联洋第七居委会", "联洋7居委会"),
     ("田林一、二村居委会", "田林1、2村居委会"), ("中一", "中1"),
     # names, not numbers: nothing counted follows them
     ("七宝镇", "七宝镇"), ("四川北路", "四川北路"), ("十六铺", "十六铺"), ("零陵路", "零陵路"),
     ("第一人民医院", "第一人民医院"), ("二三十弄", "二三十弄"), ("百村", "百村")],
)  # fmt: skip
def test_numbers_that_count_something_are_folded_into_digits(written: str, folded: str):
    assert fold_numerals(written) == folded


def unit(unit_id: int, name: str, level: Level, parent_id: int | None) -> AdminUnit:
    return AdminUnit(
        unit_id, f"{unit_id:012d}", level, name, "residents", parent_id, 1, 121.45, 31.27,
        Precision.district, None,
    )  # fmt: skip


UNITS = [
    unit(1, "静安区", Level.district, None),
    unit(2, "临汾路街道", Level.street, 1),
    unit(3, "临汾路一二四四弄居委会", Level.committee, 2),
    unit(4, "临汾路九十九弄居委会", Level.committee, 2),
    unit(5, "共和新路3500弄居委会", Level.committee, 2),  # a gazetteer that writes digits
]


@pytest.mark.parametrize(
    ("written", "found"),
    [("临汾路1244弄居委会", 3), ("临汾路一千二百四十四弄居委会", 3), ("临汾路1244弄居委", 3),
     ("临汾路99弄", 4), ("临汾路九九弄居委会", 4), ("共和新路三五零零弄居委会", 5),
     ("共和新路三千五百弄", 5)],
)  # fmt: skip
def test_committees_are_found_whichever_way_their_numbers_are_written(written: str, found: int):
    index = GazetteerIndex(UNITS, {})
    assert [u.id for u in index.committee_named(written, 1, 2)] == [found]
    assert [u.id for u in index.committee_named(written, 1, None)] == [found]
    assert [u.id for u in index.search.find(written, level=Level.committee)] == [found]
    in_text = [u.id for u, _ in index.find_committees(f"{written}3号", 1, None)]
    assert in_text == ([found] if "居委" in written else [])  # a lane alone is no committee


def test_the_unit_search_still_finds_beginnings_as_typed():
    search = UnitSearch({u.id: u for u in UNITS}, {})
    assert 3 in {u.id for u in search.find("临汾路一二")}
    assert 3 in {u.id for u in search.find("临汾路12")}
    assert {u.id for u in search.find("共和新路三")} == {5}


def test_an_address_naming_a_lane_committee_in_digits_is_located_to_it():
    result = GazetteerGeocoder(GazetteerIndex(UNITS, {})).geocode(
        GeocodeQuery("临汾路1244弄居委会", "静安区")
    )
    assert (result.committee, result.precision) == ("临汾路一二四四弄居委会", Precision.district)
