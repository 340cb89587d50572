"""Which stored resource a row is, and whether it repeats an earlier row or another
stored resource (the shared rule of ``app.services.duplicates``).

A row is the resource its ref names, else the one of its name (or alias) in its district.
Failing both, the stored resources it shares a phone or a similar name with are the ones
it *may be*: when exactly one of them also has a similar name, the phone and the district
(上海市第一人民医院 of 虹口区 → 上海市第一人民医院（北部）), the row is matched to it and the
others are shown; otherwise it is a choice for a person, written as nothing until a ref
column says which (a stored ref to update that resource, a new one to add it). Only the
same name within ``DUPLICATE_RADIUS_M`` makes a row a duplicate: a shared phone is a note.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from app.domain.enums import Precision
from app.domain.records import Resource
from app.geo.distance import haversine_m
from app.services.duplicates import (
    DUPLICATE_RADIUS_M,
    Candidate,
    Evidence,
    MatchIndex,
    name_key,
    phone_key,
)
from app.services.imports.row_location import Located

Unit = tuple[int | None, int | None, int | None] | None
"""The district, street and committee ids an office stands for; None for a hospital."""
STRONG = frozenset({Evidence.similar_name, Evidence.same_phone, Evidence.same_district})
"""What a stored resource must share with a row for the row to be matched to it."""
SHOWN_CHOICES = 5
"""Stored resources listed for a row, most shared first."""


class Existing:
    """Stored resources of one kind, by ref, by name, and by what a row may share with
    them (for offices, ``units``: within their units)."""

    def __init__(self, resources: list[Resource], units: bool) -> None:
        self.index = MatchIndex(resources, _units) if units else MatchIndex(resources)
        self.by_ref = {r.ref: r for r in resources if r.ref}
        self.by_name: dict[str, list[Resource]] = {}
        for resource in resources:
            for name in {resource.name, *resource.aliases}:
                self.by_name.setdefault(name_key(name), []).append(resource)

    def match(self, ref: str, name: str, district_id: int | None) -> tuple[Resource | None, bool]:
        """The stored resource a row means, and whether it was found by ref.

        By name (or alias) only within the row's district: 中心医院 of 松江区 is not
        中心医院 of 金山区.
        """
        if ref in self.by_ref:
            return self.by_ref[ref], True
        named = [
            r
            for r in self.by_name.get(name_key(name), [])
            if district_id is None or r.district_id in (None, district_id)
        ]
        return (named[0] if len(named) == 1 else None), False


@dataclass(frozen=True, slots=True)
class Choice:
    """A stored resource a row may be, and what the two share."""

    resource: Resource
    evidence: frozenset[Evidence]

    @property
    def label(self) -> str:
        """The resource and the evidence, for a message."""
        shared = ", ".join(e.value.replace("_", " ") for e in Evidence if e in self.evidence)
        return f"resource {self.resource.id} {self.resource.name} ({shared})"

    def to_dict(self, chosen: bool) -> dict[str, Any]:
        """The choice as a plan shows it."""
        return {
            "resource_id": self.resource.id,
            "ref": self.resource.ref,
            "name": self.resource.name,
            "why": [e.value for e in Evidence if e in self.evidence],
            "chosen": chosen,
        }


def choices_for(
    existing: Existing,
    fields: dict[str, Any],
    located: Located,
    unit: Unit,
    claimed: dict[int, int],
) -> tuple[list[Choice], Choice | None]:
    """The stored resources an unmatched row may be (``SHOWN_CHOICES`` at most), and the one
    it is matched to, if the evidence names exactly one not claimed by an earlier row."""
    point = (located.lon, located.lat)
    candidate = Candidate(fields["name"], fields["aliases"], fields["phones"], point)
    coarse = located.precision.rank >= Precision.street.rank
    found = [
        Choice(resource, evidence)
        for resource, evidence in existing.index.possible(
            candidate, unit or fields["district_id"], fields["district_id"], coarse
        )
        if _same_unit(unit, _units(resource))
    ][:SHOWN_CHOICES]
    strong = [c for c in found if c.evidence >= STRONG]
    picked = strong[0] if len(strong) == 1 and strong[0].resource.id not in claimed else None
    return found, picked


class Seen:
    """The names, points and phones of stored resources and of the rows planned so far.

    For offices (``units``), each is also known by the units it stands for: two rows or
    records of different units (two committees of one street, which share the street's
    point and often its phone) are never duplicates, nor is a shared phone news.
    """

    def __init__(self, stored: list[Resource], units: bool) -> None:
        self.units = units
        self.names: dict[str, list[tuple[float, float, str, int | None, Unit]]] = {}
        self.phones: dict[str, tuple[str, int | None, Unit]] = {}
        """Each phone's first owner."""
        for resource in stored:
            label = f"resource {resource.id} ({resource.name})"
            self.remember(
                resource.name, (resource.lon, resource.lat), resource.phones, label,
                resource.id, _units(resource) if units else None,
            )  # fmt: skip

    def unit_of(self, located: Located) -> Unit:
        """The units a row stands for (None for a hospital: it is more than its units)."""
        if not self.units:
            return None
        return tuple(u.id if u else None for u in (located.district, located.street,
                                                   located.committee))  # fmt: skip

    def duplicate_of(self, name: str, located: Located, existing: Resource | None) -> str | None:
        """What the row duplicates: an earlier row or another stored resource of the same
        name within ``DUPLICATE_RADIUS_M`` (of the same unit, for offices); a stored
        resource that already has the name of the one the row matches is no news."""
        own = existing.id if existing else None
        shared_names = {name_key(existing.name)} if existing else set()
        unit = self.unit_of(located)
        key = name_key(name)
        for lon, lat, label, resource_id, other in self.names.get(key, []):
            near = haversine_m(lon, lat, located.lon, located.lat) <= DUPLICATE_RADIUS_M
            known = resource_id is not None and key in shared_names
            same = resource_id is None or resource_id != own
            if near and same and not known and _same_unit(unit, other):
                return f"{label}: same name within {DUPLICATE_RADIUS_M:.0f} m"
        return None

    def phone_notes(
        self, phones: tuple[str, ...], located: Located, existing: Resource | None
    ) -> list[str]:
        """Notes on the row's phones that another resource or an earlier row has too; a
        phone the matched resource already has is no news (two campuses, one switchboard)."""
        known = {phone_key(p) for p in existing.phones} if existing else set()
        unit = self.unit_of(located)
        notes = []
        for phone in phones:
            owner = self.phones.get(phone_key(phone))
            if owner is None or phone_key(phone) in known:
                continue
            label, resource_id, other = owner
            if (existing is None or resource_id != existing.id) and _same_unit(unit, other):
                notes.append(f"phone {phone} is also that of {label}")
        return notes

    def remember(
        self,
        name: str,
        point: tuple[float, float],
        phones: tuple[str, ...],
        label: str,
        resource_id: int | None,
        unit: Unit,
    ) -> None:
        """Keep a row's (or a stored resource's) name, point and phones for later rows;
        ``resource_id``: the stored resource it is (None for a row that adds one)."""
        self.names.setdefault(name_key(name), []).append((*point, label, resource_id, unit))
        for phone in phones:
            self.phones.setdefault(phone_key(phone), (label, resource_id, unit))


