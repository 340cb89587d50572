"""An items page's count is kept between pages only while it cannot have moved: every
change to the resources (added, moved out of the box) shows in the next page's count, on
both backends, and counts that statuses move are never kept."""

from __future__ import annotations

from app.domain.layers import Area
from app.domain.records import ResourceUpdate
from app.domain.statuses import State, StatusReport
from app.storage.port import Store
from tests.storage.test_feature_rows import _resources
from tests.storage.test_store_contract import _hospital

BOX = Area(bbox=(121.0, 31.0, 121.5, 31.3), states=frozenset({State.open}))
"""(States without a service filter nothing: the items pages' default.)"""
OPEN = Area(service="dialysis", states=frozenset({State.open}))


def counted(store: Store, area: Area) -> int:
    """The count a first page and a page past the end both give (the second one reads
    the count kept by the first)."""
    first = store.feature_rows("hospital", area, 5, 0)
    past = store.feature_rows("hospital", area, 5, 10_000)
    assert past.resources == [] and past.total == first.total
    return first.total


def in_box(store: Store) -> int:
    west, south, east, north = BOX.bbox
    hospitals = store.iter_resources(kind="hospital")
    return sum(west <= r.lon <= east and south <= r.lat <= north for r in hospitals)


def test_every_resource_change_shows_in_the_next_pages_count(store: Store):
    _resources(store)
    assert counted(store, BOX) == in_box(store) > 0
    [added], _ = store.apply_resource_changes([_hospital(ref="new", lon=121.2, lat=31.1)], [])
    assert counted(store, BOX) == in_box(store)
    moved = ResourceUpdate(added.id, added.version, {"lon": 122.0, "lat": 31.1})
    store.apply_resource_changes([], [moved])
    assert counted(store, BOX) == in_box(store)


def test_a_count_of_statuses_moves_with_a_status_write(store: Store):
    added = _resources(store)
    before = counted(store, OPEN)
    store.set_status(added[-1].id, "dialysis", StatusReport(State.open, "v"), 1)
    assert counted(store, OPEN) == before + 1


def test_a_store_seeded_with_resources_has_a_stamp_to_keep_counts_by(seeded_store: Store):
    """Seeding adds resources, so it moves the stamp: a deployment serving only the
    bundled hospitals keeps its pages' counts from the start."""
    assert seeded_store.resources_changed_at() is not None
