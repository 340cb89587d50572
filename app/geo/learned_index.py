"""The learned points in memory, keyed as addresses are looked up: the exact address, the
road (with its numbers, by side) and the place (compound, village, committee), each under
its district. Built from the store's rows without a parse (their keys are stored)."""

from __future__ import annotations

from collections.abc import Iterable

from app.domain.learned import LearnedPoint
from app.geo.address import ParsedAddress
from app.geo.house_numbers import house_key, place_key
from app.geo.interpolation import (
    Estimate,
    Known,
    RoadEvidence,
    exact,
    interpolate,
    place_median,
    road_median,
)
from app.geo.sources import LearnedSource


class LearnedIndex:
    """Exact addresses, roads and places learned, by district id."""

    def __init__(self, points: Iterable[LearnedPoint]) -> None:
        self.by_address: dict[tuple[int, str, str], list[Known]] = {}
        road_points: dict[tuple[int, str], list[Known]] = {}
        self.by_place: dict[tuple[int, str], list[Known]] = {}
        self.districts: dict[str, set[int]] = {}
        """The districts a road or place name was learned in."""
        self.size = 0
        for point in points:
            self.size += 1
            known = Known(
                point.house_number,
                point.lon,
                point.lat,
                point.source,
                point.address,
                point.learned_at,
            )
            district = point.district_id
            if point.road:
                road_points.setdefault((district, point.road), []).append(known)
                self.districts.setdefault(point.road, set()).add(district)
                if point.house_text:
                    key = (district, point.road, point.house_text)
                    self.by_address.setdefault(key, []).append(known)
            elif point.place:
                self.by_place.setdefault((district, point.place), []).append(known)
                self.districts.setdefault(point.place, set()).add(district)
        self.by_road = {key: RoadEvidence(key[1], known) for key, known in road_points.items()}

    @classmethod
    def from_source(cls, source: LearnedSource) -> LearnedIndex:
        """The index of everything ``source`` learned."""
        return cls(source.iter_learned())

    def districts_of(self, parsed: ParsedAddress) -> tuple[int, ...]:
        """The districts the address's road (or place) was learned in, for a query that
        names no district."""
        name = parsed.road or place_key(parsed)
        return tuple(sorted(self.districts.get(name, ()))) if name else ()

    def lookup(self, parsed: ParsedAddress, district_id: int | None = None) -> Estimate | None:
        """The estimate for an address in its district (or ``district_id``), None when
        nothing about it was learned."""
        if district_id is None:
            if parsed.district is None:
                return None
            district_id = parsed.district.id
        if parsed.road:
            road = self.by_road.get((district_id, parsed.road))
            if road is None:
                return None
            key = house_key(parsed)
            if key.text:
                same = self.by_address.get((district_id, parsed.road, key.text))
                if same:
                    return exact(same)
            if key.number is None:
                return road_median(road)
            return interpolate(road, key.number)
        place = place_key(parsed)
        points = self.by_place.get((district_id, place)) if place else None
        return place_median(place, points) if points else None
