"""The spatial functions SQLite lacks, registered on every connection: for CQL2 filters
(``sql_filters``), shapely (GEOS, as PostGIS uses) on a row's point or outline against
a literal geometry given as WKB. The literal is parsed and prepared once per distinct WKB
(found again by equality, not by hash: ``_literal``), an outline once per unit (keyed by
id and text length, so an edited outline is read again); distances are metres on the
sphere, in an azimuthal equidistant projection centred on the literal (exact from its
centre, and within centimetres across a city). For ``sortby=distance`` (``sql_order``),
the chord between a point and a unit vector, as PostGIS measures ``unit_xyz <<->>
origin``, so pages order alike on both backends.
"""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Transformer
from shapely import Point, prepared
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from app.geo.distance import EARTH_RADIUS_M, haversine_m
from app.geo.sphere import unit_vector

SYMMETRIC = {"s_intersects", "s_disjoint", "s_touches", "s_crosses", "s_overlaps"}
CONVERSE = {"s_within": "contains", "s_contains": "within"}
"""A feature within the literal is the literal containing it: the prepared literal asks."""


def register(connection: sqlite3.Connection) -> None:
    """Add ``aidmap_point_rel``, ``aidmap_point_dwithin``, ``aidmap_outline_rel`` and
    ``aidmap_chord``."""
    connection.create_function("aidmap_point_rel", 4, point_rel, deterministic=True)
    connection.create_function("aidmap_point_dwithin", 4, point_dwithin, deterministic=True)
    connection.create_function("aidmap_outline_rel", 7, outline_rel, deterministic=True)
    connection.create_function("aidmap_chord", 5, chord, deterministic=True)


def chord(lon: float, lat: float, x: float, y: float, z: float) -> float:
    """The unit-sphere chord from lon/lat (WGS-84 degrees) to the unit vector (x, y, z):
    it grows with great-circle distance."""
    return math.dist(unit_vector(lon, lat), (x, y, z))


def point_rel(op: str, lon: float, lat: float, wkb: bytes) -> int:
    """1 if the point (lon, lat) stands in relation ``op`` (``s_within`` …) to the literal."""
    return int(_relate(op, Point(lon, lat), wkb))


def point_dwithin(lon: float, lat: float, wkb: bytes, metres: float) -> int:
    """1 if the point is within ``metres`` of the literal on the sphere."""
    literal = _literal(wkb).geometry
    if literal.geom_type == "Point":
        return int(haversine_m(lon, lat, literal.x, literal.y) <= metres)
    projected, forward = _projected(wkb)
    return int(projected.distance(Point(forward.transform(lon, lat))) <= metres)


def outline_rel(
    op: str, unit_id: int, outline: str | None, lon: float, lat: float, wkb: bytes, metres: float
) -> int:
    """``point_rel`` / ``point_dwithin`` for a unit: its outline where it has one."""
    if outline is None:
        if op == "s_dwithin":
            return point_dwithin(lon, lat, wkb, metres)
        return point_rel(op, lon, lat, wkb)
    mine = _outline(unit_id, len(outline), outline)
    if op == "s_dwithin":
        projected, forward = _projected(wkb)
        return int(projected.distance(shapely.transform(mine, _pairs(forward))) <= metres)
    return int(_relate(op, mine, wkb))


def _relate(op: str, geometry: BaseGeometry, wkb: bytes) -> bool:
    literal = _literal(wkb)
    if op == "s_equals":
        return geometry.equals(literal.geometry)
    if literal.prepared is None:
        literal.prepared = prepared.prep(literal.geometry)
    ready = literal.prepared
    if op in SYMMETRIC:
        return getattr(ready, op[2:])(geometry)
    return getattr(ready, CONVERSE[op])(geometry)


@dataclass(slots=True)
class _Parsed:
    """A literal parsed, and prepared or projected once asked."""

    geometry: BaseGeometry
    prepared: object = None
    projected: tuple[BaseGeometry, Transformer] | None = field(default=None)


MAX_RECENT = 8
_RECENT: tuple[tuple[bytes, _Parsed], ...] = ()


def _literal(wkb: bytes) -> _Parsed:
    """The literal, from the few parsed last: SQLite hands every call a new ``bytes``, so
    a cache keyed by hash hashed the whole literal on every row (half the cost of a test
    at 1,800 vertices); equality stops at the first differing byte. Threads may race to
    parse one literal twice, never to a wrong one."""
    global _RECENT
    recent = _RECENT
    for known, parsed in recent:
        if known == wkb:
            return parsed
    parsed = _Parsed(shapely.from_wkb(wkb))
    _RECENT = ((wkb, parsed), *recent[: MAX_RECENT - 1])
    return parsed


_OUTLINES: dict[tuple[int, int], BaseGeometry] = {}
MAX_OUTLINES = 1024


def _outline(unit_id: int, length: int, text: str) -> BaseGeometry:
    """The unit's outline, parsed once (a key of id and length: hashing megabytes of
    outline text on every call would cost what parsing saves)."""
    found = _OUTLINES.get((unit_id, length))
    if found is None:
        if len(_OUTLINES) >= MAX_OUTLINES:
            _OUTLINES.clear()
        found = _OUTLINES[(unit_id, length)] = shape(json.loads(text))
    return found


def _projected(wkb: bytes) -> tuple[BaseGeometry, Transformer]:
    """The literal in metres, and the lon/lat → metres transform, centred on it."""
    literal = _literal(wkb)
    if literal.projected is None:
        centre = literal.geometry.centroid
        forward = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +R={EARTH_RADIUS_M} +units=m",
            always_xy=True,
        )
        literal.projected = shapely.transform(literal.geometry, _pairs(forward)), forward
    return literal.projected


def _pairs(forward: Transformer):
    def project(coordinates: np.ndarray) -> np.ndarray:
        return np.column_stack(forward.transform(coordinates[:, 0], coordinates[:, 1]))

    return project
