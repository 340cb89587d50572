"""Candidate cells answer as a brute-force scan does whenever they answer, and they answer
most queries near their points."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.geo.nearest import PointIndex
from app.geo.nearest_cells import CandidateCells
from tests.geo.test_nearest import brute_force, coords, datasets


@settings(max_examples=300, deadline=None)
@given(
    data=datasets(),
    origin=st.one_of(coords, st.tuples(st.floats(120.0, 123.0), st.floats(30.0, 32.5))),
    k=st.integers(1, 12),
    max_km=st.one_of(st.none(), st.floats(0.0, 20.0)),
    filtered=st.booleans(),
)
def test_answers_are_the_brute_force_ones(data, origin, k, max_km, filtered):
    ids, lons, lats, accepted = data
    accepted = accepted if filtered else set(ids.tolist())
    max_m = None if max_km is None else max_km * 1000
    accept = (lambda some: np.isin(some, list(accepted))) if filtered else None
    got = CandidateCells(PointIndex(ids, lons, lats)).nearest(*origin, k, accept, max_m)
    if got is not None:
        assert [(n.id, n.distance_m) for n in got] == brute_force(
            ids, lons, lats, origin[0], origin[1], k, accepted, max_m
        )


def test_many_points_most_answered_from_a_cell_some_left_to_the_tree():
    rng = np.random.default_rng(2)
    lons, lats = rng.uniform(121.2, 121.7, 3000), rng.uniform(31.0, 31.4, 3000)
    ids = np.arange(1, 3001)
    cells = CandidateCells(PointIndex(ids, lons, lats))
    accepted = set(rng.choice(ids, 600, replace=False).tolist())  # a filter refusing most
    answered = []
    for n in range(400):
        lon, lat = rng.uniform(121.2, 121.7), rng.uniform(31.0, 31.4)
        k, ok = (5, None) if n % 2 else (int(rng.integers(1, 13)), accepted)
        accept = None if ok is None else (lambda some: np.isin(some, list(accepted)))
        got = cells.nearest(lon, lat, k, accept)
        if got is not None:
            answered.append(ok is None)
            expected = brute_force(ids, lons, lats, lon, lat, k, ok or set(ids.tolist()), None)
            assert [(n.id, n.distance_m) for n in got] == expected
    assert answered.count(True) > 180  # unfiltered k=5: nearly always from the cell
    assert 0 < answered.count(False) < 200  # filtered: some from the cell, some not
