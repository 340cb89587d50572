"""A shared position is kept to ``COORD_DECIMALS`` (~100 m): the nearest answer of the
rounded position names the same hospitals as the exact one, on the bundled data, except
where two hospitals are about as far away; how often that is, over random points."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.geo.distance import haversine_m
from app.geo.reverse import ReverseIndex
from app.services.nearest import NearestFinder, NearestQuery
from app.services.sharing import COORD_DECIMALS, ShareView
from app.storage.migrations import SHARE_DECIMALS
from app.storage.port import Store

NOW = datetime(2026, 3, 2, tzinfo=UTC)
CENTRAL = {"黄浦区", "徐汇区", "长宁区", "静安区", "普陀区", "虹口区", "杨浦区"}
"""Where the bundled hospitals are densest, so rounding changes answers most often."""


def nearest(finder: NearestFinder, lon: float, lat: float, k: int) -> list[tuple[int, float]]:
    hits = finder.find(NearestQuery(lon, lat, k=k), NOW, 12.0)
    return [(hit.view.resource.id, hit.distance_m) for hit in hits]


def shared(lon: float, lat: float) -> tuple[float, float]:
    """The position a share of (lon, lat) keeps."""
    view = ShareView(center=(lon, lat), zoom=15, nearest={"lon": lon, "lat": lat})
    kept = view.stored()
    assert kept["center"] == [kept["nearest"]["lon"], kept["nearest"]["lat"]]
    return kept["nearest"]["lon"], kept["nearest"]["lat"]


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(lon=st.floats(120.9, 122.0), lat=st.floats(30.7, 31.85), k=st.integers(1, 5))
def test_the_rounded_position_names_the_same_hospitals_unless_two_are_nearly_as_far(
    seeded_store: Store, lon: float, lat: float, k: int
):
    rounded = shared(lon, lat)
    moved = haversine_m(lon, lat, *rounded)
    assert moved <= 75  # half of 0.001° each way at 30.7° N, on the diagonal: 73.5 m
    assert all(value == round(value, COORD_DECIMALS) for value in rounded)
    finder = NearestFinder(seeded_store)
    exact = nearest(finder, lon, lat, k + 1)
    kept = [rid for rid, _ in nearest(finder, *rounded, k)]
    if exact[k][1] - exact[k - 1][1] > 2 * moved:  # no hospital can cross the k-th place
        assert set(kept) == {rid for rid, _ in exact[:k]}
    gaps = np.diff([metres for _, metres in exact])
    if (gaps > 2 * moved).all():  # nor can any two swap
        assert kept == [rid for rid, _ in exact[:k]]


def test_how_often_rounding_changes_the_three_nearest(seeded_store: Store):
    finder, index = NearestFinder(seeded_store), ReverseIndex(seeded_store)
    rng = np.random.default_rng(13)
    for area, box, least in (
        ("city", (120.85, 30.67, 122.2, 31.88), 0.985),  # measured 0.994 (5,000 points)
        ("centre", (121.35, 31.1, 121.6, 31.35), 0.96),  # measured 0.973 (5,000 points)
    ):
        same = points = 0
        while points < 1000:
            lon, lat = rng.uniform(box[0], box[2]), rng.uniform(box[1], box[3])
            district = index.locate(lon, lat).district
            if district is None or (area == "centre" and district.name not in CENTRAL):
                continue
            points += 1
            exact = {rid for rid, _ in nearest(finder, lon, lat, 3)}
            same += exact == {rid for rid, _ in nearest(finder, *shared(lon, lat), 3)}
        assert same / points >= least, (area, same / points)


def test_new_shares_are_rounded_as_the_schema_6_step_rounded_stored_ones():
    """Otherwise a view shared before and after the upgrade would get two codes."""
    assert COORD_DECIMALS == SHARE_DECIMALS == 3
