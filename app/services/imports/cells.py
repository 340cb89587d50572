"""Parsing the cells of one spreadsheet row: services, coordinates, precision.

Each parser returns a value or raises ``CellError`` with the reason the row is bad (phones,
which are never a reason to lose a row, are read by ``app.services.phones``).
"""

from __future__ import annotations

import re

from app.domain.enums import Precision, SourceCrs
from app.domain.records import Service
from app.geo.crs import out_of_china, to_wgs84
from app.geo.extent import SHANGHAI_BBOX, in_shanghai
from app.geo.names import normalise
from app.services.imports.limits import MAX_CELL_CHARS

LIST_SEPARATORS = re.compile(r"[,，、;；/|\s]+")
SERVICE_SEPARATORS = re.compile(r"[,，、;；/／|\s]+")
BRACKETED = re.compile(r"[(（【\[].*?[)）】\]]")
CRS_NAMES = {
    "wgs84": SourceCrs.wgs84, "wgs-84": SourceCrs.wgs84, "gps": SourceCrs.wgs84,
    "epsg:4326": SourceCrs.wgs84, "4326": SourceCrs.wgs84,
    "gcj02": SourceCrs.gcj02, "gcj-02": SourceCrs.gcj02, "高德": SourceCrs.gcj02,
    "腾讯": SourceCrs.gcj02, "火星": SourceCrs.gcj02, "火星坐标": SourceCrs.gcj02,
    "bd09": SourceCrs.bd09, "bd-09": SourceCrs.bd09, "百度": SourceCrs.bd09,
}  # fmt: skip
PRECISION_NAMES = {
    **{p.value: p for p in Precision}, "精确": Precision.exact, "近似": Precision.approximate,
    "大致": Precision.approximate, "居委会": Precision.committee, "村委会": Precision.committee,
    "居委": Precision.committee, "街道": Precision.street, "镇": Precision.street,
    "区": Precision.district,
}  # fmt: skip


class CellError(ValueError):
    """A cell's value makes its row unusable."""


def check_sizes(
    headers: list[str], row: list[str], oversized: tuple[int, int] | None = None
) -> None:
    """Refuse a row with an oversized cell (1 MB pasted into one cell happens): one the
    reader cut (``oversized``: its column and true length), or one over the limit here."""
    if oversized is not None:
        index, length = oversized
        header = headers[index] if index < len(headers) else str(index + 1)
        raise CellError(f"column {header!r}: {length:,} characters (limit {MAX_CELL_CHARS:,})")
    for header, cell in zip(headers, row, strict=True):
        if len(cell) > MAX_CELL_CHARS:
            raise CellError(
                f"column {header!r}: {len(cell):,} characters (limit {MAX_CELL_CHARS:,})"
            )


def split_list(cell: str) -> tuple[str, ...]:
    """A cell holding several values (电话, 别名 …) split on the usual separators."""
    return tuple(part for part in LIST_SEPARATORS.split(normalise_spaces(cell)) if part)


def normalise_spaces(cell: str) -> str:
    """Full-width characters folded; runs of spaces kept as one separator."""
    return " ".join(normalise(part) for part in cell.split())


def parse_services(cell: str, services: list[Service]) -> tuple[str, ...]:
    """Service codes from codes, English or Chinese names (肿瘤/化疗/放疗 all mean oncology)."""
    names: dict[str, str] = {}
    for service in services:
        names[service.code] = service.code
        names[service.name_en.lower()] = service.code
        for part in re.split(r"[/／]", service.name_zh):
            names[normalise(part)] = service.code
    codes = []
    for word in SERVICE_SEPARATORS.split(BRACKETED.sub("", normalise_spaces(cell))):
        if not word:
            continue
        code = names.get(word.lower()) or names.get(word) or names.get(word.removesuffix("科"))
        if code is None:
            known = "、".join(s.name_zh for s in services)
            raise CellError(f"unknown service {word[:40]!r} (known: {known})")
        codes.append(code)
    return tuple(dict.fromkeys(codes))


def parse_crs(cell: str) -> SourceCrs:
    """The coordinate system a row's lon/lat are in; WGS-84 when the cell is empty."""
    if not cell.strip():
        return SourceCrs.wgs84
    crs = CRS_NAMES.get(normalise(cell).lower())
    if crs is None:
        raise CellError(f"unknown coordinate system {cell!r} (use WGS84, GCJ02 or BD09)")
    return crs


def parse_precision(cell: str) -> Precision:
    """How well a row's coordinates are known; ``exact`` (a volunteer's point) when the
    cell is empty."""
    if not cell.strip():
        return Precision.exact
    precision = PRECISION_NAMES.get(normalise(cell).lower())
    if precision is None:
        known = ", ".join(p.value for p in Precision)
        raise CellError(f"unknown precision {cell[:40]!r} (use {known})")
    return precision


def parse_point(lon_cell: str, lat_cell: str, crs: SourceCrs) -> tuple[float, float]:
    """A WGS-84 point from cells in ``crs``; impossible or swapped coordinates are refused."""
    try:
        lon, lat = float(normalise(lon_cell)), float(normalise(lat_cell))
    except ValueError:
        raise CellError(f"coordinates are not numbers: {lon_cell!r}, {lat_cell!r}") from None
    return check_point(lon, lat, crs)


def check_point(lon: float, lat: float, crs: SourceCrs) -> tuple[float, float]:
    """The WGS-84 point of degrees in ``crs``; swapped, impossible, foreign or out-of-town
    coordinates are refused."""
    west, south, east, north = SHANGHAI_BBOX
    if south <= lon <= north and west <= lat <= east:
        raise CellError(
            f"longitude and latitude look swapped ({lon}, {lat}): Shanghai is ~121, ~31"
        )
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise CellError(f"impossible coordinates ({lon}, {lat})")
    if out_of_china(lon, lat):
        raise CellError(f"coordinates ({lon}, {lat}) are outside China")
    lon, lat = to_wgs84(lon, lat, crs)
    if not in_shanghai(lon, lat):
        raise CellError(f"coordinates ({lon:.5f}, {lat:.5f}) are outside Shanghai")
    return round(lon, 7), round(lat, 7)
