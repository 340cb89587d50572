"""A query kept to one district (an origin known only to its district) searches that
district's own points: the same answer as a scan of the store, and an empty one at once
where nothing there qualifies, instead of a search grown to the whole city."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.domain.enums import Level
from app.domain.statuses import State, StatusChange, StatusReport
from app.geo.sphere import great_circle_m, unit_vector, unit_vectors
from app.services.freshness import matches
from app.services.nearest import NearestFinder, NearestQuery
from app.storage.port import Store

TTL = 12.0
OPEN = frozenset({State.open})


@pytest.fixture
def finder(seeded_store: Store):
    """The bundled hospitals, a third of those offering dialysis open for it."""
    offering = [r for r in seeded_store.iter_resources(kind="hospital") if "dialysis" in r.services]
    report = StatusReport(State.open, "test")
    seeded_store.set_statuses(
        [StatusChange(r.id, "dialysis", report, r.version) for r in offering[::3]]
    )
    finder = NearestFinder(seeded_store)
    yield finder
    finder.close()


def scanned(store: Store, query: NearestQuery, now: datetime) -> list[tuple[int, float]]:
    """The answer from every hospital of the query's district and the current statuses."""
    resources = [
        r for r in store.iter_resources(kind="hospital") if r.district_id == query.district_id
    ]
    if not resources:
        return []
    statuses, _ = store.status_snapshot("dialysis")
    vectors = unit_vectors(
        np.array([r.lon for r in resources]), np.array([r.lat for r in resources])
    )
    distances = great_circle_m(np.array(unit_vector(query.lon, query.lat)), vectors).tolist()
    found = sorted(
        (d, r.id)
        for r, d in zip(resources, distances, strict=True)
        if (query.states is None or matches(statuses.get(r.id), set(query.states), True, now, TTL))
        and (not query.offers or "dialysis" in r.services)
    )
    return [(i, d) for d, i in found[: query.k]]


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    lon=st.floats(121.0, 121.9), lat=st.floats(30.8, 31.7), k=st.integers(1, 8),
    district=st.integers(0, 15), fallback=st.booleans(),
)  # fmt: skip
def test_a_district_query_answers_as_a_scan_of_its_district(
    seeded_store: Store, finder: NearestFinder, lon, lat, k, district, fallback
):
    districts = seeded_store.find_units(level=Level.district)
    district_id = districts[district % len(districts)].id
    states, offers = (None, True) if fallback else (OPEN, False)
    query = NearestQuery(lon, lat, "hospital", "dialysis", states, True, k,
                         district_id=district_id, offers=offers)  # fmt: skip
    now = datetime.now(UTC)
    found = [(h.view.resource.id, h.distance_m) for h in finder.find(query, now, TTL)]
    assert found == scanned(seeded_store, query, now)


def test_a_district_with_no_hospital_answers_none(seeded_store: Store, finder: NearestFinder):
    unit = seeded_store.find_units(level=Level.street)[0]  # no hospital's district
    query = NearestQuery(121.47, 31.23, "hospital", "dialysis", OPEN, district_id=unit.id)
    assert finder.find(query, datetime.now(UTC), TTL) == []
