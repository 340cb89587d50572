"""The finder's qualified points (the hospitals whose state is asked for, in an index of
their own, kept current as statuses change and rebuilt after many changes) answer
exactly as a brute-force scan of the store does, freshness included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.enums import Precision
from app.domain.records import NewResource, SeedData
from app.domain.statuses import State, StatusChange, StatusReport
from app.geo.sphere import great_circle_m, unit_vector, unit_vectors
from app.services.freshness import matches
from app.services.nearest import NearestFinder, NearestQuery
from app.storage.port import Store
from tests.storage.test_store_contract import SERVICES

TTL = 12.0
STATE_SETS = [frozenset({State.open}), frozenset({State.open, State.limited})]


@pytest.fixture
def hospitals(store: Store):
    """80 hospitals on a coarse grid (ties), none with a status yet, and one finder."""
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    rng = np.random.default_rng(5)
    points = rng.uniform([121.40, 31.18], [121.50, 31.26], (80, 2)).round(2)
    added, _ = store.apply_resource_changes(
        [NewResource(kind="hospital", name=f"H{n}", lon=float(x), lat=float(y),
                     precision=Precision.exact, services=("dialysis",))
         for n, (x, y) in enumerate(points)],
        [],
    )  # fmt: skip
    finder = NearestFinder(store)
    yield store, finder, {r.id: r.version for r in added}
    finder.close()


def scanned(store: Store, query: NearestQuery, now: datetime) -> list[tuple[int, float]]:
    """The answer from every hospital and the store's current statuses."""
    resources = list(store.iter_resources(kind="hospital"))
    statuses, _ = store.status_snapshot("dialysis")
    lons = np.array([r.lon for r in resources])
    lats = np.array([r.lat for r in resources])
    origin = np.array(unit_vector(query.lon, query.lat))
    distances = great_circle_m(origin, unit_vectors(lons, lats)).tolist()
    found = sorted(
        (d, r.id)
        for r, d in zip(resources, distances, strict=True)
        if matches(statuses.get(r.id), set(query.states), query.fresh, now, TTL)
        and (query.max_m is None or d <= query.max_m)
    )
    return [(i, d) for d, i in found[: query.k]]


changes = st.dictionaries(
    st.integers(0, 79),
    st.tuples(st.sampled_from(list(State)), st.booleans()),  # the state, and whether stale
    max_size=24,
)
queries = st.builds(
    NearestQuery,
    lon=st.floats(121.38, 121.52),
    lat=st.floats(31.16, 31.28),
    service=st.just("dialysis"),
    states=st.sampled_from(STATE_SETS),
    fresh=st.booleans(),
    k=st.integers(1, 12),
    max_m=st.one_of(st.none(), st.floats(100, 6000)),
)


SHARED_STORE = [HealthCheck.function_scoped_fixture]  # one store and finder for all examples


@settings(max_examples=60, deadline=None, suppress_health_check=SHARED_STORE)
@given(steps=st.lists(st.tuples(changes, st.lists(queries, min_size=1, max_size=4)), max_size=4))
def test_answers_equal_a_scan_as_statuses_change(hospitals, steps):
    store, finder, versions = hospitals  # shared by the examples: statuses pile up
    ids = sorted(versions)
    now = datetime.now(UTC)
    for changed, asked in steps:
        batch = [
            StatusChange(ids[n], "dialysis", StatusReport(
                state, "t", reported_at=now - timedelta(hours=20) if stale else None,
            ), versions[ids[n]])
            for n, (state, stale) in changed.items()
        ]  # fmt: skip
        for write in store.set_statuses(batch):
            versions[write.status.resource_id] = write.version
        for query in asked:
            got = [(h.view.resource.id, h.distance_m) for h in finder.find(query, now, TTL)]
            assert got == scanned(store, query, now), query


def test_changes_are_answered_before_and_after_a_rebuild(hospitals):
    store, finder, versions = hospitals
    ids = sorted(versions)
    now = datetime.now(UTC)
    query = NearestQuery(121.45, 31.22, service="dialysis", k=80)
    for round_ in range(3):  # 3 x 40 changes: noted, then past REBUILD_AFTER (rebuilt)
        batch = [
            StatusChange(rid, "dialysis", StatusReport((State.open, State.closed)[
                (n + round_) % 2], "t"), versions[rid])
            for n, rid in enumerate(ids[:40])
        ]  # fmt: skip
        for write in store.set_statuses(batch):
            versions[write.status.resource_id] = write.version
        got = [(h.view.resource.id, h.distance_m) for h in finder.find(query, now, TTL)]
        assert got == scanned(store, query, now)
        assert len(got) == 20
