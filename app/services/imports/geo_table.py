"""Reading GeoJSON (RFC 7946) and GeoPackage files into a table, as a spreadsheet is read.

Each feature is a row, numbered from 1 in file order; its properties are the columns, in
order of first appearance, and a point geometry fills ``lon`` and ``lat`` (WGS-84; a
GeoPackage in another CRS is converted), unless a property already gives them. Lists
are joined with 、 and numbers written as a spreadsheet shows them. Other geometry
types, a GeoJSON ``crs`` other than WGS-84 and unreadable files are file errors.

GeoJSON is decoded one feature at a time (``geojson_stream``), each turned into text at
once. A GeoPackage is read by GDAL's GPKG driver only, no further than the row limit, and
only when its shape is that of a sheet (at most 1,000 tables, ``MAX_COLUMNS`` fields, and
rows times fields within the cell limit) and it holds no views or columns computed on
reading (a view of a recursive query never ends): anyone may ask for a dry run.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from app.services.imports.columns import HEADER_TO_FIELD, header_key
from app.services.imports.geojson_stream import decode_collection
from app.services.imports.gpkg_features import GPKG_MAGIC, gpkg_features
from app.services.imports.limits import MAX_COLUMNS, ReadLimits
from app.services.imports.sheet import ImportFileError, Table

if TYPE_CHECKING:
    from app.services.imports.table import RowCollector

WGS84_NAMES = frozenset({"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326",
                         "EPSG:4326", "CRS84"})  # fmt: skip
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair, which a JSON escape can give alone but no text can hold."""
Feature = tuple[dict[str, str], tuple[object, object] | None]
"""A feature's properties as cell texts and its point (lon, lat) if it has one."""


def is_geo_file(data: bytes, filename: str) -> bool:
    """True for a GeoPackage, or a GeoJSON file (by name, or a JSON object inside)."""
    name = filename.lower()
    if data.startswith(GPKG_MAGIC) or name.endswith((".gpkg", ".geojson", ".json")):
        return True
    return data[:100].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def read_geo_table(data: bytes, filename: str, sheet: str | None, rows: RowCollector) -> Table:
    """The features of a GeoJSON file, or of a GeoPackage layer (``sheet``; default the
    first), as a table fed through ``rows``."""
    limits = rows.limits
    if data.startswith(GPKG_MAGIC) or filename.lower().endswith(".gpkg"):
        seen: dict[str, None] = {}
        features = [
            (_as_texts(properties, filename, number, seen), point)
            for number, (properties, point) in enumerate(
                gpkg_features(data, filename, sheet, limits), start=1
            )
        ]
    elif sheet is not None:
        raise ImportFileError(f"{filename} is a GeoJSON file: it has no layer {sheet!r}")
    else:
        features = _geojson_features(data, filename, limits)
    if len(features) > limits.rows:
        if not limits.truncate:
            raise ImportFileError(f"{filename} has more than {limits.rows:,} features, the limit")
        features, rows.truncated = features[: limits.rows], True
    headers = list(dict.fromkeys(key for properties, _ in features for key in properties))
    given = {HEADER_TO_FIELD.get(header_key(header)) for header in headers}
    points = not {"lon", "lat"} & given and any(point for _, point in features)
    if any(LONE_SURROGATE.search(header) for header in headers):
        raise ImportFileError(f"{filename}: a property name holds a lone UTF-16 surrogate")
    rows.fix_header(headers + ["lon", "lat"] * points)
    for number, (properties, point) in enumerate(features, start=1):
        row = [properties.get(header, "") for header in headers]
        if points:
            row += [_text(value) for value in point] if point else ["", ""]
        if any(LONE_SURROGATE.search(cell) for cell in row):
            raise ImportFileError(f"{filename}: feature {number} holds a lone UTF-16 surrogate")
        rows.add(number, row)
    if len(rows.rows) == 1:
        raise ImportFileError(f"{filename} has no features with values")
    return rows.table()


def _as_texts(properties: dict, filename: str, number: int, seen: dict) -> dict[str, str]:
    """A feature's properties as cell texts; refused past ``MAX_COLUMNS`` names in all."""
    try:
        texts = {str(key): _text(value).strip() for key, value in properties.items()}
    except RecursionError:
        raise ImportFileError(f"{filename}: feature {number} nests lists too deeply") from None
    seen.update(dict.fromkeys(texts))
    if len(seen) > MAX_COLUMNS:
        raise ImportFileError(f"{filename} has over {MAX_COLUMNS} property names, the limit")
    return texts


def _geojson_features(data: bytes, filename: str, limits: ReadLimits) -> list[Feature]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{filename} is not GeoJSON ({exc})") from None
    features: list[Feature] = []
    seen: dict[str, None] = {}

    def take(feature: object) -> bool:
        features.append(_feature(feature, filename, len(features) + 1, seen))
        return len(features) <= limits.rows

    head = decode_collection(text, filename, take)
    stopped = len(features) > limits.rows  # the rest, and members after it, are not read
    kind = head.get("type")
    if kind == "Feature" and "features" not in head:
        features.append(_feature(head, filename, 1, seen))
    elif not stopped and not (
        kind == "FeatureCollection" and isinstance(head.get("features"), list)
    ):
        raise ImportFileError(f"{filename} is not a GeoJSON Feature or FeatureCollection")
    crs = _crs_name(head.get("crs"), filename)
    if crs not in WGS84_NAMES:
        raise ImportFileError(f"{filename}: crs {crs[:60]!r}; GeoJSON must be WGS-84")
    return features


def _feature(feature: object, filename: str, number: int, seen: dict) -> Feature:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise ImportFileError(f"{filename}: feature {number} is not a GeoJSON Feature")
    properties = feature.get("properties") or {}
    if not isinstance(properties, dict):
        raise ImportFileError(f"{filename}: feature {number} has no properties object")
    texts = _as_texts(properties, filename, number, seen)
    return texts, _point(feature.get("geometry"), filename, number)


def _crs_name(crs: object, filename: str) -> str:
    """The name in a (pre-RFC 7946) named ``crs`` member; CRS84 when there is none."""
    if crs is None:
        return "CRS84"
    properties = crs.get("properties") if isinstance(crs, dict) else None
    name = properties.get("name") if isinstance(properties, dict) else None
    if not isinstance(name, str):
        raise ImportFileError(f"{filename}: crs is not a named CRS; GeoJSON must be WGS-84 "
                              "and needs none")  # fmt: skip
    return name


def _point(geometry: object, filename: str, number: int) -> tuple[object, object] | None:
    if geometry is None:
        return None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    if not isinstance(kind, str):
        raise ImportFileError(f"{filename}: feature {number}: geometry is not a GeoJSON geometry")
    if kind != "Point":
        raise ImportFileError(f"{filename}: feature {number} is a {kind[:30]}, not a point: "
                              "only points can be imported")  # fmt: skip
    coordinates = geometry.get("coordinates")
    if not isinstance(coordinates, list) or not _two_numbers(coordinates[:2]):
        raise ImportFileError(f"{filename}: feature {number}: coordinates are not two numbers")
    return coordinates[0], coordinates[1]


def _two_numbers(values: list) -> bool:
    """True for two JSON numbers (not booleans, NaN or infinity)."""
    return len(values) == 2 and all(
        type(v) is int or (type(v) is float and math.isfinite(v)) for v in values
    )


def _text(value: object) -> str:
    """A property's value as the text a spreadsheet cell would show."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, Iterable) and not isinstance(value, dict):
        return "、".join(_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False, default=str)
