"""Parsing Shanghai addresses against the real gazetteer."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.geo.address import parse_address
from app.geo.gazetteer_index import GazetteerIndex
from app.storage.port import Store
from tests.geo.fake_providers import read_dev_rows


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


def test_a_committees_name_anywhere_gives_its_street(index):
    parsed = parse_address("普善路铁路新村18号", index, "静安区")
    assert [s.name for s in parsed.streets] == ["天目西路街道"]
    assert [c.name for c in parsed.street_from] == ["铁路新村居委会"]
    assert parsed.committees == ()  # the text did not name the committee itself


def test_a_committees_name_counts_in_its_own_district_only(index):
    jingan, pudong = index.district("静安区"), index.district("浦东新区")
    assert [u.name for u in index.find_committee_cores("普善路铁路新村18号", jingan.id)] == [
        "铁路新村居委会"
    ]
    assert index.find_committee_cores("普善路铁路新村18号", pudong.id) == []
    parsed = parse_address("普善路铁路新村18号", index, "浦东新区")
    assert parsed.streets == () and parsed.street_from == ()


def test_a_committees_name_starting_a_road_or_a_number_is_not_found(index):
    pudong = index.district("浦东新区")
    assert index.find_committee_cores("张家浜路37弄", pudong.id) == []  # 张家浜居委会
    parsed = parse_address("张家浜路37弄", index, "浦东新区")
    assert parsed.streets == () and parsed.road == "张家浜路"
    jingan = index.district("静安区")  # 共康四村第一居委会 is 共康4村1, not 共康4村12号's start
    assert "共康四村第一居委会" not in {
        u.name for u in index.find_committee_cores("共康四村12号", jingan.id)
    }


def test_committees_of_one_name_under_two_streets_give_no_street(index):
    pudong = index.district("浦东新区")
    found = index.find_committee_cores("川沙路8号太平村", pudong.id)
    assert len({u.parent_id for u in found}) == 2  # 太平村 of 川沙新镇 and of 康桥镇
    parsed = parse_address("川沙路8号太平村", index, "浦东新区")
    assert parsed.streets == () and parsed.street_from == ()


def test_a_committees_name_anywhere_names_the_right_street_on_dev(index, eval_dir: Path):
    fired = right = 0
    for row in read_dev_rows(eval_dir):
        parsed = parse_address(row.address, index, row.district)
        if parsed.street_from:
            fired += 1
            right += parsed.streets[0].name == row.street  # as the bench compares
    assert fired >= 15
    assert right / fired >= 0.85
