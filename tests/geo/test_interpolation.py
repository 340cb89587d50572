"""Placing a number along a road from its known numbers: never beyond the evidence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.enums import LearnedFrom, Precision
from app.geo.distance import haversine_m
from app.geo.geocoders.learned import confidence
from app.geo.interpolation import (
    MAX_GAP,
    Kind,
    Known,
    RoadEvidence,
    exact,
    interpolate,
    place_median,
    road_median,
)

ROAD = "浦电路"


def known(number: int | None, lon: float, lat: float = 31.22, source=LearnedFrom.taught) -> Known:
    return Known(number, lon, lat, source, f"{ROAD}{number}号")


def road(*points: Known) -> RoadEvidence:
    return RoadEvidence(ROAD, points)


def test_exact_is_exact_only_for_a_verified_placement():
    taught = exact([known(221, 121.5), known(221, 121.502)])
    assert taught.kind is Kind.exact and taught.precision is Precision.approximate
    assert taught.lon == pytest.approx(121.501)
    verified = exact([known(221, 121.5), known(221, 121.51, source=LearnedFrom.verified)])
    assert verified.precision is Precision.exact and verified.lon == 121.51


def test_points_of_one_address_far_apart_are_as_uncertain_as_their_spread():
    apart = exact([known(221, 121.50), known(221, 121.60)])  # ~9.5 km
    assert apart.precision is Precision.street and apart.uncertainty_m > 4_000


def test_the_confidence_of_points_of_one_address_falls_with_their_spread():
    close = confidence(exact([known(221, 121.5), known(221, 121.5005)]))
    near = confidence(exact([known(221, 121.5), known(221, 121.506)]))  # ~570 m
    apart = confidence(exact([known(221, 121.50), known(221, 121.60)]))
    assert close == pytest.approx(0.8 * 0.9) and apart < near < close
    assert apart == pytest.approx(0.8 * 0.5 * 0.9)  # as an interpolation over 2 km or more


def test_same_side_wins_over_the_other_side():
    evidence = road(known(201, 121.50), known(241, 121.51), known(220, 121.60), known(224, 121.61))
    estimate = interpolate(evidence, 221)
    assert estimate.kind is Kind.interpolated and not estimate.other_side
    assert estimate.lon == pytest.approx(121.505)
    assert estimate.uncertainty_m == pytest.approx(estimate.span_m / 2)
    assert "same side" in estimate.note and estimate.precision is Precision.approximate


def test_the_other_side_when_no_same_side_pair():
    estimate = interpolate(road(known(200, 121.50), known(240, 121.51)), 221)
    assert estimate.kind is Kind.interpolated and estimate.other_side
    assert "other side" in estimate.note


def test_one_side_only_gives_the_nearest_number_within_the_gap():
    evidence = road(known(100, 121.50), known(110, 121.501))
    near = interpolate(evidence, 150)
    assert near.kind is Kind.nearest_number and near.gap == 40
    assert (near.lon, near.lat) == (121.501, 31.22)  # never extrapolated beyond 110
    far = interpolate(evidence, 110 + MAX_GAP + 2)
    assert far.kind is Kind.road_median and far.note.startswith("could not interpolate")


def test_numbers_too_far_apart_are_not_interpolated_between():
    estimate = interpolate(road(known(1, 121.40), known(501, 121.60)), 251)
    assert estimate.kind is Kind.road_median and "apart" in estimate.note
    assert estimate.precision is Precision.street  # the road spreads over ~19 km


def test_a_note_names_no_learned_address():
    evidence = road(known(101, 121.50), known(201, 121.51), known(300, 121.52))
    for number in (151, 250, 400):  # same side, other side, nearest number
        assert "号" not in interpolate(evidence, number).note


def test_a_tight_road_median_is_approximate():
    evidence = road(known(None, 121.500), known(None, 121.501), known(None, 121.502))
    estimate = road_median(evidence)
    assert estimate.precision is Precision.approximate and estimate.points == 3
    assert estimate.lon == pytest.approx(121.501)


def test_a_place_is_the_median_of_its_points():
    points = [known(None, 121.3 + i * 0.001, 31.1) for i in range(5)]
    estimate = place_median("建新村", points)
    assert estimate.kind is Kind.place and estimate.lon == pytest.approx(121.302)
    assert estimate.uncertainty_m >= 100


ends = st.tuples(
    st.floats(121.0, 122.0), st.floats(30.7, 31.8), st.floats(-0.01, 0.01), st.floats(-0.01, 0.01)
)


@given(ends, st.integers(1, 500), st.integers(1, 60), st.data())
def test_interpolation_stays_on_its_segment_and_is_monotone(end, lo, half_gap, data):
    lon, lat, dlon, dlat = end
    hi = lo + 2 * half_gap
    a, b = known(lo, lon, lat), known(hi, lon + dlon, lat + dlat)
    evidence = road(a, b)
    span = haversine_m(a.lon, a.lat, b.lon, b.lat)
    ks = sorted(data.draw(st.sets(st.integers(lo + 1, hi - 1), min_size=1, max_size=5)))
    previous = -1.0
    for k in ks:
        estimate = interpolate(evidence, k)
        assert estimate.kind is Kind.interpolated
        assert estimate.other_side == (k % 2 != lo % 2)
        assert min(a.lon, b.lon) - 1e-9 <= estimate.lon <= max(a.lon, b.lon) + 1e-9
        assert min(a.lat, b.lat) - 1e-9 <= estimate.lat <= max(a.lat, b.lat) + 1e-9
        along = (estimate.lon - a.lon) * dlon + (estimate.lat - a.lat) * dlat
        assert along >= previous - 1e-12
        previous = along
        assert estimate.uncertainty_m == pytest.approx(max(span / 2, 25.0))


@given(st.lists(st.integers(1, 400), min_size=2, max_size=12, unique=True), st.integers(1, 400))
def test_a_same_side_pair_is_used_whenever_one_brackets_the_number(numbers, k):
    evidence = road(*(known(n, 121.5 + n * 1e-5) for n in numbers))
    same = sorted(n for n in numbers if n % 2 == k % 2)
    estimate = interpolate(evidence, k)
    if any(n < k for n in same) and any(n > k for n in same) and k not in numbers:
        lo, hi = max(n for n in same if n < k), min(n for n in same if n > k)
        assert estimate.kind is Kind.interpolated and not estimate.other_side
        assert {n.number for n in estimate.neighbours} == {lo, hi}
    lons = [121.5 + n * 1e-5 for n in numbers]
    assert min(lons) - 1e-9 <= estimate.lon <= max(lons) + 1e-9  # never beyond the evidence
