"""Nearest candidates listed per grid cell in advance: a query is a slice and a few numpy
calls, where a KD-tree search costs more for its call alone than the rest of the query.

A cell's list holds every point within r + 2h of the cell's centre, r being the distance
from the centre to its ``NEAR``-th nearest point and h (at least) the distance from the
centre to any origin in the cell. A point missing from the list is then farther than
r + h from every origin in the cell (the triangle inequality of great-circle distance),
so once the k-th accepted candidate is closer than that by the tie margin, the answer is
the brute-force one. When it is not (many candidates refused, a large k, an origin off
the grid), ``nearest`` says so and the caller asks the KD-tree.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from app.geo.distance import EARTH_RADIUS_M, haversine_many_m
from app.geo.nearest import Neighbour, PointIndex, measure
from app.geo.sphere import TIE_MARGIN_M, unit_vector, unit_vectors

NEAR = 8
"""Points nearest each cell's centre that its list surely holds."""
PER_CELL = 2
"""Points per cell on average (more: fewer cells, longer lists)."""


class CandidateCells:
    """Candidate lists of a ``PointIndex``'s points for each cell of a lon/lat grid over them."""

    def __init__(self, index: PointIndex) -> None:
        self.index = index
        self.cols = self.rows = 0
        n = len(index)
        if n <= NEAR:
            return
        self.west, self.south = float(index.lons.min()), float(index.lats.min())
        width = max(float(index.lons.max()) - self.west, 1e-6)
        height = max(float(index.lats.max()) - self.south, 1e-6)
        self.size = math.sqrt(width * height * PER_CELL / n)
        self.cols, self.rows = int(width / self.size) + 1, int(height / self.size) + 1
        col, row = np.meshgrid(np.arange(self.cols), np.arange(self.rows))  # cell: row·cols+col
        lons = self.west + (col.ravel() + 0.5) * self.size
        lats = self.south + (row.ravel() + 0.5) * self.size
        half = self.size / 2
        corners = [haversine_many_m(lons, lats, lons + dx, lats + dy)
                   for dx in (-half, half) for dy in (-half, half)]  # fmt: skip
        reach = np.max(corners, axis=0) * 1.001 + 1.0  # h, with room for rounding
        centres = unit_vectors(lons, lats)
        _, near = index.tree.query(centres, k=NEAR)
        r = haversine_many_m(lons[:, None], lats[:, None], index.lons[near], index.lats[near])
        radius = r.max(axis=1) + 2 * reach
        chords = 2 * np.sin(np.minimum(radius / EARTH_RADIUS_M, np.pi) / 2) * (1 + 1e-9)
        lists = index.tree.query_ball_point(centres, chords)
        counts = np.fromiter(map(len, lists), np.int64, len(lists))
        self.starts = np.concatenate([[0], np.cumsum(counts)]).tolist()
        members = np.fromiter(
            (row for found in lists for row in found), np.int32, int(counts.sum())
        )
        # Each cell's candidates side by side: a query slices them (views), no gathering.
        self.ids, self.vectors = index.ids[members], index.vectors[members]
        self.bounds = (radius - reach).tolist()  # r + h: nearer than any point not listed

    def nearest(
        self,
        lon: float,
        lat: float,
        k: int,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
        max_m: float | None = None,
    ) -> list[Neighbour] | None:
        """``PointIndex.nearest`` from the origin's cell alone, or None when its list
        cannot settle the answer."""
        col = math.floor((lon - self.west) / self.size) if self.cols else -1
        row = math.floor((lat - self.south) / self.size) if self.cols else -1
        if not (0 <= col < self.cols and 0 <= row < self.rows):
            return None
        cell = row * self.cols + col
        rows = slice(self.starts[cell], self.starts[cell + 1])
        origin = np.array(unit_vector(lon, lat))
        found, _ = measure(origin, self.ids[rows], self.vectors[rows], accept, max_m, k)
        bound = self.bounds[cell] - TIE_MARGIN_M
        settled = len(found) == k and found[-1][0] < bound
        listed = max_m is not None and max_m < bound  # every point within max_m is listed
        return [Neighbour(i, d) for d, i in found] if settled or listed else None
