"""The learned-address part of the store on every backend: upserts by resource and by
taught address, forgetting, the rebuild's replacement, the version, the constraints."""

from __future__ import annotations

from dataclasses import replace

import pytest

from app.domain.enums import LearnedFrom, Level, Precision, SourceCrs
from app.domain.learned import LearnedPoint
from app.domain.records import SeedData, UnitRecord
from app.storage.errors import InvalidRecord
from app.storage.port import Store
from tests.storage.test_store_contract import SERVICES, _hospital

PUDONG = UnitRecord("310115000000", Level.district, "浦东新区", "区", None, 121.54, 31.22,
                    Precision.district)  # fmt: skip


@pytest.fixture
def district(store: Store) -> int:
    store.seed(SeedData(services=SERVICES, units=[PUDONG], aliases=[]), "test")
    return store.find_units(level=Level.district)[0].id


def _taught(district: int, address: str = "浦电路221号", **overrides) -> LearnedPoint:
    values = {"source": LearnedFrom.taught, "address": address, "district_id": district,
              "lon": 121.519, "lat": 31.2206, "road": "浦电路", "house_number": 221,
              "house_text": "221号", "origin": "list.csv"}  # fmt: skip
    return LearnedPoint(**values | overrides)


def test_a_point_round_trips_and_the_version_moves_on_every_write(store: Store, district: int):
    assert store.learned_version() is None
    assert list(store.iter_learned()) == []
    assert store.put_learned([_taught(district, source_crs=SourceCrs.bd09)]) == 0
    first = store.learned_version()
    assert first is not None
    [point] = store.iter_learned()
    assert point.id is not None and point.learned_at.tzinfo is not None
    assert replace(point, id=None, learned_at=None) == _taught(district, source_crs=SourceCrs.bd09)
    assert point.parity == 1
    assert store.put_learned([_taught(district, lon=121.52)]) == 1  # same address: replaced
    second = store.learned_version()
    assert second != first
    assert [p.lon for p in store.iter_learned()] == [121.52]
    assert store.forget_learned(origins=["list.csv"]) == 1
    assert store.learned_version() not in {first, second}
    assert list(store.iter_learned()) == []


def test_a_resource_has_one_point_whatever_its_address(store: Store, district: int):
    hospital = store.add_resource(_hospital(district_id=district))
    verified = _taught(district, source=LearnedFrom.verified, resource_id=hospital.id,
                       origin="resource")  # fmt: skip
    store.put_learned([verified, _taught(district)])  # a taught row at the same address
    moved = replace(verified, address="浦电路223号", house_number=223, lon=121.5201)
    assert store.put_learned([moved]) == 1
    points = list(store.iter_learned())
    assert [(p.resource_id, p.address) for p in points] == [
        (None, "浦电路221号"),
        (hospital.id, "浦电路223号"),
    ]
    other = store.add_resource(_hospital(ref="other", name="另一医院", district_id=district))
    store.put_learned([replace(verified, resource_id=other.id)])  # same address, other place
    assert len(list(store.iter_learned())) == 3
    assert store.forget_learned(resource_ids=[hospital.id, other.id]) == 2
    assert [p.source for p in store.iter_learned()] == [LearnedFrom.taught]


def test_replace_derived_swaps_every_resource_point_and_keeps_taught_ones(
    store: Store, district: int
):
    old = store.add_resource(_hospital(district_id=district))
    kept = store.add_resource(_hospital(ref="kept", name="另一医院", district_id=district))
    derived = _taught(district, source=LearnedFrom.sheet, origin="resource")
    store.put_learned([_taught(district, address="张东路2281弄"),
                       replace(derived, resource_id=old.id)])  # fmt: skip
    version = store.learned_version()
    assert store.replace_derived([replace(derived, resource_id=kept.id, lon=121.53)]) == 1
    points = list(store.iter_learned())
    assert [(p.resource_id, p.lon) for p in points] == [(None, 121.519), (kept.id, 121.53)]
    assert store.learned_version() != version
    assert store.replace_derived([]) == 0
    assert [p.resource_id for p in store.iter_learned()] == [None]


def test_many_points_are_read_back_in_id_order(store: Store, district: int):
    points = [_taught(district, address=f"浦电路{n}号", house_number=n) for n in range(2500)]
    store.put_learned(points)
    read = list(store.iter_learned())
    assert [p.house_number for p in read] == list(range(2500))
    assert [p.id for p in read] == sorted(p.id for p in read)
    assert store.put_learned(points[:1500]) == 1500


def test_the_table_refuses_a_bad_source_a_point_out_of_range_or_an_unknown_district(
    store: Store, district: int
):
    for bad in (
        _taught(district, source="guessed"),
        _taught(district, lon=200.0),
        _taught(district + 999),
    ):
        with pytest.raises(InvalidRecord):
            store.put_learned([_taught(district, address="张东路2281弄"), bad])
    assert list(store.iter_learned()) == []
    assert store.learned_version() is None
