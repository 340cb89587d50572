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
from dataclasses import dataclass

from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

TOLERANCES = (0.0, 0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.004, 0.008)
"""Degrees, tried in order; 0.008° ≈ 800 m is the coarsest that still reads as a map."""
DECIMALS = {0.0: 5, 0.0001: 5, 0.0002: 4}
"""Decimals kept at a tolerance (default 3): finer than the tolerance, never finer than 1 m."""


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
        return geojson_size(self.districts) + geojson_size(self.streets)


def geojson_size(geometries: list[dict]) -> int:
    """Bytes of the geometries as JSON with the separators folium writes (", ", ": ")."""
    return len(json.dumps(geometries))


def fit_outlines(districts: list[dict], streets: list[dict], budget: int) -> Outlines:
    """Districts as fine as fit in ``budget`` bytes with the streets beside them, streets
    simplified harder first; streets are dropped when even the coarsest do not fit."""
    district_shapes, street_shapes = _shapes(districts), _shapes(streets)
    bounds = _bounds(district_shapes + street_shapes)
    fine_districts = _simplified(district_shapes, 0.0)
    room = budget - geojson_size(fine_districts)
    if street_shapes:
        for tolerance in TOLERANCES:
            simplified = _simplified(street_shapes, tolerance)
            if geojson_size(simplified) <= room:
                return Outlines(fine_districts, simplified, 0.0, tolerance, len(streets), bounds)
    for tolerance in TOLERANCES:
        simplified = _simplified(district_shapes, tolerance)
        if geojson_size(simplified) <= budget or tolerance == TOLERANCES[-1]:
            return Outlines(simplified, [], tolerance, None, len(streets), bounds)
    raise AssertionError("unreachable: the last tolerance always returns")


def _shapes(geometries: list[dict]) -> list[BaseGeometry]:
    shapes = (shape(geometry) for geometry in geometries if geometry)
    return [s for s in shapes if not s.is_empty]


def _simplified(shapes: list[BaseGeometry], tolerance: float) -> list[dict]:
    decimals = DECIMALS.get(tolerance, 3)
    result = []
    for s in shapes:
        simpler = s.simplify(tolerance, preserve_topology=True) if tolerance else s
        if not simpler.is_empty:
            result.append(_rounded(mapping(simpler), decimals))
    return result


def _rounded(geometry: dict, decimals: int) -> dict:
    def walk(value):
        if isinstance(value, float):
            return round(value, decimals)
        return [walk(v) for v in value]

    return {"type": geometry["type"], "coordinates": walk(geometry["coordinates"])}


def _bounds(shapes: list[BaseGeometry]) -> tuple[float, float, float, float] | None:
    if not shapes:
        return None
    boxes = [s.bounds for s in shapes]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes),
            max(b[2] for b in boxes), max(b[3] for b in boxes))  # fmt: skip
