"""Online geocoding limits that hold for every process at once, on every backend: a
provider's pace (its per-second limit is per key, not per worker) and each client's
allowance of provider calls. Each process is a store of its own on the same database."""

from __future__ import annotations

import time
from collections.abc import Iterator
from functools import partial

import pytest

from app.core.config import Settings
from app.geo.geocoders.gate import Pace, ProviderGate
from app.geo.geocoders.registry import build_chain
from app.services.public_geocoding import PublicGeocoder
from app.services.shared_limits import StorePace
from app.storage import open_store
from app.storage.port import Store


@pytest.fixture
def two_processes(store_settings: Settings) -> Iterator[tuple[Store, Store]]:
    """Two stores on one database, as two workers (or replicas) hold them."""
    stores = open_store(store_settings), open_store(store_settings)
    yield stores
    for store in stores:
        store.close()


def test_a_providers_pace_is_shared_by_every_process(two_processes):
    first, second = (ProviderGate(Pace(3), shared=StorePace(s, "amap")) for s in two_processes)
    assert [first.admit() for _ in range(2)] == [None, None]
    assert second.admit() is None  # the third slot of this second
    refused = second.admit()  # its own process has sent only one
    assert refused is not None and refused.kind == "paced"
    assert "every process" in refused.note
    assert first.admit() is not None
    started = time.monotonic()
    assert second.admit(wait_s=3.0) is None  # an import waits for the next shared slot
    assert 0.5 < time.monotonic() - started < 2.0


def test_each_provider_has_its_own_shared_slots(two_processes):
    first, second = two_processes
    amap = ProviderGate(Pace(1), shared=StorePace(first, "amap"))
    nominatim = ProviderGate(Pace(1), shared=StorePace(second, "nominatim"))
    assert amap.admit() is None
    assert nominatim.admit() is None


def test_a_clients_allowance_of_provider_calls_is_counted_once_for_all(
    two_processes, store_settings: Settings
):
    calls = Settings(**store_settings.model_dump() | {"geocode_client_calls": 2})
    publics = [PublicGeocoder(partial(build_chain, calls, s), calls, s) for s in two_processes]
    allowances = [public.allowance("203.0.113.7") for public in publics]
    allowances[0].spend()
    assert allowances[1].refusal() is None
    allowances[1].spend()
    assert allowances[0].refusal().kind == "allowance"
    assert allowances[1].refusal().kind == "allowance"
    assert publics[1].allowance("203.0.113.8").refusal() is None
