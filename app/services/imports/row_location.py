"""Locating one spreadsheet row: its units, its own coordinates, or a geocoder's answer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from app.domain.enums import Precision, SourceCrs
from app.domain.records import AdminUnit
from app.geo.geocoders.base import GeocodeQuery
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.gazetteer import unit_precision
from app.geo.reverse import outside_note
from app.services.imports.cells import CellError, parse_crs, parse_point, parse_precision

Value = Callable[[str], str]
"""A row's stripped cell for a field name ('' when the file has no such column)."""


@dataclass(slots=True)
class Located:
    """Where a row is, how well, how it was found, and the units it lies in."""

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


class RowLocator:
    """Locates the rows of one file of ``kind`` with ``chain``."""

    def __init__(self, chain: GeocoderChain, kind: str) -> None:
        self.chain, self.kind = chain, kind

    def locate(self, value: Value, name: str) -> Located:
        """The row's location; ``CellError`` when it cannot have one."""
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
            located = Located(lon, lat, precision, crs, "coordinates", **units)
            self._check_point(located, district)
            return located
        if self.kind == "contacts":
            unit = units.get("committee") or units.get("street") or units["district"]
            precision = unit_precision(unit)
            return Located(unit.lon, unit.lat, precision, SourceCrs.wgs84, "gazetteer", **units)
        return self._geocode(value, name, district)

    def _units(self, value: Value, district: AdminUnit | None) -> dict:
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

    def _geocode(self, value: Value, name: str, district: AdminUnit | None) -> Located:
        address = value("address") or name
        result = self.chain.geocode(GeocodeQuery(address, district.name if district else None))
        if not result.found:
            raise CellError(f"could not be located: {'; '.join(result.notes) or 'no answer'}")
        index = self.chain.index
        located = Located(
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

    def _check_point(self, located: Located, district: AdminUnit | None) -> None:
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


def unit_name(located: Located) -> str:
    """The name of the finest unit a contact row lies in ('' when none)."""
    unit = located.committee or located.street or located.district
    return unit.name if unit else ""