def _units(resource: Resource) -> Unit:
    return (resource.district_id, resource.street_id, resource.committee_id)


def _same_unit(first: Unit, second: Unit) -> bool:
    """Whether two offices may be one: unless both stand for units and the units differ."""
    return first is None or second is None or first == second


class Refs:
    """The refs of one file's rows: derived ones, and clashes between rows and kinds."""

    def __init__(self, resource_kind: str, foreign: set[str]) -> None:
        self.resource_kind, self.foreign = resource_kind, foreign
        self.in_file: dict[str, int] = {}

    def derived(self, located: Located, name: str) -> str:
        """A new row's ref, from its kind, district and name."""
        district = located.district.code if located.district else ""
        digest = hashlib.sha256(f"{self.resource_kind}|{district}|{name}".encode()).hexdigest()
        return f"{self.resource_kind[0]}-{digest[:16]}"

    def clash(self, ref: str, number: int, explicit: bool) -> str | None:
        """Why ``ref`` cannot be this row's key, if it cannot."""
        if ref in self.foreign:
            return f"ref {ref!r} belongs to a resource of another kind"
        first = self.in_file.setdefault(ref, number)
        if first == number:
            return None
        if explicit:
            return f"ref {ref!r} is also on row {first}"
        return f"same name and district as row {first}: give each a ref column to tell them apart"
