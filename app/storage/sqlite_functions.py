"""The spatial functions SQLite lacks and CQL2 filters need (``sql_filters``), registered
on every connection: shapely (GEOS, as PostGIS uses) on a row's point or outline against
a literal geometry given as WKB. The literal is parsed and prepared once per distinct WKB,
an outline once per unit (keyed by id and text length, so an edited outline is read
again); distances are metres on the sphere, in an azimuthal equidistant projection
centred on the literal (exact from its centre, and within centimetres across a city).
"""

from __future__ import annotations

import json
import sqlite3
from functools import lru_cache

import numpy as np
import shapely
from pyproj import Transformer
from shapely import Point, prepared
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from app.geo.distance import EARTH_RADIUS_M, haversine_m

SYMMETRIC = {"s_intersects", "s_disjoint", "s_touches", "s_crosses", "s_overlaps"}
CONVERSE = {"s_within": "contains", "s_contains": "within"}
"""A feature within the literal is the literal containing it: the prepared literal asks."""


def register(connection: sqlite3.Connection) -> None:
    """Add ``aidmap_point_rel``, ``aidmap_point_dwithin`` and ``aidmap_outline_rel``."""
    connection.create_function("aidmap_point_rel", 4, point_rel, deterministic=True)
    connection.create_function("aidmap_point_dwithin", 4, point_dwithin, deterministic=True)
    connection.create_function("aidmap_outline_rel", 7, outline_rel, deterministic=True)


def point_rel(op: str, lon: float, lat: float, wkb: bytes) -> int:
    """1 if the point (lon, lat) stands in relation ``op`` (``s_within`` …) to the literal."""
    return int(_relate(op, Point(lon, lat), wkb))


def point_dwithin(lon: float, lat: float, wkb: bytes, metres: float) -> int:
    """1 if the point is within ``metres`` of the literal on the sphere."""
    literal = _literal(wkb)
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
    if op == "s_equals":
        return geometry.equals(_literal(wkb))
    ready = _prepared(wkb)
    if op in SYMMETRIC:
        return getattr(ready, op[2:])(geometry)
    return getattr(ready, CONVERSE[op])(geometry)


@lru_cache(maxsize=64)
def _literal(wkb: bytes) -> BaseGeometry:
    return shapely.from_wkb(wkb)


@lru_cache(maxsize=64)
def _prepared(wkb: bytes):
    return prepared.prep(_literal(wkb))


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


@lru_cache(maxsize=64)
def _projected(wkb: bytes) -> tuple[BaseGeometry, Transformer]:
    """The literal in metres, and the lon/lat → metres transform, centred on it."""
    centre = _literal(wkb).centroid
    forward = Transformer.from_crs(
        "EPSG:4326",
        f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +R={EARTH_RADIUS_M} +units=m",
        always_xy=True,
    )
    return shapely.transform(_literal(wkb), _pairs(forward)), forward


def _pairs(forward: Transformer):
    def project(coordinates: np.ndarray) -> np.ndarray:
        return np.column_stack(forward.transform(coordinates[:, 0], coordinates[:, 1]))

    return project
