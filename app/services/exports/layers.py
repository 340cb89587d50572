"""A layer as export rows: the columns the import reads, and each record's values.

Hospitals and offices are written in the columns ``aidmap import`` reads (hospitals, or
contacts for offices), so a file imports back into the same store without a change.
Districts and committees are units of the gazetteer, which no import writes: they are
exported for reading (committees in the contacts columns, so a filled-in copy imports as
committee offices). Coordinates are WGS-84 lon/lat degrees.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from app.domain.enums import Kind, Level, SourceCrs
from app.domain.records import AdminUnit, Resource
from app.services.attributes import shown_attributes
from app.storage.port import Store

TEXT, LIST, NUMBER = "text", "list", "number"


class ExportLayer(StrEnum):
    """The layers that can be exported."""

    hospitals = "hospitals"
    offices = "offices"
    committees = "committees"
    districts = "districts"


@dataclass(frozen=True, slots=True)
class Column:
    """One column: ``key`` heads it in GeoJSON and GeoPackage, ``header`` in CSV and XLSX
    (the Chinese header volunteers' sheets use); both are headers the import knows."""

    key: str
    header: str
    kind: str = TEXT
    flat_only: bool = False
    """Written only in CSV and XLSX; GeoJSON and GeoPackage hold it in the geometry."""


REF, NAME, NAME_EN = Column("ref", "ref"), Column("name", "名称"), Column("name_en", "英文名")
ALIASES = Column("aliases", "别名", LIST)
DISTRICT, STREET = Column("district", "区"), Column("street", "街道/镇")
COMMITTEE = Column("committee", "居委会/村委会")
ADDRESS, PHONES = Column("address", "地址"), Column("phones", "电话", LIST)
SERVICES = Column("services", "可接诊科室", LIST)
LON = Column("lon", "经度", NUMBER, flat_only=True)
LAT = Column("lat", "纬度", NUMBER, flat_only=True)
CRS = Column("crs", "坐标系", flat_only=True)
PRECISION, CODE = Column("precision", "精度"), Column("code", "编码")
LOCATION = (LON, LAT, CRS, PRECISION)
COLUMNS = {
    ExportLayer.hospitals: (REF, NAME, NAME_EN, ALIASES, DISTRICT, ADDRESS, PHONES, SERVICES,
                            *LOCATION),
    ExportLayer.offices: (REF, NAME, NAME_EN, ALIASES, DISTRICT, STREET, COMMITTEE, ADDRESS,
                          PHONES, SERVICES, *LOCATION),
    ExportLayer.committees: (CODE, DISTRICT, STREET, COMMITTEE, NAME_EN, *LOCATION),
    ExportLayer.districts: (CODE, NAME, NAME_EN, *LOCATION),
}  # fmt: skip
RESOURCE_KINDS = {ExportLayer(kind.plural): kind for kind in Kind}
UNIT_LEVELS = {ExportLayer.committees: Level.committee, ExportLayer.districts: Level.district}

Value = str | float | list[str] | None


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One record's id, its values by column key, and its GeoJSON geometry (WGS-84)."""

    feature_id: int
    """The resource's or unit's id: a GeoJSON feature's ``id``, a GeoPackage row's FID (the
    ids ``/ogc`` items carry); not a column, so an import reads it as nothing."""
    values: dict[str, Value]
    geometry: dict


@dataclass(slots=True)
class LayerExport:
    """A layer's columns and records, read from the store in one go; rows are made one
    at a time as a writer asks for them."""

    layer: ExportLayer
    columns: tuple[Column, ...]
    records: Sequence[Resource | AdminUnit]
    units: dict[int, AdminUnit]
    outlines: dict[int, dict]

    def rows(self) -> Iterator[ExportRow]:
        """The records as rows, in store order."""
        row = _unit_row if self.layer in UNIT_LEVELS else _resource_row
        for record in self.records:
            yield row(record, self.units, self.outlines)


def read_layer(store: Store, layer: ExportLayer, *, signed_in: bool) -> LayerExport:
    """Everything a layer's export needs, read from the store: imported columns without a
    field of their own only for a signed-in caller (``shown_attributes``)."""
    layer = ExportLayer(layer)
    units = {unit.id: unit for unit in store.find_units()}
    outlines: dict[int, dict] = {}
    if layer in RESOURCE_KINDS:
        records: Sequence = list(store.iter_resources(kind=RESOURCE_KINDS[layer]))
        if not signed_in:
            records = [
                replace(r, attributes=shown_attributes(r.attributes, signed_in=False))
                for r in records
            ]
        own = {name for column in COLUMNS[layer] for name in (column.key, column.header)}
        attributes = dict.fromkeys(k for r in records for k in r.attributes if k not in own)
        columns = COLUMNS[layer] + tuple(Column(key, key) for key in attributes)
    else:
        level = UNIT_LEVELS[layer]
        records = [unit for unit in units.values() if unit.level == level]
        columns = COLUMNS[layer]
        if level == Level.district:
            outlines = store.boundaries(level)
    return LayerExport(layer, columns, records, units, outlines)


def _resource_row(r: Resource, units: dict[int, AdminUnit], _outlines: dict) -> ExportRow:
    values: dict[str, Value] = {
        **r.attributes, "ref": r.ref, "name": r.name, "name_en": r.name_en,
        "aliases": list(r.aliases),
        "district": _name(units, r.district_id), "street": _name(units, r.street_id),
        "committee": _name(units, r.committee_id), "address": r.address,
        "phones": list(r.phones), "services": list(r.services),
        **_location(r.lon, r.lat, r.precision.value),
    }  # fmt: skip
    return ExportRow(r.id, values, _point(r.lon, r.lat))


def _unit_row(unit: AdminUnit, units: dict[int, AdminUnit], outlines: dict) -> ExportRow:
    parent = units.get(unit.parent_id) if unit.level == Level.committee else None
    values: dict[str, Value] = {
        "code": unit.code, "name": unit.name, "name_en": unit.name_en,
        "district": _name(units, unit.district_id), "street": parent.name if parent else None,
        "committee": unit.name, **_location(unit.lon, unit.lat, unit.precision.value),
    }  # fmt: skip
    return ExportRow(unit.id, values, outlines.get(unit.id) or _point(unit.lon, unit.lat))


def _name(units: dict[int, AdminUnit], unit_id: int | None) -> str | None:
    return units[unit_id].name if unit_id in units else None


def _location(lon: float, lat: float, precision: str) -> dict[str, Value]:
    return {"lon": lon, "lat": lat, "crs": SourceCrs.wgs84.value.upper(), "precision": precision}


def _point(lon: float, lat: float) -> dict:
    return {"type": "Point", "coordinates": [lon, lat]}
