"""Points on the sphere as 3-D unit vectors: chord length between them grows with
great-circle distance, so an index of unit vectors (a KD-tree here, PostGIS's n-D GiST
index in the database) finds nearest points in haversine order."""

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


def chord_for(metres: float) -> float:
    """The chord length of a unit sphere that subtends ``metres`` of great circle."""
    return 2 * np.sin(min(metres / EARTH_RADIUS_M, np.pi) / 2)
