"""The distance SQLite lacks, registered on every connection: the chord between a point
and a unit vector, as PostGIS measures ``unit_xyz <<->> origin`` (``sql_order``), so
``sortby=distance`` orders alike on both backends."""

from __future__ import annotations

import math

from app.geo.sphere import unit_vector


def chord(lon: float, lat: float, x: float, y: float, z: float) -> float:
    """The unit-sphere chord from lon/lat (WGS-84 degrees) to the unit vector (x, y, z):
    it grows with great-circle distance."""
    return math.dist(unit_vector(lon, lat), (x, y, z))


def register(dbapi_connection) -> None:
    """Make ``aidmap_chord(lon, lat, x, y, z)`` callable in SQL on this connection."""
    dbapi_connection.create_function("aidmap_chord", 5, chord, deterministic=True)
