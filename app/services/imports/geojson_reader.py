"""Reading a GeoJSON file (RFC 7946): a Feature or a FeatureCollection of points.

The document is decoded one feature at a time (``geojson_stream``), each turned into text
at once, no further than one feature past the row limit. A point geometry must be WGS-84:
other geometry types, a ``crs`` member naming another CRS and unreadable files are file
errors.
"""

from __future__ import annotations

import math

from app.services.imports.feature_table import Feature, feature_table, property_texts
from app.services.imports.geojson_stream import decode_collection
from app.services.imports.limits import ReadLimits
from app.services.imports.table import ImportFileError, RowCollector, Table

WGS84_NAMES = frozenset({"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326",
                         "EPSG:4326", "CRS84"})  # fmt: skip


def starts_as_json_object(data: bytes) -> bool:
    """True when the file's first bytes open a JSON object (after a BOM and blanks)."""
    return data[:100].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def read_geojson(data: bytes, filename: str, sheet: str | None, rows: RowCollector) -> Table:
    """The features of a GeoJSON file as a table fed through ``rows``."""
    if sheet is not None:
        raise ImportFileError(f"{filename} is a GeoJSON file: it has no layer {sheet!r}")
    return feature_table(_features(data, filename, rows.limits), filename, rows)


def _features(data: bytes, filename: str, limits: ReadLimits) -> list[Feature]:
    """The file's features, at most ``limits.rows + 1``, once its top level is checked."""
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
    texts = property_texts(properties, filename, number, seen)
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
