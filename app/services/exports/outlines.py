"""District and street outlines simplified to fit a byte budget (shapely).

The offline file draws our own outlines instead of tiles. The bundled district outlines are
~20 KB, but imported street outlines (``aidmap geodata import-boundaries``) are several
megabytes, so outlines are simplified (Douglas-Peucker, topology kept) with a growing
tolerance until their GeoJSON fits: streets first, since they are the finer, larger layer;
districts are simplified only once streets are gone. Coordinates are WGS-84 degrees, the
tolerance is in degrees too (0.0001° ≈ 10 m in Shanghai).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import mapping, shape

TOLERANCES = (0.0, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.004, 0.008)
"""Degrees, tried in order; 0.008° ≈ 800 m is the coarsest that still reads as a map."""
DECIMALS = {0.0: 5, 0.0001: 5, 0.0002: 4}
"""Decimals kept at a tolerance (default 3): finer than the tolerance, never finer than 1 m."""
VERTEX_BYTES = {5: 15, 4: 14, 3: 13}
"""Bytes one vertex takes at least in GeoJSON at so many decimals (``[121.47372, 31.23041], ``
is 23; trailing zeros go): a tolerance whose vertices cannot fit is not written out."""


@dataclass(frozen=True, slots=True)
class Outlines:
    """The outlines a file draws, as GeoJSON geometries, and how they were simplified."""

    districts: list[dict]
    streets: list[dict]
    district_tolerance: float
    street_tolerance: float | None
    """None: the streets did not fit at any tolerance and were left out."""
    streets_known: int
    """How many street outlines the store holds for the area (before any was left out)."""
    bounds: tuple[float, float, float, float] | None

    @property
    def size(self) -> int:
        """Bytes of the outlines' GeoJSON (as ``geojson_size`` counts them)."""
        return sum(geojson_size(layer) for layer in (self.districts, self.streets) if layer)


def geojson_size(geometries: list[dict]) -> int:
    """Bytes of the geometries as JSON with the separators folium writes (", ", ": ")."""
    return len(json.dumps(geometries))


def fit_outlines(districts: list[dict], streets: list[dict], budget: int) -> Outlines:
    """Districts as fine as fit in ``budget`` bytes with the streets beside them, streets
    simplified harder first; streets are dropped when even the coarsest do not fit."""
    district_shapes, street_shapes = _shapes(districts), _shapes(streets)
    bounds = _bounds(district_shapes, street_shapes)
    fine_districts = _geojson(district_shapes, 0.0)
    room = budget - geojson_size(fine_districts)
    for tolerance, simpler in _simplifications(street_shapes):
        fitting = _fitting(simpler, tolerance, room)
        if fitting is not None:
            return Outlines(fine_districts, fitting, 0.0, tolerance, len(streets), bounds)
    for tolerance, simpler in _simplifications(district_shapes):
        fitting = _fitting(simpler, tolerance, None if tolerance == TOLERANCES[-1] else budget)
        if fitting is not None:
            return Outlines(fitting, [], tolerance, None, len(streets), bounds)
    return Outlines([], [], 0.0, None, len(streets), bounds)  # no outline at all


def _shapes(geometries: list[dict]) -> np.ndarray:
    shapes = np.array([shape(geometry) for geometry in geometries if geometry], dtype=object)
    return shapes[~shapely.is_empty(shapes)] if len(shapes) else shapes


def _simplifications(shapes: np.ndarray) -> Iterator[tuple[float, np.ndarray]]:
    """The shapes at each tolerance, each simplified from the one before (fewer vertices
    to walk; Douglas-Peucker of a simplification stays within the sum of the tolerances)."""
    simpler = shapes
    for tolerance in TOLERANCES if len(shapes) else ():
        if tolerance:
            simpler = shapely.simplify(simpler, tolerance, preserve_topology=True)
        yield tolerance, simpler


def _fitting(shapes: np.ndarray, tolerance: float, room: int | None) -> list[dict] | None:
    """The shapes as GeoJSON if they fit in ``room`` bytes (None: any size), else None; a
    count of vertices rules out most misses before any GeoJSON is written."""
    if room is not None:
        vertices = int(shapely.get_num_coordinates(shapes).sum())
        if vertices * VERTEX_BYTES[DECIMALS.get(tolerance, 3)] > room:
            return None
    geojson = _geojson(shapes, tolerance)
    return geojson if room is None or geojson_size(geojson) <= room else None


def _geojson(shapes: np.ndarray, tolerance: float) -> list[dict]:
    decimals = DECIMALS.get(tolerance, 3)
    rounded = shapely.transform(shapes, lambda coords: np.round(coords, decimals))
    return [_lists(mapping(s)) for s in rounded if not s.is_empty]


def _lists(geometry: dict) -> dict:
    """A geometry's coordinates as lists of floats (``mapping`` gives tuples)."""

    def walk(value):
        return value if isinstance(value, float) else [walk(v) for v in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _bounds(*layers: np.ndarray) -> tuple[float, float, float, float] | None:
    shapes = np.concatenate(layers)
    if not len(shapes):
        return None
    west, south, east, north = shapely.total_bounds(shapes)
    return float(west), float(south), float(east), float(north)
