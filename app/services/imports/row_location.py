"""Locating one spreadsheet row: its own coordinates or map link, its units, or a
geocoder's answer, with the precision that reaches and, in plain words, why.

A row's own point (经度/纬度 in the 坐标系 it names, or an Amap/Baidu link or a pasted
pair in a map-link column) is converted to WGS-84 and kept as given (``exact`` unless its
精度 column says otherwise), never as verified. A link that holds no usable point is a note,
and the row is located as if it had none. Without a point, a contact takes its unit's
point and a hospital the geocoder's answer; the gazetteer's street and committee points
are their district's until street outlines are imported, which the reason says.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from difflib import get_close_matches

from app.domain.enums import Level, Precision, SourceCrs
from app.domain.records import AdminUnit
from app.geo.geocoders.base import GeocodeQuery, GeocodeResult
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.gazetteer import LEVEL_PRECISION, unit_precision
from app.geo.location_links import LinkError, read_pasted
from app.geo.reverse import outside_note
from app.services.imports.cells import (
    CellError,
    check_point,
    parse_crs,
    parse_point,
    parse_precision,
)

Value = Callable[[str], str]
"""A row's stripped cell for a field name ('' when the file has no such column)."""
SHEET_POINTS = frozenset({"coordinates", "link"})
"""``located_by`` of a point the row itself gives."""
CRS_WORDS = {
    SourceCrs.wgs84: "WGS-84",
    SourceCrs.gcj02: "GCJ-02 (高德/腾讯), converted to WGS-84",
    SourceCrs.bd09: "BD-09 (百度), converted to WGS-84",
}
CLOSEST = 3
"""Committees named when a row's committee is not found."""
STREET_POINTS = "street points come with `aidmap geodata import-boundaries --level street`"


@dataclass(slots=True)
class Located:
    """Where a row is, how well, how it was found and why so, and its units."""

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
    reason: str = ""
    """Why the row has this precision, for a person."""


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
        notes: list[str] = []
        located = self._own_point(value, units, notes)
        if located is not None:
            self._check_point(located, district)
        elif self.kind == "contacts":
            located = _unit_point(units)
        else:
            located = self._geocode(value, name, district)
        located.notes[:0] = notes
        return located

    def _own_point(self, value: Value, units: dict, notes: list[str]) -> Located | None:
        """The point the row gives itself (coordinates, else a map link), or None."""
        crs = parse_crs(value("crs"))
        if value("lon") or value("lat"):
            lon, lat = parse_point(value("lon"), value("lat"), crs)
            given = f"the sheet's coordinates ({CRS_WORDS[crs]})"
            return self._given(lon, lat, crs, "coordinates", given, value, units)
        if not value("location"):
            return None
        try:
            pasted = read_pasted(value("location"), crs)
            lon, lat = check_point(pasted.lon, pasted.lat, pasted.crs)
        except (LinkError, CellError) as exc:
            notes.append(f"map link not used: {exc}")
            return None
        given = f"the sheet's map link ({pasted.source}, {CRS_WORDS[pasted.crs]})"
        return self._given(lon, lat, pasted.crs, "link", given, value, units)

    @staticmethod
    def _given(
        lon: float,
        lat: float,
        crs: SourceCrs,
        located_by: str,
        given: str,
        value: Value,
        units: dict,
    ) -> Located:
        precision = parse_precision(value("precision"))
        said = "as its 精度 column says" if value("precision") else "as given"
        reason = f"{given}: {precision.value} {said}, not verified"
        return Located(lon, lat, precision, crs, located_by, reason=reason, **units)

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
                written = value("committee")
                if found:
                    names = ", ".join(unit.name for unit in found)
                    raise CellError(f"several committees named {written!r} in {where}: {names}")
                close = self._closest(written, district.id, street_id)
                names = f" (closest names: {', '.join(u.name for u in close)})" if close else ""
                raise CellError(f"no committee {written!r} in {where}{names}")
            units["committee"] = found[0]
            units["street"] = index.units[found[0].parent_id]
        return units

    def _closest(self, written: str, district_id: int, street_id: int | None) -> list[AdminUnit]:
        """The committees (of the street, else the district) named most like ``written``."""
        units = {
            form.unit.name: form.unit
            for form in self.chain.index.committees.get(district_id, [])
            if street_id in (None, form.unit.parent_id)
        }
        close = get_close_matches(written, list(units), n=CLOSEST, cutoff=0.5)
        return [units[name] for name in close]

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
        located.reason = _answer_reason(result, located, "the address" if value("address")
                                        else "the name")  # fmt: skip
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


def _unit_point(units: dict) -> Located:
    """A contact at its unit's point, and why it has that precision."""
    unit = units.get("committee") or units.get("street") or units["district"]
    precision = unit_precision(unit)
    reason = _unit_reason(unit, precision, "its unit")
    return Located(
        unit.lon, unit.lat, precision, SourceCrs.wgs84, "gazetteer", reason=reason, **units
    )


def _unit_reason(unit: AdminUnit, precision: Precision, said: str) -> str:
    """Why a unit's point has the precision it has."""
    if precision is LEVEL_PRECISION[unit.level]:
        return f"{said} is {unit.name}: its point in the gazetteer ({precision.value})"
    whose = "district" if precision is Precision.district else "street"
    hint = f"; {STREET_POINTS}" if precision is Precision.district else ""
    return (
        f"{said} is {unit.name}, whose point in the gazetteer is only its {whose}'s "
        f"({precision.value}{hint})"
    )


def _answer_reason(result: GeocodeResult, located: Located, text: str) -> str:
    """Why a geocoder's answer has the precision it has."""
    if result.provider != "gazetteer":
        level = result.raw_level or "no level given"
        return f"{text} geocoded by {result.provider} ({level}): {result.precision.value}"
    unit = located.committee or located.street or located.district
    if unit is None:
        return f"{text} as the gazetteer reads it: {result.precision.value}"
    if unit.level is Level.district:
        return (
            f"{text} names no street or committee the gazetteer knows: {unit.name}'s point "
            f"({result.precision.value})"
        )
    return _unit_reason(unit, result.precision, f"the unit {text} names")


def unit_name(located: Located) -> str:
    """The name of the finest unit a contact row lies in ('' when none)."""
    unit = located.committee or located.street or located.district
    return unit.name if unit else ""
