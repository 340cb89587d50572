"""Pages of a layer in the order ``sortby`` asks (``sql_order``), on both backends: by name
(code point), status time (the newest current report, of the service when one is asked,
else the last update) and distance from a point (great-circle order, as ``app.geo.sphere``
measures it), each way, always ending with id, so that walking the pages meets every
match exactly once, in the order the full list has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from app.domain.enums import Level, Precision
from app.domain.layers import Area, SortKey
from app.domain.records import ResourceView, SeedData, UnitRecord
from app.domain.statuses import State, StatusReport
from app.geo.sphere import unit_vector, unit_vectors
from app.storage.port import Store
from tests.storage.test_store_contract import SERVICES, _hospital

NEAR = (121.47, 31.23)
NAMES = ["瑞金医院", "Zhongshan", "仁济医院", "华山医院", "abc", "瑞金医院", "Ruijin", "六院"]


@pytest.fixture
def views(store: Store) -> list[ResourceView]:
    """Sixteen hospitals: names repeated (ties broken by id), points at distinct distances
    from NEAR, statuses of either service reported at distinct times, some with none."""
    store.seed(SeedData(services=SERVICES, units=[], aliases=[]), "test")
    added, _ = store.apply_resource_changes(
        [_hospital(ref=f"h{n}", name=NAMES[n % 8], lon=121.0 + (n * 37 % 16) / 23,
                   lat=31.0 + (n * 11 % 16) / 31) for n in range(16)], []
    )  # fmt: skip
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for n, resource in enumerate(added[:11]):
        service = "dialysis" if n % 3 else "emergency"
        at = base + timedelta(hours=(n * 7) % 11)
        store.set_status(resource.id, service, StatusReport(State.open, "v", reported_at=at), 1)
    return store.view_resources(kind="hospital", limit=100)


def expected(views: list[ResourceView], key: SortKey, service: str | None) -> list[int]:
    """The ids in the order the key gives (Python's sorts are stable: id breaks ties)."""
    by_id = sorted(views, key=lambda v: v.resource.id)
    if key.name == "name":
        value = lambda v: v.resource.name  # noqa: E731
    elif key.name == "status_time":

        def value(v: ResourceView) -> datetime:
            times = [s.reported_at for code, s in v.statuses.items() if service in (None, code)]
            return max(times, default=v.resource.updated_at)
    else:
        points = unit_vectors(np.array([v.resource.lon for v in by_id]),
                              np.array([v.resource.lat for v in by_id]))  # fmt: skip
        lengths = np.linalg.norm(points - unit_vector(*NEAR), axis=1)
        chords = dict(zip((v.resource.id for v in by_id), lengths, strict=True))
        value = lambda v: chords[v.resource.id]  # noqa: E731
    return [v.resource.id for v in sorted(by_id, key=value, reverse=key.descending)]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize(
    ("name", "service"),
    [("name", None), ("status_time", None), ("status_time", "dialysis"), ("distance", None)],
)
def test_pages_follow_the_order_and_never_overlap(store, views, name, service, descending):
    key = SortKey(name, descending, NEAR if name == "distance" else None)
    area = Area(sortby=(key,), service=service, states=frozenset(State))
    if service is not None:  # only those with a status of it, as the filter says
        views = [v for v in views if service in v.statuses]
    want = expected(views, key, service)
    assert len(set(want)) == len(want) > 3
    walked, rows_walked = [], []
    for offset in range(0, len(want) + 3, 3):
        total, page = store.resources_in("hospital", area, 3, offset)
        rows = store.feature_rows("hospital", area, 3, offset)
        assert total == rows.total == len(want)
        walked += [v.resource.id for v in page]
        rows_walked += [row[0] for row in rows.resources]
    assert walked == rows_walked == want


def test_units_sort_by_name_or_code(store: Store):
    units = [UnitRecord(f"31010{n}", Level.district, name, "district", None, 121.4, 31.2,
                        Precision.approximate)
             for n, name in enumerate(["浦东新区", "黄浦区", "Abc", "徐汇区"])]  # fmt: skip
    store.seed(SeedData(services=SERVICES, units=units, aliases=[]), "test")
    for key, descending in [("name", False), ("name", True), ("code", True)]:
        area = Area(sortby=(SortKey(key, descending),))
        total, found = store.units_in(Level.district, area, 10, 0)
        values = [getattr(u, key) for u in found]
        assert total == 4 and values == sorted(values, reverse=descending)
