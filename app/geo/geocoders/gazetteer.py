"""The offline geocoder: the finest administrative unit an address names.

It answers with that unit's representative point and never claims more than it
resolved: the precision is the coarser of the unit's level and of how well the unit
itself is located (a committee whose street has no outline yet is only ``district``).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.domain.enums import Level, Precision
from app.domain.records import AdminUnit
from app.geo.address import ParsedAddress
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.geocoders.base import Candidate, GeocodeQuery, GeocodeResult, Outcome
from app.geo.geocoders.shared_parse import SharedParse
from app.geo.road_index import RoadIndex, constant

LEVEL_PRECISION = {
    Level.district: Precision.district,
    Level.street: Precision.street,
    Level.committee: Precision.committee,
}
BASE_CONFIDENCE = {Level.district: 0.35, Level.street: 0.6, Level.committee: 0.75}
CONFLICT_FACTOR = 0.7
AMBIGUITY_FACTOR = 0.7
LOOSE_FACTOR = 0.9
"""A street found through a committee's core name in the text, not named by it."""
HAN = re.compile(r"[\u4e00-\u9fff]")
NOT_CHINESE = (
    "not understood: the offline gazetteer reads Chinese place names only; write the "
    "address in Chinese (浦东新区浦电路221号), or send lon/lat"
)


def unit_precision(unit: AdminUnit) -> Precision:
    """How well a unit's point locates it: the coarser of its level and its own precision."""
    return max(LEVEL_PRECISION[unit.level], unit.precision, key=lambda p: p.rank)


class GazetteerGeocoder:
    """Resolves district → street → committee names against the bundled gazetteer."""

    name = "gazetteer"

    def __init__(
        self,
        index: GazetteerIndex,
        roads: Callable[[], RoadIndex] | None = None,
        parse: SharedParse | None = None,
    ) -> None:
        self.index = index
        self.roads = roads or constant(RoadIndex(index))
        """The current road index (the app's also learns from stored resources' addresses)."""
        self.parse = parse or SharedParse(index)
        """The chain's parse, shared with the learned step."""

    def geocode(self, query: GeocodeQuery) -> GeocodeResult:
        """The finest unit the text justifies, with candidates when it is ambiguous."""
        parsed = self.parse(query)
        unit, ambiguous = self._resolve(parsed)
        notes = (parsed.conflict,) if parsed.conflict else ()
        candidates = tuple(self._candidate(u) for u in ambiguous)
        if unit is None and not ambiguous and parsed.road:
            candidates, reason = self._road_candidates(parsed.road)
        elif unit is None:
            reason = "named in several districts" if ambiguous else self._nothing(parsed)
        if unit is None:
            return GeocodeResult(
                provider=self.name,
                outcome=Outcome.ambiguous if candidates else Outcome.not_found,
                candidates=candidates,
                notes=(*notes, reason),
            )
        confidence = BASE_CONFIDENCE[unit.level]
        if unit is parsed.district:
            hint = self._street_from_road(parsed)
            if hint is not None:  # a guess, so a candidate and a note, never the answer
                street = self.index.units[hint.parent_id]
                candidates += (self._candidate(street),)
                notes += (f"probably {street.name}: {hint.name} is named after {parsed.road}",)
        if parsed.street_from:  # then the one street is the answer
            confidence *= LOOSE_FACTOR
            named = "、".join(c.name for c in parsed.street_from)
            notes += (f"street of {named}: its name without 居委会/村委会 is in the address",)
        if parsed.conflict:
            confidence *= CONFLICT_FACTOR
        if ambiguous:
            confidence *= AMBIGUITY_FACTOR
        names = self._names(unit)
        return GeocodeResult(
            provider=self.name,
            outcome=Outcome.found,
            lon=unit.lon,
            lat=unit.lat,
            precision=unit_precision(unit),
            confidence=round(confidence, 3),
            district=names.get(Level.district),
            street=names.get(Level.street),
            committee=names.get(Level.committee),
            candidates=candidates,
            notes=notes,
            raw_level=unit.level.value,
        )

    def _road_candidates(self, road: str) -> tuple[tuple[Candidate, ...], str]:
        """A road without a district: the districts it is known in, as candidates."""
        places = self.roads().places(road)
        if not places:
            return (), f"no district named, and {road} is not among the roads we know: add it"
        units = self.index.units
        candidates = tuple(
            self._candidate(units.get(p.street_id) or units[p.district_id])
            for p in places
            if p.district_id in units
        )
        return candidates, f"no district named: {road} is known in {len(places)} district(s)"

    @staticmethod
    def _nothing(parsed: ParsedAddress) -> str:
        if not HAN.search(parsed.text):
            return NOT_CHINESE
        return "no district, street or committee named"

    def _resolve(self, parsed: ParsedAddress) -> tuple[AdminUnit | None, tuple[AdminUnit, ...]]:
        """The unit to answer with, and the candidates it had to choose between."""
        for found in (parsed.committees, parsed.streets):
            if len(found) == 1:
                return found[0], ()
            if found:
                return self._common_parent(found, parsed.district), found
        return parsed.district, ()

    def _street_from_road(self, parsed: ParsedAddress) -> AdminUnit | None:
        """The one residents' committee named after the parsed road, if there is one."""
        if not parsed.road or parsed.district is None:
            return None
        named = self.index.committees_named_after(parsed.road, parsed.district.id)
        return named[0] if len(named) == 1 else None

    def _common_parent(
        self, units: tuple[AdminUnit, ...], district: AdminUnit | None
    ) -> AdminUnit | None:
        parents = {unit.parent_id for unit in units}
        if len(parents) == 1:
            return self.index.units[parents.pop()]
        districts = {unit.district_id for unit in units}
        if district is None and len(districts) == 1:
            return self.index.units[districts.pop()]
        return district

    def _names(self, unit: AdminUnit) -> dict[Level, str]:
        names = {}
        current: AdminUnit | None = unit
        while current is not None:
            names[current.level] = current.name
            current = self.index.units.get(current.parent_id) if current.parent_id else None
        return names

    def _candidate(self, unit: AdminUnit) -> Candidate:
        names = self._names(unit)
        return Candidate(
            name=unit.name,
            level=unit.level.value,
            lon=unit.lon,
            lat=unit.lat,
            district=names.get(Level.district),
            street=names.get(Level.street),
        )
