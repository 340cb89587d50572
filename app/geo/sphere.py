"""Points on the sphere as 3-D unit vectors: chord length between them grows with
great-circle distance, so an index of unit vectors (a KD-tree here, PostGIS's n-D GiST
index in the database) finds nearest points in great-circle order, and the chord gives
the distance itself in fewer array operations than haversine on degrees."""

from __future__ import annotations

import math

import numpy as np

from app.geo.distance import EARTH_RADIUS_M

TIE_MARGIN_M = 1e-3
"""Candidates within this of the k-th distance are fetched too, so ties never depend on
floating-point order inside the tree."""


def unit_vectors(lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """(N, 3) unit vectors of WGS-84 lon/lat degrees (on a sphere)."""
    lam, phi = np.radians(lons), np.radians(lats)
    return np.column_stack((np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)))


def unit_vector(lon: float, lat: float) -> tuple[float, float, float]:
    """The unit vector of one point (``unit_vectors`` without array overhead)."""
    lam, phi = math.radians(lon), math.radians(lat)
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def great_circle_m(origin: np.ndarray, vectors: np.ndarray) -> np.ndarray:
    """Great-circle metres from ``origin`` (a unit vector as a (3,) array) to each of the
    (N, 3) unit ``vectors``: 2·R·asin(chord / 2). Within ~1e-8 m of haversine, but not
    equal to it bit for bit: distances that are compared or ordered together must all
    come from here. Elementwise operations only (the squares summed x + y + z, not by a
    reduction or BLAS, whose order may vary): a point's distance does not depend on the
    rows it is measured with."""
    offsets = vectors - origin
    np.square(offsets, out=offsets)
    out = offsets[:, 0] + offsets[:, 1]
    out += offsets[:, 2]  # the chord, squared; then in place: sin²(θ/2), sin(θ/2), θ/2, m
    out *= 0.25
    np.minimum(out, 1.0, out=out)  # rounding, for antipodal points
    np.sqrt(out, out=out)
    np.arcsin(out, out=out)
    out *= 2 * EARTH_RADIUS_M
    return out


def chord_for(metres: float) -> float:
    """The chord length of a unit sphere that subtends ``metres`` of great circle."""
    return 2 * np.sin(min(metres / EARTH_RADIUS_M, np.pi) / 2)
