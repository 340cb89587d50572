"""Relocating streets (and their committees) to imported street outlines.

A street matches an outline of the same district by exact name, else by its core
name (友谊路街道 ~ 友谊) when that is unique in the district. A unit is moved only when
the outline is at least as precise as what it has, so nothing is made coarser.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from shapely.geometry import mapping

from app.geo.boundaries import Boundary
from app.geo.names import core_name, normalise
from app.services.units import units_named
from app.storage.base import AdminUnit, Level, Precision, Store, UnitMove


@dataclass(frozen=True, slots=True)
class StreetMatch:
    """An outline and the street it was matched to; ``how`` is ``exact`` or ``core``."""

    street: AdminUnit
    boundary: Boundary
    how: str


@dataclass(slots=True)
class RelocationPlan:
    """What an import of street outlines would do."""

    matches: list[StreetMatch] = field(default_factory=list)
    unmatched: list[tuple[Boundary, str]] = field(default_factory=list)
    streets_without_outline: list[AdminUnit] = field(default_factory=list)

    def report_lines(self) -> list[str]:
        """A human-readable report: counts, then every fuzzy match and every miss."""
        exact = sum(1 for m in self.matches if m.how == "exact")
        lines = [
            f"outlines: {len(self.matches) + len(self.unmatched)}; matched {len(self.matches)} "
            f"({exact} by exact name, {len(self.matches) - exact} by core name); "
            f"unmatched {len(self.unmatched)}",
        ]
        lines += [
            f"  matched by core name: {m.boundary.district} {m.boundary.name} -> {m.street.name}"
            for m in self.matches
            if m.how != "exact"
        ]
        lines += [f"  unmatched: {b.district} {b.name}: {why}" for b, why in self.unmatched]
        lines.append(f"streets without an outline: {len(self.streets_without_outline)}")
        lines += [f"  {s.code} {s.name}" for s in self.streets_without_outline]
        return lines


def plan_relocation(store: Store, boundaries: list[Boundary]) -> RelocationPlan:
    """Match street outlines to the gazetteer's streets: exact names first, then core names."""
    streets_by_district: dict[int, list[AdminUnit]] = defaultdict(list)
    for street in store.find_units(level=Level.street):
        streets_by_district[street.district_id].append(street)
    plan = RelocationPlan()
    candidates: list[tuple[Boundary, list[AdminUnit]]] = []
    for boundary in boundaries:
        districts = units_named(store, boundary.district, Level.district)
        if len(districts) == 1:
            candidates.append((boundary, streets_by_district[districts[0].id]))
        else:
            plan.unmatched.append((boundary, f"unknown district {boundary.district!r}"))
    taken: dict[int, Boundary] = {}
    for how, key in (("exact", normalise), ("core", core_name)):
        remaining = []
        for boundary, streets in candidates:
            found = [s for s in streets if key(s.name) == key(boundary.name)]
            free = [s for s in found if s.id not in taken]
            if len(found) == 1 and free:
                taken[free[0].id] = boundary
                plan.matches.append(StreetMatch(free[0], boundary, how))
            else:
                remaining.append((boundary, streets, found))
        candidates = [(b, streets) for b, streets, _ in remaining]
    for boundary, _streets, found in remaining:
        plan.unmatched.append((boundary, _miss_reason(found, taken)))
    plan.streets_without_outline = [
        s for streets in streets_by_district.values() for s in streets if s.id not in taken
    ]
    return plan


def _miss_reason(found: list[AdminUnit], taken: dict[int, Boundary]) -> str:
    if not found:
        return "no street of that name in the district"
    if len(found) > 1:
        return "ambiguous: " + ", ".join(s.name for s in found)
    return f"{found[0].name} is already matched to outline {taken[found[0].id].name}"


def apply_plan(store: Store, plan: RelocationPlan) -> int:
    """Move matched streets and their coarser-located committees; one transaction."""
    moves = []
    for match in plan.matches:
        point = match.boundary.geometry.representative_point()
        lon, lat = round(point.x, 6), round(point.y, 6)
        if _may_move(match.street):
            moves.append(
                UnitMove(
                    match.street.id, lon, lat, Precision.street, mapping(match.boundary.geometry)
                )
            )
        moves += [
            UnitMove(committee.id, lon, lat, Precision.street)
            for committee in store.find_units(parent_id=match.street.id)
            if _may_move(committee)
        ]
    return store.move_units(moves)


def _may_move(unit: AdminUnit) -> bool:
    """True when a street-level location is no coarser than the unit's current one."""
    return unit.precision.rank >= Precision.street.rank
