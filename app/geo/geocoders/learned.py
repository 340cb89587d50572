"""The offline geocoder that learned the city from the deployment's own points.

It answers from the learned index (``learned_index.py``): the same address, a number
interpolated along a known road, the road's median point, or a known compound or village.
A claim is never finer than its evidence: ``exact`` only for a verified placement, and
the confidence rises with the points used and falls with how far they stretch.
"""

from __future__ import annotations

from collections.abc import Callable

from app.domain.enums import LearnedFrom
from app.geo.address import ParsedAddress
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import (
    Candidate,
    Evidence,
    GeocodeQuery,
    GeocodeResult,
    Neighbour,
    Outcome,
)
from app.geo.geocoders.shared_parse import SharedParse
from app.geo.interpolation import Estimate, Kind
from app.geo.learned_index import LearnedIndex
from app.geo.reverse import ReverseIndex

GUESSED_DISTRICT_FACTOR = 0.7
"""No district named, and the road was learned in one district only."""
HOUSE_KINDS = frozenset({Kind.exact, Kind.interpolated, Kind.nearest_number})
SOURCE_ORDER = tuple(LearnedFrom)
STREETS_REMEMBERED = 65_536
MISSED = GeocodeResult(provider="learned", outcome=Outcome.not_found)
"""Nothing learned about an address: no remark (a chain adds none for a silent miss), as
it says nothing about the address itself."""


class LearnedGeocoder:
    """Answers from the learned index; ``learned()`` gives the current one."""

    name = "learned"

    def __init__(
        self,
        index: GazetteerIndex,
        learned: Callable[[], LearnedIndex],
        reverse: ReverseIndex | None = None,
        parse: SharedParse | None = None,
    ) -> None:
        self.index = index
        self.learned = learned
        self.reverse = reverse
        self.parse = parse or SharedParse(index)
        self._streets: dict[tuple[float, float, int], str | None] = {}

    def geocode(self, query: GeocodeQuery) -> GeocodeResult:
        """The learned estimate for the address, or not found."""
        learned = self.learned()
        if not learned.size:
            return MISSED
        parsed = self.parse(query)
        if parsed.district is not None:
            estimate = learned.lookup(parsed)
            if estimate is None:
                return MISSED
            return self._result(estimate, parsed.district.id)
        districts = learned.districts_of(parsed)
        if not districts:
            return MISSED
        if len(districts) == 1:
            estimate = learned.lookup(parsed, districts[0])
            name = self.index.units[districts[0]].name
            result = self._result(estimate, districts[0], GUESSED_DISTRICT_FACTOR)
            return result.with_notes(f"no district named: learned only in {name}")
        return self._candidates(learned, parsed, districts)

    def _result(self, estimate: Estimate, district_id: int, factor: float = 1.0) -> GeocodeResult:
        district = self.index.units.get(district_id)
        return GeocodeResult(
            provider=self.name,
            outcome=Outcome.found,
            lon=estimate.lon,
            lat=estimate.lat,
            precision=estimate.precision,
            confidence=round(confidence(estimate) * factor, 3),
            district=district.name if district else None,
            street=self._street(estimate, district_id),
            notes=(f"learned: {estimate.note}",) if estimate.note else (),
            raw_level=estimate.kind.value,
            dwelling=estimate.kind in HOUSE_KINDS,
            evidence=evidence(estimate),
        )

    def _street(self, estimate: Estimate, district_id: int) -> str | None:
        """The street outline holding the point, remembered by point: answers other than
        interpolations repeat (a known point, a road's median), and the outline lookup
        costs a fifth of the step."""
        if self.reverse is None:
            return None
        key = (estimate.lon, estimate.lat, district_id)
        if key in self._streets:
            return self._streets[key]
        found = self.reverse.locate(estimate.lon, estimate.lat).street
        street = found.name if found and found.parent_id == district_id else None
        if estimate.kind is not Kind.interpolated:
            if len(self._streets) >= STREETS_REMEMBERED:
                self._streets.clear()
            self._streets[key] = street
        return street

    def _candidates(
        self, learned: LearnedIndex, parsed: ParsedAddress, districts: tuple[int, ...]
    ) -> GeocodeResult:
        """A road learned in several districts: one candidate per district."""
        candidates = []
        for district_id in districts:
            estimate = learned.lookup(parsed, district_id)
            district = self.index.units.get(district_id)
            if estimate is None or district is None:
                continue
            name = parsed.road or district.name
            candidates.append(
                Candidate(name, estimate.kind.value, estimate.lon, estimate.lat, district.name)
            )
        return GeocodeResult(
            provider=self.name,
            outcome=Outcome.ambiguous,
            candidates=tuple(candidates),
            notes=(f"no district named: learned in {len(candidates)} districts",),
        )


def evidence(estimate: Estimate) -> Evidence:
    """What placed ``estimate``, as the answer carries it."""
    sources = {n.source for n in estimate.neighbours}
    return Evidence(
        kind=estimate.kind.value,
        points=estimate.points,
        uncertainty_m=round(estimate.uncertainty_m, 1),
        span_m=None if estimate.span_m is None else round(estimate.span_m, 1),
        sources=tuple(s.value for s in SOURCE_ORDER if s in sources),
        neighbours=tuple(
            Neighbour(n.address, n.lon, n.lat, n.source.value) for n in estimate.neighbours[:4]
        ),
    )


def span_factor(span_m: float) -> float:
    """1 for evidence within 200 m, falling to 0.5 at 2 km and beyond."""
    return 1.0 if span_m <= 200 else max(0.5, 1.0 - 0.5 * (span_m - 200) / 1800)


def confidence(estimate: Estimate) -> float:
    """Higher with more points, lower the further the evidence stretches (plan §3)."""
    kind = estimate.kind
    if kind is Kind.exact:
        sources = {n.source for n in estimate.neighbours}
        if LearnedFrom.verified in sources:
            base = 0.9
        else:  # points of one address spread ±radius: as far apart as a span of twice that
            base = 0.7 if sources == {LearnedFrom.provider} else 0.8
            base *= span_factor(2 * estimate.uncertainty_m)
    elif kind is Kind.interpolated:
        side = 0.7 if estimate.other_side else 0.8
        base = side * span_factor(estimate.span_m or 0.0)
    elif kind is Kind.nearest_number:
        gap = estimate.gap or 0
        base = 0.6 * (1.0 if gap <= 20 else max(0.6, 1.0 - 0.4 * (gap - 20) / 80))
    elif kind is Kind.road_median:
        base = 0.5
    else:
        base = 0.65
    return min(1.0, base * min(1.0, 0.8 + 0.05 * estimate.points))
