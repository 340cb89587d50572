"""The area this service covers: Shanghai's bounding box in WGS-84 degrees."""

from __future__ import annotations

import math

SHANGHAI_BBOX = (120.85, 30.67, 122.2, 31.88)
"""west, south, east, north (lon/lat degrees), with a margin around the city's outline."""


def in_shanghai(lon: float | None, lat: float | None) -> bool:
    """True for a finite WGS-84 point inside Shanghai's bounding box."""
    if lon is None or lat is None or not (math.isfinite(lon) and math.isfinite(lat)):
        return False
    west, south, east, north = SHANGHAI_BBOX
    return west <= lon <= east and south <= lat <= north
