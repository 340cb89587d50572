"""Planning one spreadsheet row: locate it, match it to a stored resource, diff it,
and catch duplicates, against the store as it was when the plan started."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from app.domain.enums import Precision, SourceCrs
from app.domain.records import AdminUnit, NewResource, Resource
from app.geo.distance import haversine_m
from app.geo.geocoders.base import GeocodeQuery
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.gazetteer import unit_precision
from app.geo.reverse import outside_note
from app.services.duplicates import DUPLICATE_RADIUS_M, name_key, phone_key
from app.services.imports.cells import (
    CellError,
    check_sizes,
    normalise_spaces,
    parse_crs,
    parse_phones,
    parse_point,
    parse_precision,
    parse_services,
    split_list,
)
from app.services.imports.columns import ColumnMap
from app.services.imports.records import KINDS, RowAction, RowPlan
from app.storage.port import Store

MAX_NAME_CHARS = 200
COMPARED_FIELDS = (
    "name", "name_en", "aliases", "address", "phones", "services", "district_id", "street_id",
    "committee_id", "lon", "lat", "precision", "source_crs", "attributes",
)  # fmt: skip


@dataclass(slots=True)
class _Located:
    lon: float
    lat: float
    precision: Precision
    source_crs: SourceCrs
    located_by: str
    confidence: float | None = None
    district: AdminUnit | None = None
    street: AdminUnit | None = None
    committee: AdminUnit | None = None
    notes: list[str] = field(default_factory=list)


class _Existing:
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


class RowPlanner:
    """Plans the rows of one file, remembering earlier rows for duplicates and refs."""

    def __init__(
        self,
        store: Store,
        chain: GeocoderChain,
        columns: ColumnMap,
        headers: list[str],
        kind: str,
        filename: str,
    ) -> None:
        self.chain, self.columns, self.headers = chain, columns, headers
        self.kind, self.resource_kind, self.filename = kind, KINDS[kind], filename
        self.services = store.list_services()
        everything = list(store.iter_resources())
        stored = [r for r in everything if r.kind == self.resource_kind]
        self.foreign_refs = {r.ref for r in everything if r.ref and r.kind != self.resource_kind}
        self.existing = _Existing(stored)
        self.refs_in_file: dict[str, int] = {}
        self.seen_names: dict[str, list[tuple[float, float, str, int | None]]] = {}
        self.seen_phones: dict[str, tuple[str, int | None]] = {}
        for resource in stored:
            label = f"resource {resource.id} ({resource.name})"
            self._remember(
                resource.name, resource.lon, resource.lat, resource.phones, label, resource.id
            )
        self.claimed: dict[int, int] = {}

    def plan_row(
        self, number: int, cells: list[str], oversized: tuple[int, int] | None = None
    ) -> RowPlan:
        """The plan for one row (its number as the spreadsheet shows it); ``oversized``:
        the column and true length of a cell the reader cut to ``MAX_CELL_CHARS``."""
        value = lambda name: self.columns.value(cells, name).strip()  # noqa: E731
        name = normalise_spaces(value("name"))[:MAX_NAME_CHARS]
        try:
            extra = [cell for cell in cells[len(self.headers) :] if cell.strip()]
            if extra:
                raise CellError(
                    f"{len(self.headers) + len(extra)} cells, the header has "
                    f"{len(self.headers)}: an unquoted comma?"
                )
            check_sizes(self.headers, cells[: len(self.headers)], oversized)
            located = self._locate(value, name)
            if self.kind == "contacts":
                name = name or self._unit_name(located)
            if not name:
                raise CellError("no name")
            attributes = {
                header: cells[i].strip()
                for header, i in self.columns.attributes.items()
                if cells[i].strip()
            }
            fields = self._fields(value, name, located, number, attributes)
        except CellError as exc:
            return RowPlan(row=number, action=RowAction.bad, name=name, reason=str(exc))
        plan = RowPlan(
            row=number,
            action=RowAction.add,
            name=name,
            precision=located.precision,
            confidence=located.confidence,
            located_by=located.located_by,
            notes=located.notes,
        )
        ref = value("ref") or self._derived_ref(located, name)
        district_id = located.district.id if located.district else None
        existing, by_ref = self.existing.match(ref, name, district_id)
        duplicate = self._duplicate_of(name, located, fields["phones"], existing)
        if existing is not None and existing.id in self.claimed:
            duplicate = f"row {self.claimed[existing.id]} (same resource)"
        if duplicate:
            plan.action, plan.reason = RowAction.duplicate, f"duplicate of {duplicate}"
            return plan
        clash = self._ref_clash(ref, number, bool(value("ref")))
        if clash:
            plan.action, plan.reason = RowAction.bad, clash
            return plan
        self._remember(name, located.lon, located.lat, fields["phones"], f"row {number}", None)
        if existing is None:
            plan.record = NewResource(kind=self.resource_kind, ref=ref, **fields)
            return plan
        self.claimed[existing.id] = number
        return self._diff(plan, existing, fields, located, by_ref)

    # -- location ------------------------------------------------------------------
    def _locate(self, value: Callable[[str], str], name: str) -> _Located:
        index = self.chain.index
        district = None
        if value("district"):
            district = index.district(value("district"))
            if district is None:
                raise CellError(f"unknown district {value('district')!r}")
        units = self._units(value, district) if self.kind == "contacts" else {}
        if value("lon") or value("lat"):
            crs = parse_crs(value("crs"))
            lon, lat = parse_point(value("lon"), value("lat"), crs)
            precision = parse_precision(value("precision"))
            located = _Located(lon, lat, precision, crs, "coordinates", **units)
            self._check_point(located, district)
            return located
        if self.kind == "contacts":
            unit = units.get("committee") or units.get("street") or units["district"]
            precision = unit_precision(unit)
            return _Located(unit.lon, unit.lat, precision, SourceCrs.wgs84, "gazetteer", **units)
        return self._geocode(value, name, district)

    def _units(self, value: Callable[[str], str], district: AdminUnit | None) -> dict:
        index = self.chain.index
        if district is None:
            raise CellError("a contact needs its district")
        units: dict[str, AdminUnit | None] = {"district": district, "street": None}
        if value("street"):
            streets = index.street_named(value("street"), district.id)
            if len(streets) != 1:
                raise CellError(f"no street/town {value('street')!r} in {district.name}")
            units["street"] = streets[0]
        if value("committee"):
            street_id = units["street"].id if units["street"] else None
            found = index.committee_named(value("committee"), district.id, street_id)
            if len(found) != 1:
                where = units["street"].name if units["street"] else district.name
                reason = "several committees named" if found else "no committee"
                raise CellError(f"{reason} {value('committee')!r} in {where}")
            units["committee"] = found[0]
            units["street"] = index.units[found[0].parent_id]
        return units

    def _geocode(
        self, value: Callable[[str], str], name: str, district: AdminUnit | None
    ) -> _Located:
        address = value("address") or name
        result = self.chain.geocode(GeocodeQuery(address, district.name if district else None))
        if not result.found:
            raise CellError(f"could not be located: {'; '.join(result.notes) or 'no answer'}")
        index = self.chain.index
        located = _Located(
            result.lon,
            result.lat,
            result.precision,
            result.source_crs,
            result.provider,
            result.confidence,
            notes=list(result.notes),
        )
        located.district, located.street, located.committee = index.answer_units(
            result.district, result.street, result.committee, district
        )
        if result.provider != "gazetteer":
            self._check_point(located, district)
        return located

    def _check_point(self, located: _Located, district: AdminUnit | None) -> None:
        """Flag a point outside its stated district; fill units the row did not state (no
        street for a point that stands only for a street or a district)."""
        where = self.chain.reverse.locate(located.lon, located.lat)
        if district is not None:
            note = outside_note(self.chain.reverse, located.lon, located.lat, district)
            located.notes += [note] if note else []
        elif where.district is None:
            located.notes.append("point lies outside every district outline")
        located.district = located.district or district or where.district
        same_district = located.district is None or (
            where.street is not None and where.street.district_id == located.district.id
        )
        finer = located.precision.rank < Precision.street.rank
        if located.street is None and where.street is not None and same_district and finer:
            located.street = where.street

    @staticmethod
    def _unit_name(located: _Located) -> str:
        unit = located.committee or located.street or located.district
        return unit.name if unit else ""

    # -- fields, matching, duplicates ---------------------------------------------------
    def _fields(
        self,
        value: Callable[[str], str],
        name: str,
        located: _Located,
        number: int,
        attributes: dict[str, str],
    ) -> dict[str, Any]:
        return {
            "name": name,
            "name_en": value("name_en") or None,
            "aliases": split_list(value("aliases")),
            "address": normalise_spaces(value("address")) or None,
            "phones": parse_phones(value("phones")),
            "services": parse_services(value("services"), self.services),
            "district_id": located.district.id if located.district else None,
            "street_id": located.street.id if located.street else None,
            "committee_id": located.committee.id if located.committee else None,
            "lon": located.lon,
            "lat": located.lat,
            "precision": located.precision,
            "source_crs": located.source_crs,
            "source": f"import {self.filename} row {number}",
            "attributes": attributes,
        }

    def _ref_clash(self, ref: str, number: int, explicit: bool) -> str | None:
        """Why ``ref`` cannot be this row's key, if it cannot."""
        if ref in self.foreign_refs:
            return f"ref {ref!r} belongs to a resource of another kind"
        first = self.refs_in_file.setdefault(ref, number)
        if first == number:
            return None
        if explicit:
            return f"ref {ref!r} is also on row {first}"
        return f"same name and district as row {first}: give each a ref column to tell them apart"

    def _derived_ref(self, located: _Located, name: str) -> str:
        district = located.district.code if located.district else ""
        digest = hashlib.sha256(f"{self.resource_kind}|{district}|{name}".encode()).hexdigest()
        return f"{self.resource_kind[0]}-{digest[:16]}"

    def _duplicate_of(
        self, name: str, located: _Located, phones: tuple[str, ...], existing: Resource | None
    ) -> str | None:
        """What the row duplicates: an earlier row, or another stored resource. A stored
        resource already sharing the name or phone with the one the row matches (two
        campuses, one switchboard) is no news."""
        own = existing.id if existing else None
        shared_names = {name_key(existing.name)} if existing else set()
        shared_phones = {phone_key(p) for p in existing.phones} if existing else set()
        key = name_key(name)
        for lon, lat, label, resource_id in self.seen_names.get(key, []):
            near = haversine_m(lon, lat, located.lon, located.lat) <= DUPLICATE_RADIUS_M
            known = resource_id is not None and key in shared_names
            if near and (resource_id is None or resource_id != own) and not known:
                return f"{label}: same name within {DUPLICATE_RADIUS_M:.0f} m"
        for phone in phones:
            owner = self.seen_phones.get(phone_key(phone))
            known = owner is not None and owner[1] is not None and phone_key(phone) in shared_phones
            if owner is not None and (owner[1] is None or owner[1] != own) and not known:
                return f"{owner[0]}: same phone {phone}"
        return None

    def _remember(
        self,
        name: str,
        lon: float,
        lat: float,
        phones: tuple[str, ...],
        label: str,
        resource_id: int | None,
    ) -> None:
        self.seen_names.setdefault(name_key(name), []).append((lon, lat, label, resource_id))
        for phone in phones:
            self.seen_phones.setdefault(phone_key(phone), (label, resource_id))

    def _diff(
        self,
        plan: RowPlan,
        existing: Resource,
        fields: dict[str, Any],
        located: _Located,
        by_ref: bool,
    ) -> RowPlan:
        """Fields of ``existing`` the row would change.

        Empty cells change nothing; a row matched by name (or alias) does not rename;
        services and attributes are merged, never dropped. A stored text that reads as
        the cell once both are read as the import reads cells (full-width forms,
        spacing) is kept, and so is the source coordinate system of an unmoved point.
        """
        plan.resource_id, plan.expected_version = existing.id, existing.version
        new = {key: fields[key] for key in COMPARED_FIELDS if fields[key] not in (None, (), {})}
        if not by_ref:
            new.pop("name")
        new["services"] = tuple(dict.fromkeys((*existing.services, *fields["services"])))
        new["attributes"] = {**existing.attributes, **fields["attributes"]}
        keeps_location = (
            located.located_by != "coordinates" and existing.precision.rank < located.precision.rank
        )
        if keeps_location:
            for key in ("lon", "lat", "precision", "source_crs", "street_id", "committee_id"):
                new.pop(key, None)
            plan.notes.append(f"stored location ({existing.precision.value}) is finer: kept")
        for key, read in AS_IMPORTED.items():
            if key in new and _read_as_cell(read, getattr(existing, key)) == new[key]:
                new.pop(key)
        if all(_shown(getattr(existing, k)) == _shown(new.get(k)) for k in ("lon", "lat")):
            new.pop("source_crs", None)
        changes = {
            key: [_shown(getattr(existing, key)), _shown(value)]
            for key, value in new.items()
            if _shown(getattr(existing, key)) != _shown(value)
        }
        if not changes:
            plan.action = RowAction.unchanged
            return plan
        plan.action, plan.changes = RowAction.change, changes
        plan.update = {key: new[key] for key in changes}
        return plan


AS_IMPORTED: dict[str, Callable[[str], Any]] = {
    "name": lambda cell: normalise_spaces(cell)[:MAX_NAME_CHARS],
    "address": normalise_spaces,
    "aliases": split_list,
    "phones": parse_phones,
}
"""How the import reads the cell of each text field it normalises."""


def _read_as_cell(read: Callable[[str], Any], stored: Any) -> Any:
    """A stored value as the import would read it from a cell (None if it cannot)."""
    if stored is None:
        return None
    try:
        return read("、".join(stored) if isinstance(stored, tuple) else stored)
    except CellError:
        return None


def _shown(value: Any) -> Any:
    """A field value as JSON shows it and as comparisons see it."""
    if isinstance(value, float):
        return round(value, 7)
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, dict):
        return dict(value)
    return value
