"""WGS-84 / GCJ-02 / BD-09 transforms: properties, known answers and the Shanghai eval data."""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.enums import SourceCrs
from app.geo import crs
from app.geo.distance import haversine_m, haversine_many_m

TRANSFORMS: list[Callable] = [
    crs.wgs84_to_gcj02,
    crs.gcj02_to_wgs84,
    crs.gcj02_to_bd09,
    crs.bd09_to_gcj02,
    crs.wgs84_to_bd09,
    crs.bd09_to_wgs84,
]
ROUND_TRIPS = [
    (crs.wgs84_to_gcj02, crs.gcj02_to_wgs84),
    (crs.gcj02_to_bd09, crs.bd09_to_gcj02),
    (crs.wgs84_to_bd09, crs.bd09_to_wgs84),
]
PEOPLES_SQUARE = (121.4737, 31.2304)  # WGS-84

# Inside China's rectangle with a margin wider than the largest offset (~0.017°), so a
# transformed point never leaves the rectangle.
in_china = st.tuples(st.floats(72.1, 137.7), st.floats(0.9, 55.7))
anywhere = st.tuples(st.floats(-180.0, 180.0), st.floats(-90.0, 90.0))
outside_china = anywhere.filter(lambda p: crs.out_of_china(*p))


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS)
@given(point=in_china)
def test_round_trips_are_exact_in_china(forward, inverse, point):
    lon, lat = inverse(*forward(*point))
    assert abs(lon - point[0]) < 1e-7
    assert abs(lat - point[1]) < 1e-7


@pytest.mark.parametrize(("forward", "inverse"), ROUND_TRIPS)
@given(point=in_china)
def test_inverses_reproduce_their_input_through_the_forward(forward, inverse, point):
    lon, lat = forward(*inverse(*point))
    assert max(abs(lon - point[0]), abs(lat - point[1])) < crs.TOLERANCE


@pytest.mark.parametrize("transform", TRANSFORMS)
@given(point=outside_china)
def test_outside_china_every_transform_is_the_identity(transform, point):
    result = transform(*point)
    assert result == point
    assert all(type(v) is float for v in result)


@given(point=outside_china, crs_name=st.sampled_from(list(SourceCrs)))
def test_outside_china_to_and_from_wgs84_are_the_identity(point, crs_name):
    assert crs.to_wgs84(*point, crs_name) == point
    assert crs.from_wgs84(*point, crs_name) == point


@given(points=st.lists(st.one_of(in_china, anywhere), min_size=1, max_size=20))
def test_array_input_equals_elementwise_scalar_results(points):
    lon = np.array([p[0] for p in points])
    lat = np.array([p[1] for p in points])
    for transform in TRANSFORMS:
        lon_out, lat_out = transform(lon, lat)
        assert isinstance(lon_out, np.ndarray)
        assert lon_out.shape == lon.shape
        expected = np.array([transform(*p) for p in points])
        np.testing.assert_allclose(lon_out, expected[:, 0], rtol=0, atol=1e-10)
        np.testing.assert_allclose(lat_out, expected[:, 1], rtol=0, atol=1e-10)


def test_china_rectangle_edges():
    assert not crs.out_of_china(72.004, 0.8293)
    assert not crs.out_of_china(137.8347, 55.8271)
    assert crs.out_of_china(72.0039, 30.0)
    assert crs.out_of_china(137.8348, 30.0)
    assert crs.out_of_china(100.0, 0.8292)
    assert crs.out_of_china(100.0, 55.8272)
    assert crs.out_of_china(math.nan, 30.0)
    mask = crs.out_of_china(np.array([121.0, 0.0]), np.array([31.0, 0.0]))
    assert mask.tolist() == [False, True]


def test_arrays_pass_nan_and_far_points_through_unchanged():
    lon = np.array([[121.4737, np.nan], [-0.1276, np.inf]])
    lat = np.array([[31.2304, 31.0], [51.5072, 31.0]])
    lon_out, lat_out = crs.bd09_to_wgs84(lon, lat)
    assert lon_out.shape == (2, 2)
    assert lon_out[0, 0] != lon[0, 0]
    np.testing.assert_array_equal(lon_out[[0, 1, 1], [1, 0, 1]], lon[[0, 1, 1], [1, 0, 1]])
    np.testing.assert_array_equal(lat_out[[0, 1, 1], [1, 0, 1]], lat[[0, 1, 1], [1, 0, 1]])
    assert crs.wgs84_to_gcj02(np.array([]), np.array([]))[0].shape == (0,)


