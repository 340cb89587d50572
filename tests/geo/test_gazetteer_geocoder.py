"""The offline geocoder: the finest unit it can justify, never finer than resolved."""

from __future__ import annotations

from pathlib import Path

from app.domain.enums import Precision
from app.geo.boundaries import read_boundaries
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import GeocodeQuery, Outcome
from app.geo.geocoders.gazetteer import GazetteerGeocoder
from app.services.relocation import apply_plan, plan_relocation
from app.storage.port import Store


def geocoder(store: Store) -> GazetteerGeocoder:
    return GazetteerGeocoder(GazetteerIndex.from_store(store))


def test_a_district_only_address_is_district_precision(seeded_store: Store):
    result = geocoder(seeded_store).geocode(GeocodeQuery("浦电路221号", "浦东新区"))
    assert result.found and result.precision is Precision.district
    assert result.district == "浦东新区" and result.street is None
    assert 0 < result.confidence <= 0.4


def test_a_committee_is_no_finer_than_its_units_location(seeded_store: Store, eval_dir: Path):
    query = GeocodeQuery("塘口村", "闵行区")
    before = geocoder(seeded_store).geocode(query)
    assert (before.committee, before.street) == ("塘口村村委会", "浦锦街道")
    assert before.precision is Precision.district  # the committee sits at its district point
    outlines = read_boundaries(eval_dir / "streets_2018.geojson", "street", "district")
    apply_plan(seeded_store, plan_relocation(seeded_store, outlines))
    after = geocoder(seeded_store).geocode(query)
    assert after.precision is Precision.street and after.confidence == before.confidence
    assert (after.lon, after.lat) != (before.lon, before.lat)


def test_ambiguous_committees_fall_back_to_their_parent_with_candidates(seeded_store: Store):
    index = GazetteerIndex.from_store(seeded_store)
    by_name: dict[str, list] = {}
    for unit in seeded_store.find_units(level="committee"):
        by_name.setdefault(unit.name, []).append(unit)
    name, units = next(
        (name, units)
        for name, units in by_name.items()
        if len({u.parent_id for u in units}) > 1 and len({u.district_id for u in units}) == 1
    )
    district = index.units[units[0].district_id]
    result = GazetteerGeocoder(index).geocode(GeocodeQuery(name, district.name))
    assert result.found and result.committee is None and result.street is None
    assert result.district == district.name and result.precision is Precision.district
    assert {c.name for c in result.candidates} == {name}
    assert len(result.candidates) == len(units)


def test_a_street_named_after_a_road_is_only_a_hint(seeded_store: Store):
    result = geocoder(seeded_store).geocode(GeocodeQuery("云南中路171号", "黄浦区"))
    assert result.precision is Precision.district and result.street is None
    assert [c.name for c in result.candidates] == ["南京东路街道"]
    assert result.notes == ("probably 南京东路街道: 云南中路居委会 is named after 云南中路",)


def test_a_name_in_several_districts_is_ambiguous_with_its_candidates(seeded_store: Store):
    by_name: dict[str, set] = {}
    for unit in seeded_store.find_units(level="committee"):
        if unit.name.endswith("村委会"):
            by_name.setdefault(unit.name, set()).add(unit.district_id)
    name = next(n for n, districts in by_name.items() if len(districts) > 1)
    result = geocoder(seeded_store).geocode(GeocodeQuery(name.removesuffix("村委会")))
    assert result.outcome is Outcome.ambiguous and result.notes == ("named in several districts",)
    assert len({c.district for c in result.candidates}) > 1


def test_an_unknown_district_is_said(seeded_store: Store):
    result = geocoder(seeded_store).geocode(GeocodeQuery("浦电路221号", "火星区"))
    assert result.outcome is Outcome.not_found
    assert result.notes[0] == "unknown district '火星区'"


def test_conflicts_lower_confidence(seeded_store: Store):
    plain = geocoder(seeded_store).geocode(GeocodeQuery("张江镇", "浦东新区"))
    conflicting = geocoder(seeded_store).geocode(GeocodeQuery("徐汇区张江镇", "浦东新区"))
    assert plain.street == conflicting.street == "张江镇"
    assert conflicting.confidence < plain.confidence and conflicting.notes


def test_text_with_no_unit_is_not_found(seeded_store: Store):
    result = geocoder(seeded_store).geocode(GeocodeQuery("某某路1号"))
    assert result.outcome is Outcome.not_found and result.lon is None


def test_a_street_written_alone_is_found_at_street_level(seeded_store: Store):
    result = geocoder(seeded_store).geocode(GeocodeQuery("徐家汇"))
    assert result.found and (result.district, result.street) == ("徐汇区", "徐家汇街道")
    assert result.raw_level == "street" and result.committee is None


def test_a_committee_written_alone_is_found(seeded_store: Store):
    result = geocoder(seeded_store).geocode(GeocodeQuery("东三里桥"))
    assert result.found and result.committee == "东三里桥居委会"
    assert result.district == "浦东新区"


def test_a_road_named_like_a_street_is_still_a_road(seeded_store: Store):
    result = geocoder(seeded_store).geocode(GeocodeQuery("徐家汇路10号"))
    assert result.outcome is Outcome.ambiguous and result.street is None  # only offered
    assert result.notes == ("no district named: 徐家汇路 is known in 1 district(s)",)


def test_a_road_without_a_district_offers_the_districts_it_is_known_in(seeded_store: Store):
    named = geocoder(seeded_store).geocode(GeocodeQuery("云南中路171号"))
    assert named.outcome is Outcome.ambiguous and named.lon is None
    assert [(c.name, c.district) for c in named.candidates] == [("南京东路街道", "黄浦区")]
    similar = geocoder(seeded_store).geocode(GeocodeQuery("金桥路100号"))  # 金桥镇
    assert similar.candidates[0].name == "浦东新区"
    unknown = geocoder(seeded_store).geocode(GeocodeQuery("浦电路221号"))
    assert unknown.outcome is Outcome.not_found and unknown.candidates == ()
    assert "浦电路 is not among the roads we know" in unknown.notes[0]


def test_latin_text_is_said_to_be_not_understood(seeded_store: Store):
    result = geocoder(seeded_store).geocode(GeocodeQuery("Pudian Road 221"))
    assert result.outcome is Outcome.not_found
    assert result.notes[0].startswith("not understood") and "Chinese" in result.notes[0]


def test_a_street_from_a_committees_name_says_so_and_is_less_sure(seeded_store: Store):
    loose = geocoder(seeded_store).geocode(GeocodeQuery("普善路铁路新村18号", "静安区"))
    stated = geocoder(seeded_store).geocode(GeocodeQuery("天目西路街道普善路18号", "静安区"))
    assert loose.street == stated.street == "天目西路街道" and loose.committee is None
    assert loose.notes == (
        "street of 铁路新村居委会: its name without 居委会/村委会 is in the address",
    )
    assert loose.precision is stated.precision and loose.confidence < stated.confidence
