"""Nearest on PostGIS (KNN on the GiST index) answers exactly as the in-memory index does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from app.core.config import Settings
from app.domain.enums import Precision
from app.domain.records import NewResource, SeedData
from app.domain.statuses import State, StatusChange, StatusReport
from app.services.nearest import NearestFinder, NearestHit, NearestQuery
from app.storage import open_store
from app.storage.port import Store
from tests.storage.test_store_contract import SERVICES

OPEN = frozenset({State.open})


def fill(store: Store, rng: np.random.Generator, count: int) -> None:
    """The same random hospitals and statuses in any store (seeded the same way)."""
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    points = rng.uniform([121.3, 31.1], [121.6, 31.4], (count, 2)).round(3)  # rounding: ties
    points[::17] = points[1::17][: len(points[::17])]  # exact duplicates too
    added, _ = store.apply_resource_changes(
        [NewResource(kind="hospital", name=f"H{n}", lon=float(x), lat=float(y),
                     precision=Precision.approximate, services=("dialysis",))
         for n, (x, y) in enumerate(points)],
        [],
    )  # fmt: skip
    states = rng.choice([State.open, State.limited, State.closed], len(added))
    old = datetime.now(UTC) - timedelta(hours=20)
    changes = [
        StatusChange(r.id, "dialysis", StatusReport(s, "t", reported_at=old if n % 5 else None), 1)
        for n, (r, s) in enumerate(zip(added, states, strict=True))
        if n % 3
    ]
    store.set_statuses(changes)


def answer(hit: NearestHit) -> tuple:
    """What a nearest answer says about one hit: which, how far, and its status."""
    view = hit.view
    statuses = {service: (s.state, s.reported_by) for service, s in view.statuses.items()}
    return view.resource.id, view.resource.name, hit.distance_m, hit.bearing_deg, statuses


def test_knn_answers_equal_the_in_memory_index(settings: Settings, postgis_url: str):
    memory, database = open_store(settings), open_store(Settings(database_url=postgis_url))
    try:
        for store in (memory, database):
            fill(store, np.random.default_rng(3), 400)
        assert database.has_spatial_index  # ("memory" is PostGIS too under TEST_BACKEND=postgis)
        in_memory, knn = NearestFinder(memory), NearestFinder(database, in_database=True)
        rng = np.random.default_rng(4)
        now = datetime.now(UTC)
        answered = 0
        for _ in range(150):
            query = NearestQuery(
                lon=float(rng.uniform(121.25, 121.65)), lat=float(rng.uniform(31.05, 31.45)),
                service=(None, "dialysis")[rng.integers(2)],
                states=(OPEN, OPEN | {State.limited})[rng.integers(2)],
                fresh=bool(rng.integers(2)), k=int(rng.integers(1, 12)),
                max_m=(None, float(rng.uniform(200, 5000)))[rng.integers(2)],
            )  # fmt: skip
            expected = [answer(hit) for hit in in_memory.find(query, now, 12)]
            got = [answer(hit) for hit in knn.find(query, now, 12)]
            assert got == expected, query
            answered += bool(got)
        assert answered > 100  # most queries find something: the comparison is not vacuous
    finally:
        memory.close()
        database.close()


@pytest.mark.parametrize("max_km", [None, 0.0001])
def test_knn_with_nothing_to_find_is_empty(postgis_url: str, max_km):
    store = open_store(Settings(database_url=postgis_url))
    try:
        fill(store, np.random.default_rng(5), 20)
        max_m = None if max_km is None else max_km * 1000
        query = NearestQuery(121.0, 31.0, service="dialysis", states=frozenset({State.open}),
                             max_m=max_m)  # fmt: skip
        hits = NearestFinder(store, in_database=True).find(
            query, datetime.now(UTC) + timedelta(days=30), 12
        )
        assert hits == []
    finally:
        store.close()


def test_knn_filters_on_services_districts_and_phones_as_the_in_memory_index(
    settings: Settings, postgis_url: str, bundled
):
    """The fallback (any status, offering the service), a district-only origin's district
    and the offices with phones: the same answers from both indexes."""
    memory, database = open_store(settings), open_store(Settings(database_url=postgis_url))
    try:
        for store in (memory, database):
            store.seed(*bundled)
        in_memory, knn = NearestFinder(memory), NearestFinder(database, in_database=True)
        districts = sorted({r.district_id for r in memory.list_resources(kind="hospital")})
        rng = np.random.default_rng(6)
        now = datetime.now(UTC)
        answered = 0
        for _ in range(60):
            query = NearestQuery(
                lon=float(rng.uniform(121.2, 121.8)), lat=float(rng.uniform(30.9, 31.5)),
                service=("dialysis", "maternity", "oncology")[rng.integers(3)], states=None,
                offers=True, k=int(rng.integers(1, 8)),
                district_id=(None, districts[rng.integers(len(districts))])[rng.integers(2)],
                phones=bool(rng.integers(2)),
            )  # fmt: skip
            expected = [answer(hit) for hit in in_memory.find(query, now, 12)]
            got = [answer(hit) for hit in knn.find(query, now, 12)]
            assert got == expected, query
            answered += bool(got)
        assert answered > 30
    finally:
        memory.close()
        database.close()
