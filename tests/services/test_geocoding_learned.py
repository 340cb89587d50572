"""The chain holder's learned index: rebuilt when the store's learned points change, after
learning, once, the resources of a store from before addresses were learned. A real
seeded store."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.domain.enums import LearnedFrom, Precision, SourceCrs, WriteSource
from app.domain.learned import LearnedPoint
from app.geo.geocoders.base import GeocodeQuery
from app.services import geocoding
from app.services.geocoding import ChainHolder
from app.storage.port import Store

QUERY = GeocodeQuery("浦电路221号", "浦东新区")


def test_the_index_follows_the_learned_points(
    seeded_settings: Settings, seeded_store: Store, monkeypatch: pytest.MonkeyPatch
):
    holder = ChainHolder(seeded_settings, seeded_store)
    monkeypatch.setattr(geocoding, "LEARNED_REFRESH_S", 0.0)
    assert holder.get(online=False).geocode(QUERY).provider == "gazetteer"
    [pudong] = seeded_store.find_units(name="浦东新区")
    point = LearnedPoint(
        LearnedFrom.verified, "浦电路221号", pudong.id, 121.5194, 31.2206,
        road="浦电路", house_number=221, house_text="221号",
    )  # fmt: skip
    seeded_store.put_learned([point])
    answer = holder.get(online=False).geocode(QUERY)
    assert (answer.provider, answer.precision) == ("learned", Precision.exact)
    assert holder.learned() is holder.learned()  # not rebuilt while nothing changed


def test_a_store_from_before_learning_learns_its_resources_once(
    seeded_settings: Settings, seeded_store: Store
):
    """A hospital placed before addresses were learned, and another point learned since
    (which sets the learned version): the first index still learns the hospital."""
    hospital = next(
        r for r in seeded_store.iter_resources(kind="hospital") if r.address and "号" in r.address
    )
    placed = seeded_store.place_resource(
        hospital.id, hospital.version, hospital.lon, hospital.lat, SourceCrs.wgs84, "王核实",
        WriteSource.api,
    )  # fmt: skip  # the store's own write: nothing learned
    [pudong] = seeded_store.find_units(name="浦东新区")
    seeded_store.put_learned([LearnedPoint(LearnedFrom.taught, "浦电路221号", pudong.id, 121.5194,
                                           31.2206, road="浦电路", house_number=221)])  # fmt: skip
    assert not seeded_store.resources_learned()
    ChainHolder(seeded_settings, seeded_store).learned()
    learned = {p.resource_id: p for p in seeded_store.iter_learned()}
    assert learned[placed.id].source == LearnedFrom.verified
    assert None in learned  # the taught point stays
    assert seeded_store.resources_learned()