def test_forward_transforms_match_the_published_reference_values():
    # The values printed by the widely used coordTransform utilities for (128.543, 37.065).
    assert crs.wgs84_to_gcj02(128.543, 37.065) == pytest.approx(
        (128.54820547949757, 37.065651049489816), abs=1e-12
    )
    assert crs.gcj02_to_bd09(128.543, 37.065) == pytest.approx(
        (128.54944656269413, 37.07113427883019), abs=1e-12
    )


def test_offsets_at_peoples_square():
    gcj = crs.wgs84_to_gcj02(*PEOPLES_SQUARE)
    bd = crs.wgs84_to_bd09(*PEOPLES_SQUARE)
    assert 480 <= haversine_m(*PEOPLES_SQUARE, *gcj) <= 560
    assert 1100 <= haversine_m(*PEOPLES_SQUARE, *bd) <= 1250
    assert gcj[0] > PEOPLES_SQUARE[0]  # GCJ-02 shifts east (and south) here
    assert gcj[1] < PEOPLES_SQUARE[1]


def test_to_and_from_wgs84_accept_the_enum_or_its_value():
    for source in SourceCrs:
        there = crs.from_wgs84(*PEOPLES_SQUARE, source)
        assert crs.from_wgs84(*PEOPLES_SQUARE, source.value) == there
        back = crs.to_wgs84(*there, source)
        assert back == pytest.approx(PEOPLES_SQUARE, abs=1e-9)
    assert crs.to_wgs84(*PEOPLES_SQUARE, "wgs84") == PEOPLES_SQUARE
    assert crs.from_wgs84(*PEOPLES_SQUARE, "bd09") == crs.wgs84_to_bd09(*PEOPLES_SQUARE)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError):
        crs.to_wgs84(*PEOPLES_SQUARE, "epsg:4326")
    with pytest.raises(ValueError):
        crs.wgs84_to_gcj02(np.zeros(3), np.zeros(2))


@pytest.fixture(scope="module")
def dev(eval_dir: Path) -> dict[str, np.ndarray]:
    """The dev rows of addresses.csv as one float array per coordinate column."""
    columns = ("wgs84_lng", "wgs84_lat", "gcj02_lng", "gcj02_lat", "bd09_lng", "bd09_lat")
    values: dict[str, list[float]] = {name: [] for name in columns}
    with (eval_dir / "addresses.csv").open(newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["split"] != "dev":
                continue
            for name in columns:
                values[name].append(float(row[name]))
    assert len(values["wgs84_lng"]) > 1000
    return {name: np.array(column) for name, column in values.items()}


def test_bd09_column_lands_near_the_wgs84_column(dev):
    # Rows were kept only where Baidu's and Amap's answers agree within 100 m, so this mostly
    # checks the transform's size and direction; the rest is geocoder disagreement
    # (measured on dev: 99.86 % within 100 m, median 22 m, max 102 m).
    lon, lat = crs.bd09_to_wgs84(dev["bd09_lng"], dev["bd09_lat"])
    distance = haversine_many_m(lon, lat, dev["wgs84_lng"], dev["wgs84_lat"])
    assert np.mean(distance <= 100) >= 0.95
    assert np.median(distance) < 40


def test_gcj02_column_to_wgs84_matches_the_data_generator(dev):
    # The wgs84 columns were converted from the gcj02 ones with the usual one-step approximation
    # (wgs ≈ 2·gcj − forward(gcj)), not an exact inverse: that formula, built on our forward
    # transform, reproduces them to the 6-decimal rounding (≤ 0.08 m on dev), while our exact
    # inverse lands 0.01–2.3 m from them (median 1.4 m): only 30.3 % of dev rows are within
    # 1 m, so that share is asserted just below the measured figure, and all within 2.5 m.
    lon, lat = crs.gcj02_to_wgs84(dev["gcj02_lng"], dev["gcj02_lat"])
    distance = haversine_many_m(lon, lat, dev["wgs84_lng"], dev["wgs84_lat"])
    assert np.mean(distance <= 1.0) >= 0.30
    assert distance.max() <= 2.5

    forward_lon, forward_lat = crs.wgs84_to_gcj02(dev["gcj02_lng"], dev["gcj02_lat"])
    one_step_lon = 2 * dev["gcj02_lng"] - forward_lon
    one_step_lat = 2 * dev["gcj02_lat"] - forward_lat
    one_step = haversine_many_m(one_step_lon, one_step_lat, dev["wgs84_lng"], dev["wgs84_lat"])
    assert one_step.max() <= 0.15
