"""Which stored resource a row is, and whether it repeats an earlier row or another
stored resource (the shared rule of ``app.services.duplicates``)."""

from __future__ import annotations

import hashlib

from app.domain.records import Resource
from app.geo.distance import haversine_m
from app.services.duplicates import DUPLICATE_RADIUS_M, name_key, phone_key
from app.services.imports.row_location import Located


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
    """The names, points and phones of stored resources and of the rows planned so far."""

    def __init__(self, stored: list[Resource]) -> None:
        self.names: dict[str, list[tuple[float, float, str, int | None]]] = {}
        self.phones: dict[str, tuple[str, int | None]] = {}
        for resource in stored:
            label = f"resource {resource.id} ({resource.name})"
            self.remember(
                resource.name, resource.lon, resource.lat, resource.phones, label, resource.id
            )

    def duplicate_of(
        self, name: str, located: Located, phones: tuple[str, ...], existing: Resource | None
    ) -> str | None:
        """What the row duplicates: an earlier row, or another stored resource. A stored
        resource already sharing the name or phone with the one the row matches (two
        campuses, one switchboard) is no news."""
        own = existing.id if existing else None
        shared_names = {name_key(existing.name)} if existing else set()
        shared_phones = {phone_key(p) for p in existing.phones} if existing else set()
        key = name_key(name)
        for lon, lat, label, resource_id in self.names.get(key, []):
            near = haversine_m(lon, lat, located.lon, located.lat) <= DUPLICATE_RADIUS_M
            known = resource_id is not None and key in shared_names
            if near and (resource_id is None or resource_id != own) and not known:
                return f"{label}: same name within {DUPLICATE_RADIUS_M:.0f} m"
        for phone in phones:
            owner = self.phones.get(phone_key(phone))
            known = owner is not None and owner[1] is not None and phone_key(phone) in shared_phones
            if owner is not None and (owner[1] is None or owner[1] != own) and not known:
                return f"{owner[0]}: same phone {phone}"
        return None

    def remember(
        self,
        name: str,
        lon: float,
        lat: float,
        phones: tuple[str, ...],
        label: str,
        resource_id: int | None,
    ) -> None:
        """Keep a row's (or a stored resource's) name, point and phones for later rows."""
        self.names.setdefault(name_key(name), []).append((lon, lat, label, resource_id))
        for phone in phones:
            self.phones.setdefault(phone_key(phone), (label, resource_id))


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
