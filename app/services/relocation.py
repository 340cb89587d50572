"""Relocating streets (and their committees) to imported street outlines.

Outlines are grouped by district (names and aliases resolved) and unit name, and the
parts of one group are merged. A group matches a street of its district by exact name;
groups left over then match by core name (友谊路街道 ~ 友谊) when exactly one street of
the district has that core and no other group claims it. A unit is moved only when the
outline is at least as precise as what it has, so nothing is made coarser.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from shapely import union_all
from shapely.geometry import mapping

from app.domain.enums import Level, Precision
from app.domain.records import AdminUnit, UnitMove
from app.geo.boundaries import Boundary
from app.geo.names import core_name, normalise
from app.services.units import units_named
from app.storage.port import UnitStore


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


def plan_relocation(store: UnitStore, boundaries: list[Boundary]) -> RelocationPlan:
    """Match street outlines to the gazetteer's streets."""
    plan = RelocationPlan()
    streets_by_district: dict[int, list[AdminUnit]] = defaultdict(list)
    for street in store.find_units(level=Level.street):
        streets_by_district[street.district_id].append(street)
    groups = _group_by_district(store, boundaries, plan)
    taken: dict[int, Boundary] = {}
    for how, key in (("exact", normalise), ("core", core_name)):
        groups = _match_pass(groups, streets_by_district, taken, how, key, plan)
    for district_id, boundary in groups:
        found = [
            s
            for s in streets_by_district[district_id]
            if core_name(s.name) == core_name(boundary.name)
        ]
        plan.unmatched.append((boundary, _miss_reason(found, taken)))
    plan.streets_without_outline = [
        s for streets in streets_by_district.values() for s in streets if s.id not in taken
    ]
    return plan


def _group_by_district(
    store: UnitStore, boundaries: list[Boundary], plan: RelocationPlan
) -> list[tuple[int, Boundary]]:
    """One merged outline per (district, name); unknown districts go to ``plan.unmatched``."""
    parts: dict[tuple[int, str], list[Boundary]] = defaultdict(list)
    for boundary in boundaries:
        districts = units_named(store, boundary.district, Level.district)
        if len(districts) == 1:
            parts[districts[0].id, boundary.name].append(boundary)
        else:
            plan.unmatched.append((boundary, f"unknown district {boundary.district!r}"))
    return [
        (
            district_id,
            Boundary(
                name=name,
                district=group[0].district,
                geometry=union_all([b.geometry for b in group]),
            ),
        )
        for (district_id, name), group in parts.items()
    ]


def _match_pass(
    groups: list[tuple[int, Boundary]],
    streets_by_district: dict[int, list[AdminUnit]],
    taken: dict[int, Boundary],
    how: str,
    key: Callable[[str], str],
    plan: RelocationPlan,
) -> list[tuple[int, Boundary]]:
    """Match groups whose key names exactly one free street claimed by no other group."""
    claims: dict[int, list[tuple[int, Boundary]]] = defaultdict(list)
    leftover = []
    for district_id, boundary in groups:
        found = [s for s in streets_by_district[district_id] if key(s.name) == key(boundary.name)]
        if len(found) == 1 and found[0].id not in taken:
            claims[found[0].id].append((district_id, boundary))
        else:
            leftover.append((district_id, boundary))
    streets = {s.id: s for ss in streets_by_district.values() for s in ss}
    for street_id, claimants in claims.items():
        if len(claimants) == 1:
            taken[street_id] = claimants[0][1]
            plan.matches.append(StreetMatch(streets[street_id], claimants[0][1], how))
        else:
            leftover += claimants
    return leftover


def _miss_reason(found: list[AdminUnit], taken: dict[int, Boundary]) -> str:
    if not found:
        return "no street of that name in the district"
    if len(found) > 1:
        return "ambiguous: " + ", ".join(s.name for s in found)
    if found[0].id in taken:
        return f"{found[0].name} is already matched to outline {taken[found[0].id].name}"
    return f"several outlines claim {found[0].name}"


def apply_plan(store: UnitStore, plan: RelocationPlan) -> int:
    """Move matched streets and their committees in one transaction; returns units moved.

    The store skips any unit already located more precisely than its street's outline.
    """
    moves = []
    for match in plan.matches:
        point = match.boundary.geometry.representative_point()
        lon, lat = round(point.x, 6), round(point.y, 6)
        outline = mapping(match.boundary.geometry)
        moves.append(UnitMove(match.street.id, lon, lat, Precision.street, outline))
        moves += [
            UnitMove(committee.id, lon, lat, Precision.street)
            for committee in store.find_units(parent_id=match.street.id)
        ]
    return store.move_units(moves)
