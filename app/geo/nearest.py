"""k-nearest points on the sphere: a KD-tree of 3-D unit vectors, checked in great-circle metres.

Chord length between unit vectors grows with great-circle distance, so the tree's order
is the great-circle order; candidates are measured from their vectors
(``great_circle_m``) and ties broken by id, exactly as a brute-force scan with that
function would. A filter (``accept``) sees only the candidates the tree returns, growing
the candidate set until the answer can no longer change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

from app.geo.sphere import TIE_MARGIN_M, chord_for, great_circle_m, unit_vector, unit_vectors

FIRST_FETCH = 32
GROWTH = 4


@dataclass(frozen=True, slots=True)
class Neighbour:
    """A point's id and its great-circle distance in metres."""

    id: int
    distance_m: float


class PointIndex:
    """Immutable index of points (ids with lon/lat degrees, and their unit vectors)."""

    def __init__(self, ids: np.ndarray, lons: np.ndarray, lats: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64)
        self.lons = np.asarray(lons, dtype=np.float64)
        self.lats = np.asarray(lats, dtype=np.float64)
        self.vectors = unit_vectors(self.lons, self.lats)
        self.tree = cKDTree(self.vectors) if len(self.ids) else None  # on them, not a copy

    def __len__(self) -> int:
        return len(self.ids)

    def nearest(
        self,
        lon: float,
        lat: float,
        k: int,
        accept: Callable[[np.ndarray], np.ndarray] | None = None,
        max_m: float | None = None,
        first_fetch: int | None = None,
    ) -> list[Neighbour]:
        """The ``k`` nearest accepted points within ``max_m`` metres (inclusive), by
        (distance, id). ``accept`` maps an array of ids to a boolean array; ``first_fetch``
        is as in ``refine``."""
        n = len(self)
        if n == 0 or k <= 0:
            return []
        origin = unit_vector(lon, lat)
        bound = np.inf if max_m is None else chord_for(max_m + TIE_MARGIN_M) * (1 + 1e-9)

        def candidates(fetch: int) -> Candidates:
            chords, rows = self.tree.query(origin, k=min(n, fetch), distance_upper_bound=bound)
            if max_m is not None or fetch == 1 or fetch >= n:  # misses past the bound, or 1
                rows = np.atleast_1d(rows)[np.isfinite(np.atleast_1d(chords))]
            exhausted = len(rows) < fetch or fetch >= n
            return self.ids[rows], self.vectors[rows], exhausted

        return refine(np.array(origin), k, candidates, accept, max_m, first_fetch)


Candidates = tuple[np.ndarray, np.ndarray, bool]
"""ids and (N, 3) unit vectors of the ``fetch`` points nearest first, and whether there
are no more."""


def refine(
    origin: np.ndarray,
    k: int,
    candidates: Callable[[int], Candidates],
    accept: Callable[[np.ndarray], np.ndarray] | None = None,
    max_m: float | None = None,
    first_fetch: int | None = None,
) -> list[Neighbour]:
    """The exact answer from any great-circle-ordered candidate source (a KD-tree, a
    PostGIS KNN scan): measure from ``origin`` (a unit vector, as an array) with
    ``great_circle_m``, filter, order by (distance, id), and ask for more candidates until
    the k-th can no longer change. The first ask is for ``first_fetch`` (default: room for
    ``accept`` to refuse most of them)."""
    if k <= 0:
        return []
    fetch = first_fetch or max(FIRST_FETCH, GROWTH * k)
    while True:
        ids, vectors, exhausted = candidates(fetch)
        found, measured = measure(origin, ids, vectors, accept, max_m, k)
        if exhausted or (len(found) == k and measured.max() > found[-1][0] + TIE_MARGIN_M):
            return [Neighbour(i, d) for d, i in found]
        fetch *= GROWTH


def measure(
    origin: np.ndarray,
    ids: np.ndarray,
    vectors: np.ndarray,
    accept: Callable[[np.ndarray], np.ndarray] | None,
    max_m: float | None,
    k: int,
) -> tuple[list[tuple[float, int]], np.ndarray]:
    """The ``k`` nearest candidates within ``max_m`` that ``accept`` takes, as (distance,
    id) pairs in that order, and every candidate's distance (metres)."""
    measured = great_circle_m(origin, vectors)
    keep = None if max_m is None else measured <= max_m
    if accept is not None and len(ids):
        if keep is None:
            keep = accept(ids)
        elif keep.any():
            keep[keep] = accept(ids[keep])
    kept, kept_ids = (measured, ids) if keep is None else (measured[keep], ids[keep])
    # Ordered by numpy (distance, then id), and only the first k become Python objects:
    # sorting a few dozen (distance, id) tuples cost more than the distances themselves.
    first = np.lexsort((kept_ids, kept))[:k]
    return list(zip(kept[first].tolist(), kept_ids[first].tolist(), strict=True)), measured
