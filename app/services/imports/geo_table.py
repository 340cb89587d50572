"""Reading GeoJSON (RFC 7946) and GeoPackage files into a table, as a spreadsheet is read.

Each feature is a row, numbered from 1 in file order; its properties are the columns, in
order of first appearance, and a point geometry fills ``lon`` and ``lat`` (WGS-84; a
GeoPackage in another CRS is converted), unless a property already gives them. Lists
are joined with 、 and numbers written as a spreadsheet shows them. Other geometry
types, a GeoJSON ``crs`` other than WGS-84 and unreadable files are file errors.
"""

from __future__ import annotations

import json
import math
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path

from app.services.imports.columns import HEADER_TO_FIELD, header_key
from app.services.imports.table import MAX_ROWS, ImportFileError, Table

GPKG_MAGIC = b"SQLite format 3\x00"
WGS84_NAMES = frozenset({"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326",
                         "EPSG:4326", "CRS84"})  # fmt: skip
Feature = tuple[dict, tuple[object, object] | None]
"""A feature's properties and its point (lon, lat) if it has one."""


def is_geo_file(data: bytes, filename: str) -> bool:
    """True for a GeoPackage, or a GeoJSON file (by name, or a JSON object inside)."""
    name = filename.lower()
    if data.startswith(GPKG_MAGIC) or name.endswith((".gpkg", ".geojson", ".json")):
        return True
    return data[:100].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")


def read_geo_table(data: bytes, filename: str, sheet: str | None) -> Table:
    """The features of a GeoJSON file, or of a GeoPackage layer (``sheet``; default the
    first), as a table."""
    if data.startswith(GPKG_MAGIC) or filename.lower().endswith(".gpkg"):
        features = _gpkg_features(data, filename, sheet)
    elif sheet is not None:
        raise ImportFileError(f"{filename} is a GeoJSON file: it has no layer {sheet!r}")
    else:
        features = _geojson_features(data, filename)
    if len(features) > MAX_ROWS:
        raise ImportFileError(f"{filename} has {len(features):,} features; the limit is "
                              f"{MAX_ROWS:,}")  # fmt: skip
    headers = list(dict.fromkeys(key for properties, _ in features for key in properties))
    given = {HEADER_TO_FIELD.get(header_key(header)) for header in headers}
    points = not {"lon", "lat"} & given and any(point for _, point in features)
    rows = []
    for number, (properties, point) in enumerate(features, start=1):
        row = [_text(properties.get(header)).strip() for header in headers]
        if points:
            row += [_text(value) for value in point] if point else ["", ""]
        if any(row):
            rows.append((number, row))
    if not rows:
        raise ImportFileError(f"{filename} has no features with values")
    return Table(headers=headers + ["lon", "lat"] * points, rows=rows)


def _geojson_features(data: bytes, filename: str) -> list[Feature]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"{filename} is not GeoJSON ({exc})") from None
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "Feature":
        document = {"features": [document]}
    elif kind != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise ImportFileError(f"{filename} is not a GeoJSON Feature or FeatureCollection")
    crs = (document.get("crs") or {}).get("properties", {}).get("name", "CRS84")
    if crs not in WGS84_NAMES:
        raise ImportFileError(f"{filename}: crs {str(crs)[:60]!r}; GeoJSON must be WGS-84")
    features = []
    for number, feature in enumerate(document["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ImportFileError(f"{filename}: feature {number} is not a GeoJSON Feature")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise ImportFileError(f"{filename}: feature {number} has no properties object")
        features.append((properties, _point(feature.get("geometry"), filename, number)))
    return features


def _point(geometry: object, filename: str, number: int) -> tuple[object, object] | None:
    if geometry is None:
        return None
    kind = geometry.get("type") if isinstance(geometry, dict) else None
    coordinates = geometry.get("coordinates") if kind == "Point" else None
    if not isinstance(coordinates, list) or len(coordinates) < 2:
        shown = kind if isinstance(kind, str) else "geometry"
        raise ImportFileError(
            f"{filename}: feature {number} is a {shown[:30]}, not a point: only points "
            "can be imported"
        )
    return coordinates[0], coordinates[1]


def _gpkg_features(data: bytes, filename: str, layer: str | None) -> list[Feature]:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    with tempfile.TemporaryDirectory() as directory, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's, about files it then refuses
        path = Path(directory) / "upload.gpkg"
        path.write_bytes(data)
        try:
            layers = [str(name) for name, _ in pyogrio.list_layers(path)]
            if layer is not None and layer not in layers:
                raise ImportFileError(f"{filename} has no layer {layer!r}; layers: "
                                      f"{', '.join(layers)[:200]}")  # fmt: skip
            frame = pyogrio.read_dataframe(path, layer=layer or (layers[0] if layers else None))
        except (DataSourceError, DataLayerError) as exc:
            raise ImportFileError(f"{filename} is not a readable GeoPackage ({exc})") from None
    kinds = set(frame.geometry.dropna().geom_type)
    if kinds - {"Point"}:
        raise ImportFileError(f"{filename} holds {', '.join(sorted(kinds))} geometries: "
                              "only points can be imported")  # fmt: skip
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    columns = [name for name in frame.columns if name != frame.geometry.name]
    values = frame[columns].astype(object).where(frame[columns].notna(), None)
    points = [None if g is None or g.is_empty else (g.x, g.y) for g in frame.geometry]
    return [
        (dict(zip(columns, row, strict=True)), point)
        for row, point in zip(values.itertuples(index=False), points, strict=True)
    ]


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
