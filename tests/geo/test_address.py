"""Parsing Shanghai addresses against the real gazetteer."""

from __future__ import annotations

import pytest

from app.geo.address import parse_address
from app.geo.gazetteer_index import GazetteerIndex
from app.storage.port import Store


@pytest.fixture
def index(seeded_store: Store) -> GazetteerIndex:
    return GazetteerIndex.from_store(seeded_store)


@pytest.mark.parametrize(
    ("text", "column", "district", "road", "lane", "number"),
    [
        ("上海市浦东新区浦电路221号", None, "浦东新区", "浦电路", None, "221"),
        ("浦电路221号", "浦东新区", "浦东新区", "浦电路", None, "221"),
        ("闸北区共和新路100号", None, "静安区", "共和新路", None, "100"),
        ("卢湾区淡水路225弄", None, "黄浦区", "淡水路", "225", None),
        ("南汇区人民西路1955号", None, "浦东新区", "人民西路", None, "1955"),
        ("崇明县城桥镇八一路1号", None, "崇明区", "八一路", None, "1"),
        ("浦东 张东路２２８１弄", None, "浦东新区", "张东路", "2281", None),
        ("徐汇　陕西南路548弄", None, "徐汇区", "陕西南路", "548", None),
        ("陆家浜路804弄5号", "黄浦区", "黄浦区", "陆家浜路", "804", "5"),
        ("浦东大道580号", None, None, "浦东大道", None, "580"),
    ],
)
def test_districts_roads_lanes_and_numbers(index, text, column, district, road, lane, number):
    parsed = parse_address(text, index, column)
    assert (parsed.district.name if parsed.district else None) == district
    assert (parsed.road, parsed.lane, parsed.number) == (road, lane, number)
    assert parsed.conflict is None


def test_a_short_form_that_starts_a_road_name_is_not_a_district(index):
    parsed = parse_address("浦东大道580号", index, "浦东新区")
    assert parsed.district_from == "column" and parsed.road == "浦东大道"


def test_the_district_column_wins_and_a_conflict_is_reported(index):
    parsed = parse_address("浦东新区张江镇", index, "徐汇区")
    assert parsed.district.name == "徐汇区" and parsed.district_from == "column"
    assert parsed.conflict == "district column says 徐汇区, text says 浦东新区"
    assert parsed.streets == ()  # 张江镇 is not in 徐汇区


def test_an_unknown_district_column_is_reported(index):
    parsed = parse_address("浦电路221号", index, "火星区")
    assert parsed.district is None and parsed.conflict == "unknown district '火星区'"


def test_streets_committees_villages_and_hamlets(index):
    parsed = parse_address("叶榭镇八字桥村张家宅", index, "松江区")
    assert [s.name for s in parsed.streets] == ["叶榭镇"]
    assert [c.name for c in parsed.committees] == ["八字桥村村委会"]
    assert (parsed.village, parsed.hamlet) == ("八字桥村", "张家宅")


def test_a_street_written_without_its_suffix_variant(index):
    parsed = parse_address("友谊街道某路1号", index, "宝山区")
    assert [s.name for s in parsed.streets] == ["友谊路街道"]


def test_full_width_and_spaces_are_normalised(index):
    parsed = parse_address("　上海市　黄浦区  西仓桥街１１２弄 ", index)
    assert parsed.text == "黄浦区西仓桥街112弄"
    assert (parsed.district.name, parsed.road, parsed.lane) == ("黄浦区", "西仓桥街", "112")
