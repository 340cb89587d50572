"""Great-circle distances in metres (never degrees)."""

from __future__ import annotations

import math

import numpy as np

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), metres."""


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres between two WGS-84 lon/lat points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((phi2 - phi1) / 2) ** 2
        + math.cos(phi1) * math.cos(phi2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_many_m(lon: float, lat: float, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Distances in metres from one WGS-84 point to many, or pairwise between arrays
    (degrees; the arguments broadcast as numpy arrays do)."""
    phi1, phi2 = np.radians(lat), np.radians(lats)
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(lons - lon) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))


def bearing_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Initial great-circle bearing from point 1 to point 2, degrees clockwise from north."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dlon, cos_phi2 = math.radians(lon2 - lon1), math.cos(phi2)
    x = math.sin(dlon) * cos_phi2
    y = math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * cos_phi2 * math.cos(dlon)
    return (math.degrees(math.atan2(x, y)) + 360.0) % 360.0
