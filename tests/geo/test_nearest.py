"""The nearest index equals a brute-force great-circle scan, ties and max distance included."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.geo.distance import bearing_deg, haversine_m
from app.geo.nearest import PointIndex
from app.geo.sphere import great_circle_m, unit_vector, unit_vectors

SHANGHAI = {"lon": (120.85, 122.2), "lat": (30.67, 31.88)}


def brute_force(ids, lons, lats, lon, lat, k, accepted, max_m):
    distances = great_circle_m(np.array(unit_vector(lon, lat)), unit_vectors(lons, lats))
    rows = [
        (float(d), int(i))
        for i, d in zip(ids, distances, strict=True)
        if int(i) in accepted and (max_m is None or d <= max_m)
    ]
    return [(i, d) for d, i in sorted(rows)[:k]]


coords = st.tuples(st.floats(*SHANGHAI["lon"]), st.floats(*SHANGHAI["lat"]))


@st.composite
def datasets(draw):
    base = draw(st.lists(coords, min_size=1, max_size=120))
    copies = draw(st.lists(st.sampled_from(base), max_size=30))  # exact duplicates: ties
    points = base + copies
    ids = draw(st.permutations(list(range(1, len(points) + 1))))
    accepted = draw(st.sets(st.sampled_from(ids), max_size=len(ids)))
    return (
        np.array(ids),
        np.array([p[0] for p in points]),
        np.array([p[1] for p in points]),
        accepted,
    )


@settings(max_examples=300, deadline=None)
@given(
    data=datasets(),
    origin=st.one_of(coords, st.tuples(st.floats(120.0, 123.0), st.floats(30.0, 32.5))),
    k=st.integers(1, 60),
    max_km=st.one_of(st.none(), st.floats(0.0, 80.0)),
    filtered=st.booleans(),
)
def test_same_answer_as_brute_force(data, origin, k, max_km, filtered):
    ids, lons, lats, accepted = data
    accepted = accepted if filtered else set(ids.tolist())
    max_m = None if max_km is None else max_km * 1000
    index = PointIndex(ids, lons, lats)
    accept = (lambda some: np.isin(some, list(accepted))) if filtered else None
    got = index.nearest(origin[0], origin[1], k, accept, max_m)
    assert [(n.id, n.distance_m) for n in got] == brute_force(
        ids, lons, lats, origin[0], origin[1], k, accepted, max_m
    )


def test_the_max_distance_is_inclusive():
    ids, lons, lats = np.array([1, 2]), np.array([121.5, 121.6]), np.array([31.2, 31.2])
    index = PointIndex(ids, lons, lats)
    exact = great_circle_m(np.array(unit_vector(121.5, 31.2)), index.vectors[1:])[0]
    assert abs(exact - haversine_m(121.5, 31.2, 121.6, 31.2)) < 1e-6
    assert [n.id for n in index.nearest(121.5, 31.2, 5, max_m=exact)] == [1, 2]
    assert [n.id for n in index.nearest(121.5, 31.2, 5, max_m=exact - 0.01)] == [1]


def test_empty_index_and_nothing_accepted():
    assert PointIndex(np.array([]), np.array([]), np.array([])).nearest(121.5, 31.2, 5) == []
    index = PointIndex(np.array([1]), np.array([121.5]), np.array([31.2]))
    assert index.nearest(121.5, 31.2, 5, accept=lambda ids: np.zeros(len(ids), bool)) == []


def test_bearings_point_the_right_way():
    assert round(bearing_deg(121.5, 31.2, 121.5, 31.3)) == 0
    assert round(bearing_deg(121.5, 31.2, 121.6, 31.2)) == 90
    assert round(bearing_deg(121.5, 31.2, 121.5, 31.1)) == 180
    assert round(bearing_deg(121.5, 31.2, 121.4, 31.2)) == 270
