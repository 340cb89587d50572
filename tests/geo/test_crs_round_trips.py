"""The OGC API's CRSs (``app.geo.ogc_crs``): Shanghai points asked in EPSG:4490, 4326 and
3857 come back to CRS84 within 1e-9° (the lat/lon ones exactly, by a swap), checked
against PROJ's own inverse; boxes map corner to corner."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from app.geo.ogc_crs import (
    CRS84,
    EPSG,
    UnsupportedCrs,
    bbox_to_crs84,
    from_crs84,
    geometry_in,
    supported,
    to_crs84,
)

LON = st.floats(120.85, 122.2)
LAT = st.floats(30.67, 31.88)


@functools.cache
def proj_inverse(code: str) -> Transformer:
    """PROJ's inverse, authority axis order in, CRS84 lon/lat out (not our module)."""
    return Transformer.from_crs(f"EPSG:{code}", "OGC:CRS84")


def back_to_crs84(code: str, first: float, second: float) -> tuple[float, float]:
    """A point of ``EPSG:code`` back in CRS84 by ``proj_inverse``."""
    return proj_inverse(code).transform(first, second)


@settings(deadline=None)
@given(LON, LAT)
@pytest.mark.parametrize("code", ["4490", "4326"])
def test_latitude_first_crss_are_our_numbers_swapped(code, lon, lat):
    first, second = from_crs84(EPSG + code, lon, lat)
    assert (first, second) == (lat, lon)
    assert back_to_crs84(code, first, second) == (lon, lat)
    assert to_crs84(EPSG + code, first, second) == (lon, lat)


@settings(deadline=None)
@given(LON, LAT)
def test_web_mercator_comes_back_within_a_nanodegree(lon, lat):
    x, y = from_crs84(EPSG + "3857", lon, lat)
    assert 1.3e7 < x < 1.4e7 and 3.5e6 < y < 3.8e6  # metres, easting first
    for back in (back_to_crs84("3857", x, y), to_crs84(EPSG + "3857", x, y)):
        assert back == pytest.approx((lon, lat), abs=1e-9)


@settings(deadline=None)
@given(LON, LAT, LON, LAT)
@pytest.mark.parametrize("code", ["4490", "4326", "3857"])
def test_a_box_maps_corner_to_corner(code, lon1, lat1, lon2, lat2):
    west, east, south, north = min(lon1, lon2), max(lon1, lon2), min(lat1, lat2), max(lat1, lat2)
    low, high = from_crs84(EPSG + code, west, south), from_crs84(EPSG + code, east, north)
    box = bbox_to_crs84(EPSG + code, (*low, *high))
    assert box == pytest.approx((west, south, east, north), abs=1e-9)


def test_geometries_keep_their_shape():
    ring = [[121.0, 31.0], [122.0, 31.0], [122.0, 32.0], [121.0, 31.0]]
    polygon = {"type": "MultiPolygon", "coordinates": [[ring]]}
    swapped = geometry_in(EPSG + "4490", polygon)
    assert swapped["coordinates"] == [[[[y, x] for x, y in ring]]]
    assert geometry_in(CRS84, polygon) is polygon and geometry_in(EPSG + "3857", None) is None
    point = geometry_in(EPSG + "3857", {"type": "Point", "coordinates": [121.0, 31.0]})
    assert point["coordinates"] == list(from_crs84(EPSG + "3857", 121.0, 31.0))


@pytest.mark.parametrize("uri", ["EPSG:4326", f"{EPSG}4547", "GCJ-02", CRS84 + " "])
def test_other_crss_are_refused(uri):
    with pytest.raises(UnsupportedCrs):
        supported(uri)
