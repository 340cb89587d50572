"""A read with a public filter has a time bound per statement on both backends: past it the
store raises ``QueryTimeout``, and the bound does not stay on the pooled connection."""

from __future__ import annotations

import pytest

from app.domain.layers import Area
from app.domain.records import SeedData
from app.services.layers import COLLECTIONS
from app.services.ogc_filters import parse_filter
from app.storage.errors import QueryTimeout
from app.storage.port import Store
from tests.storage.test_store_contract import SERVICES, _hospital

HOSPITALS = 3000
COSTLY = " OR ".join(  # every time is evaluated (none is that old), then a name matches
    [f"status_time < '200{n}-01-01T00:00:00Z'" for n in range(4)]
    + [f"name LIKE '%院{n}%'" for n in range(10)]
)


@pytest.fixture
def crowded(store: Store) -> Store:
    """Three thousand hospitals, one statement's worth of work for a costly filter."""
    store.seed(SeedData(services=SERVICES, units=[], aliases=[], resources=[]), "t")
    store.apply_resource_changes(
        [_hospital(ref=f"h{n}", name=f"医院{n}", lon=121 + n / 1e4) for n in range(HOSPITALS)],
        [],
    )
    return store


def test_a_filter_past_the_bound_times_out_and_leaves_the_connection_clean(crowded: Store):
    area = Area(where=parse_filter(COSTLY, None, COLLECTIONS["hospitals"]))
    crowded.filter_timeout_s = 0.001
    with pytest.raises(QueryTimeout, match=r"narrow it .* or add a bbox"):
        crowded.feature_rows("hospital", area, 10, 0)
    with pytest.raises(QueryTimeout):
        crowded.resources_in("hospital", area, 10, 0)
    # the pool has one read connection, the one interrupted: it reads again, filter or not
    assert crowded._engine.pool.checkedin() == 1
    assert crowded.feature_rows("hospital", Area(), 10, 0).total == HOSPITALS
    total, _ = crowded.resources_in("hospital", Area(name="医院"), 10, 0)  # no bound: unfiltered
    assert total == HOSPITALS
    crowded.filter_timeout_s = 60
    assert crowded.feature_rows("hospital", area, 10, 0).total == HOSPITALS
    total, _ = crowded.resources_in("hospital", area, 10, 0)
    assert total == HOSPITALS
