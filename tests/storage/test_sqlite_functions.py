"""SQLite's spatial functions find each literal again by its bytes: literals of the same
length that differ only in their last coordinate, asked in turn, get their own answers."""

from __future__ import annotations

import shapely
from shapely.geometry import Polygon

from app.storage import sqlite_functions as f


def _square(east: float) -> bytes:
    return shapely.to_wkb(Polygon([(0, 0), (1, 0), (1, 1), (east, 1), (0, 0)]))


def test_literals_that_differ_in_their_last_bytes_are_kept_apart():
    wide, narrow = _square(0.0), _square(0.9)
    assert len(wide) == len(narrow)
    for _ in range(3):  # alternately: the cache neither confuses nor loses them
        assert f.point_rel("s_within", 0.5, 0.95, wide) == 1
        assert f.point_rel("s_within", 0.5, 0.95, narrow) == 0
        assert f.point_dwithin(0.5, 0.95, narrow, 50_000.0) == 1
        assert f.point_dwithin(0.5, 0.95, narrow, 20_000.0) == 0


def test_more_literals_than_are_kept_are_each_answered():
    shifts = [i / 100 for i in range(f.MAX_RECENT * 2)]
    for _ in range(2):
        for shift in shifts:
            assert f.point_rel("s_intersects", 0.5 + shift, 0.5, _square(0.0)) == 1
            assert f.point_rel("s_contains", 0.5, 0.5, shapely.to_wkb(shapely.Point(shift, 0))) == 0
