"""The coordinate reference systems the OGC API answers in (Features Part 2).

Features are stored as WGS-84 lon/lat degrees (CRS84, the storage CRS). A client may ask
for them, and give its ``bbox``, in EPSG:4326 or EPSG:4490 (CGCS2000, the datum Chinese
government GIS work is delivered in), both latitude first, or in EPSG:3857 (web
Mercator metres). PROJ has no datum shift between CGCS2000 and WGS 84 (its
transformation is a "ballpark" one, an axis swap): the two agree to centimetres or
decimetres, below the precision any stored point has, so EPSG:4490 answers are our WGS-84
numbers in lat/lon order (docs/decisions.md). GCJ-02 is not offered: it has no URI a
client could resolve, and a GIS would take its numbers for WGS 84.

Every function takes and returns floats or numpy arrays, and nothing is rounded (1 cm of
EPSG:3857 is ~9e-8 degrees, so metres keep every digit ``repr`` gives).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from pyproj import Transformer

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
SUPPORTED = (CRS84, f"{EPSG}4326", f"{EPSG}4490", f"{EPSG}3857")
"""The CRSs a collection lists in ``crs``, CRS84 first (the default and storage CRS)."""
LATITUDE_FIRST = frozenset({f"{EPSG}4326", f"{EPSG}4490"})
"""CRSs whose first axis is latitude (as EPSG defines them, and Part 2 honours)."""


class UnsupportedCrs(ValueError):
    """A CRS URI that is not in ``SUPPORTED``."""


def supported(uri: str) -> str:
    """``uri`` if it is a supported CRS; ``UnsupportedCrs`` otherwise."""
    if uri not in SUPPORTED:
        raise UnsupportedCrs(f"crs must be one of {', '.join(SUPPORTED)}, not {uri[:80]!r}")
    return uri


@functools.cache
def _transformer(uri: str, to_crs84: bool) -> Transformer:
    """PROJ's CRS84 ↔ ``uri`` transformation, x (east) first on both sides."""
    code = f"EPSG:{uri.removeprefix(EPSG)}"
    source, target = (code, "OGC:CRS84") if to_crs84 else ("OGC:CRS84", code)
    return Transformer.from_crs(source, target, always_xy=True)


def from_crs84(uri: str, lon: Any, lat: Any) -> tuple[Any, Any]:
    """CRS84 lon/lat degrees as coordinates of ``uri``, in its axis order."""
    if uri == CRS84:
        return lon, lat
    x, y = _transformer(uri, False).transform(lon, lat, errcheck=True)
    return (y, x) if uri in LATITUDE_FIRST else (x, y)


def to_crs84(uri: str, first: Any, second: Any) -> tuple[Any, Any]:
    """Coordinates of ``uri`` (in its axis order) as CRS84 lon/lat degrees."""
    if uri == CRS84:
        return first, second
    x, y = (second, first) if uri in LATITUDE_FIRST else (first, second)
    return _transformer(uri, True).transform(x, y, errcheck=True)


def bbox_to_crs84(uri: str, box: tuple[float, float, float, float]) -> tuple[float, ...]:
    """A box given as two corners in ``uri`` (``minAxis1,minAxis2,maxAxis1,maxAxis2``) as
    CRS84 ``west,south,east,north``. Each supported CRS maps meridians and parallels to
    its axes (EPSG:3857: x by longitude, y by latitude), so the corners are exact."""
    lon, lat = to_crs84(uri, np.array(box[0::2], float), np.array(box[1::2], float))
    return float(lon[0]), float(lat[0]), float(lon[1]), float(lat[1])


def geometry_in(uri: str, geometry: dict | None) -> dict | None:
    """A GeoJSON geometry (CRS84) with its coordinates in ``uri``; the same shape."""
    if geometry is None or uri == CRS84:
        return geometry
    return {**geometry, "coordinates": _coordinates_in(uri, geometry["coordinates"])}


def _coordinates_in(uri: str, coordinates: list) -> list:
    if not isinstance(coordinates[0], list):  # one position
        return list(map(float, from_crs84(uri, coordinates[0], coordinates[1])))
    if not isinstance(coordinates[0][0], list):  # a line or ring of positions
        first, second = from_crs84(
            uri, np.array([p[0] for p in coordinates]), np.array([p[1] for p in coordinates])
        )
        return [[a, b] for a, b in zip(first.tolist(), second.tolist(), strict=True)]
    return [_coordinates_in(uri, part) for part in coordinates]
