"""The chain holder's learned index: rebuilt when the store's learned points change, and
not at all for a store that keeps none. A real seeded store."""

from __future__ import annotations

import pytest

from app.core.config import Settings
from app.domain.enums import LearnedFrom, Precision
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
    if not hasattr(seeded_store, "put_learned"):
        assert holder.learned() is None
        assert [g.name for g in holder.get(online=False).geocoders] == ["gazetteer"]
        pytest.skip("the store keeps no learned points yet (issue 22's store part)")
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
