"""Coordinate transforms between WGS-84, GCJ-02 (China's offset datum) and BD-09 (Baidu's).

Every function takes and returns longitude/latitude in degrees, longitude first. Each accepts
plain floats (and returns plain floats) or numpy arrays of one shape (and returns new arrays).
Points outside China's rectangle (see ``out_of_china``), and non-finite values, are returned
unchanged. The inverses are exact: they iterate the forward transform to a residual below
``TOLERANCE`` degrees, rather than applying the usual one-step approximation (off by up to ~1 m).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from app.domain.enums import SourceCrs

FloatArray = npt.NDArray[np.float64]
Coord = TypeVar("Coord", float, FloatArray)

CHINA_LON = (72.004, 137.8347)
CHINA_LAT = (0.8293, 55.8271)
TOLERANCE = 1e-9  # degrees: largest residual an inverse leaves
MAX_ITERATIONS = 30

_A = 6378245.0  # Krasovsky 1940 semi-major axis, metres
_EE = 0.00669342162296594323  # Krasovsky 1940 first eccentricity squared
_X_PI = math.pi * 3000.0 / 180.0
_BD_DLON, _BD_DLAT = 0.0065, 0.006


class _Ops(NamedTuple):
    """The elementary functions, from ``math`` for floats or ``numpy`` for arrays."""

    sin: Callable[[Any], Any]
    cos: Callable[[Any], Any]
    sqrt: Callable[[Any], Any]
    atan2: Callable[[Any, Any], Any]
    hypot: Callable[[Any, Any], Any]
    below: Callable[[Any, Any], bool]


_MATH = _Ops(
    math.sin,
    math.cos,
    math.sqrt,
    math.atan2,
    math.hypot,
    lambda dx, dy: max(abs(dx), abs(dy)) < TOLERANCE,
)
_NUMPY = _Ops(
    np.sin,
    np.cos,
    np.sqrt,
    np.arctan2,
    np.hypot,
    lambda dx, dy: bool(np.all(np.abs(dx) < TOLERANCE) and np.all(np.abs(dy) < TOLERANCE)),
)

_Raw = Callable[[Any, Any, _Ops], tuple[Any, Any]]


def out_of_china(lon: Coord, lat: Coord) -> Any:
    """True where a point (degrees) lies outside China's rectangle, so no offset applies.

    Returns a bool for floats and a bool array for arrays; NaN counts as outside.
    """
    inside = (
        (lon >= CHINA_LON[0])
        & (lon <= CHINA_LON[1])
        & (lat >= CHINA_LAT[0])
        & (lat <= CHINA_LAT[1])
    )
    if isinstance(inside, np.ndarray):
        return ~inside
    return not inside


def _raw_wgs_to_gcj(lon: Any, lat: Any, m: _Ops) -> tuple[Any, Any]:
    """The GCJ-02 forward formula, with no check of the China rectangle."""
    x, y = lon - 105.0, lat - 35.0
    shared = (20.0 * m.sin(6.0 * x * math.pi) + 20.0 * m.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    shared_lat = shared + 0.2 * m.sqrt(abs(x))
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + shared_lat
    dlat += (20.0 * m.sin(y * math.pi) + 40.0 * m.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * m.sin(y / 12.0 * math.pi) + 320.0 * m.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlon = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + shared + 0.1 * m.sqrt(abs(x))
    dlon += (20.0 * m.sin(x * math.pi) + 40.0 * m.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlon += (150.0 * m.sin(x / 12.0 * math.pi) + 300.0 * m.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1.0 - _EE * m.sin(rad) ** 2
    sqrt_magic = m.sqrt(magic)
    dlat = dlat * 180.0 / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlon = dlon * 180.0 / (_A / sqrt_magic * m.cos(rad) * math.pi)
    return lon + dlon, lat + dlat


def _raw_gcj_to_bd(lon: Any, lat: Any, m: _Ops) -> tuple[Any, Any]:
    """The BD-09 forward formula from GCJ-02, with no check of the China rectangle."""
    z = m.hypot(lon, lat) + 0.00002 * m.sin(lat * _X_PI)
    theta = m.atan2(lat, lon) + 0.000003 * m.cos(lon * _X_PI)
    return z * m.cos(theta) + _BD_DLON, z * m.sin(theta) + _BD_DLAT


def _raw_wgs_to_bd(lon: Any, lat: Any, m: _Ops) -> tuple[Any, Any]:
    """WGS-84 to BD-09 through GCJ-02, with no check of the China rectangle."""
    return _raw_gcj_to_bd(*_raw_wgs_to_gcj(lon, lat, m), m)


def _inverse(forward: _Raw) -> _Raw:
    """The exact inverse of ``forward`` by fixed-point iteration (its offset varies slowly)."""

    def invert(lon: Any, lat: Any, m: _Ops) -> tuple[Any, Any]:
        x, y = lon, lat
        for _ in range(MAX_ITERATIONS):
            fx, fy = forward(x, y, m)
            dx, dy = lon - fx, lat - fy
            x, y = x + dx, y + dy
            if m.below(dx, dy):
                break
        return x, y

    return invert


def _raw_identity(lon: Any, lat: Any, m: _Ops) -> tuple[Any, Any]:
    """No change."""
    return lon, lat


def _apply(raw: _Raw, lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """Run ``raw`` on floats or arrays, leaving points outside China unchanged."""
    if isinstance(lon, np.ndarray) or isinstance(lat, np.ndarray):
        lon_a, lat_a = np.asarray(lon, dtype=np.float64), np.asarray(lat, dtype=np.float64)
        if lon_a.shape != lat_a.shape:
            raise ValueError(f"lon and lat shapes differ: {lon_a.shape} != {lat_a.shape}")
        out = out_of_china(lon_a, lat_a)
        # Compute on a harmless in-China stand-in where the point is outside or not finite.
        x, y = raw(np.where(out, 105.0, lon_a), np.where(out, 35.0, lat_a), _NUMPY)
        return np.where(out, lon_a, x), np.where(out, lat_a, y)
    lon_f, lat_f = float(lon), float(lat)
    if out_of_china(lon_f, lat_f):
        return lon_f, lat_f
    x, y = raw(lon_f, lat_f, _MATH)
    return float(x), float(y)


_raw_gcj_to_wgs = _inverse(_raw_wgs_to_gcj)
_raw_bd_to_gcj = _inverse(_raw_gcj_to_bd)


def _raw_bd_to_wgs(lon: Any, lat: Any, m: _Ops) -> tuple[Any, Any]:
    """BD-09 to WGS-84 through GCJ-02 by the two exact inverses."""
    return _raw_gcj_to_wgs(*_raw_bd_to_gcj(lon, lat, m), m)


def wgs84_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """WGS-84 lon/lat (degrees) to GCJ-02 lon/lat (degrees)."""
    return _apply(_raw_wgs_to_gcj, lon, lat)


def gcj02_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """GCJ-02 lon/lat (degrees) to WGS-84 lon/lat (degrees), exactly inverting the forward."""
    return _apply(_raw_gcj_to_wgs, lon, lat)


def gcj02_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """GCJ-02 lon/lat (degrees) to BD-09 lon/lat (degrees)."""
    return _apply(_raw_gcj_to_bd, lon, lat)


def bd09_to_gcj02(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """BD-09 lon/lat (degrees) to GCJ-02 lon/lat (degrees), exactly inverting the forward."""
    return _apply(_raw_bd_to_gcj, lon, lat)


def wgs84_to_bd09(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """WGS-84 lon/lat (degrees) to BD-09 lon/lat (degrees), through GCJ-02."""
    return _apply(_raw_wgs_to_bd, lon, lat)


def bd09_to_wgs84(lon: Coord, lat: Coord) -> tuple[Coord, Coord]:
    """BD-09 lon/lat (degrees) to WGS-84 lon/lat (degrees), exactly, through GCJ-02."""
    return _apply(_raw_bd_to_wgs, lon, lat)


_TO_WGS84: dict[SourceCrs, _Raw] = {
    SourceCrs.wgs84: _raw_identity,
    SourceCrs.gcj02: _raw_gcj_to_wgs,
    SourceCrs.bd09: _raw_bd_to_wgs,
}
_FROM_WGS84: dict[SourceCrs, _Raw] = {
    SourceCrs.wgs84: _raw_identity,
    SourceCrs.gcj02: _raw_wgs_to_gcj,
    SourceCrs.bd09: _raw_wgs_to_bd,
}


def to_wgs84(lon: Coord, lat: Coord, source: SourceCrs | str) -> tuple[Coord, Coord]:
    """Lon/lat (degrees) in ``source`` to WGS-84 lon/lat (degrees); ValueError for unknown CRS."""
    return _apply(_TO_WGS84[SourceCrs(source)], lon, lat)


def from_wgs84(lon: Coord, lat: Coord, target: SourceCrs | str) -> tuple[Coord, Coord]:
    """WGS-84 lon/lat (degrees) to lon/lat (degrees) in ``target``; ValueError for unknown CRS."""
    return _apply(_FROM_WGS84[SourceCrs(target)], lon, lat)
