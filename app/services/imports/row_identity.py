"""Which stored resource a row is, and whether it repeats an earlier row or another
stored resource (the shared rule of ``app.services.duplicates``)."""

from __future__ import annotations

import hashlib

from app.domain.records import Resource
from app.geo.distance import haversine_m
from app.services.duplicates import DUPLICATE_RADIUS_M, name_key, phone_key
from app.services.imports.row_location import Located

Unit = tuple[int | None, int | None, int | None] | None
"""The district, street and committee ids an office stands for; None for a hospital."""


class Existing:
    """Stored resources of one kind, by ref and by name."""

    def __init__(self, resources: list[Resource]) -> None:
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


class Seen:
    """The names, points and phones of stored resources and of the rows planned so far.

    For offices (``units``), each is also known by the units it stands for: two rows or
    records of different units (two committees of one street, which share the street's
    point and often its phone) are never duplicates.
    """

    def __init__(self, stored: list[Resource], units: bool) -> None:
        self.units = units
        self.names: dict[str, list[tuple[float, float, str, int | None, Unit]]] = {}
        self.phones: dict[str, tuple[str, int | None, Unit]] = {}
        """Each phone's first owner."""
        for resource in stored:
            label = f"resource {resource.id} ({resource.name})"
            unit = (resource.district_id, resource.street_id, resource.committee_id)
            self.remember(
                resource.name, (resource.lon, resource.lat), resource.phones, label,
                resource.id, unit,
            )  # fmt: skip

    def unit_of(self, located: Located) -> Unit:
        """The units a row stands for (None for a hospital: it is more than its units)."""
        if not self.units:
            return None
        return tuple(u.id if u else None for u in (located.district, located.street,
                                                   located.committee))  # fmt: skip

    def duplicate_of(
        self, name: str, located: Located, phones: tuple[str, ...], existing: Resource | None
    ) -> str | None:
        """What the row duplicates: an earlier row, or another stored resource. A stored
        resource already sharing the name or phone with the one the row matches (two
        campuses, one switchboard) is no news."""
        own = existing.id if existing else None
        shared_names = {name_key(existing.name)} if existing else set()
        shared_phones = {phone_key(p) for p in existing.phones} if existing else set()
        unit = self.unit_of(located)
        key = name_key(name)
        for lon, lat, label, resource_id, other in self.names.get(key, []):
            near = haversine_m(lon, lat, located.lon, located.lat) <= DUPLICATE_RADIUS_M
            known = resource_id is not None and key in shared_names
            same = resource_id is None or resource_id != own
            if near and same and not known and _same_unit(unit, other):
                return f"{label}: same name within {DUPLICATE_RADIUS_M:.0f} m"
        for phone in phones:
            owner = self.phones.get(phone_key(phone))
            if owner is None:
                continue
            label, resource_id, other = owner
            known = resource_id is not None and phone_key(phone) in shared_phones
            same = resource_id is None or resource_id != own
            if same and not known and _same_unit(unit, other):
                return f"{label}: same phone {phone}"
        return None

    def remember(
        self,
        name: str,
        point: tuple[float, float],
        phones: tuple[str, ...],
        label: str,
        resource_id: int | None,
        unit: Unit,
    ) -> None:
        """Keep a row's (or a stored resource's) name, point and phones for later rows."""
        self.names.setdefault(name_key(name), []).append((*point, label, resource_id, unit))
        for phone in phones:
            self.phones.setdefault(phone_key(phone), (label, resource_id, unit))


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
