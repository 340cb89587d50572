"""Reading GeoJSON (RFC 7946) and GeoPackage files into a table, as a spreadsheet is read.

Each feature is a row, numbered from 1 in file order; its properties are the columns, in
order of first appearance, and a point geometry fills ``lon`` and ``lat`` (WGS-84; a
GeoPackage in another CRS is converted), unless a property already gives them. Lists
are joined with 、 and numbers written as a spreadsheet shows them. Other geometry
types, a GeoJSON ``crs`` other than WGS-84 and unreadable files are file errors.

A GeoPackage is read by GDAL's GPKG driver only, at most ``MAX_ROWS + 1`` features, and
only when it holds no views or columns computed on reading (a view of a recursive query
never ends): anyone may ask for a dry run.
"""

from __future__ import annotations

import json
import math
import re
import sqlite3
import tempfile
import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from app.services.imports.columns import HEADER_TO_FIELD, header_key
from app.services.imports.table import MAX_ROWS, ImportFileError, Table

if TYPE_CHECKING:
    from geopandas import GeoSeries

GPKG_MAGIC = b"SQLite format 3\x00"
WGS84_NAMES = frozenset({"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:EPSG::4326",
                         "EPSG:4326", "CRS84"})  # fmt: skip
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
"""Half of a UTF-16 pair, which a JSON escape can give alone but no text can hold."""
COMPUTED_ON_READ = """
    SELECT name FROM sqlite_schema WHERE type = 'view'
    UNION ALL
    SELECT s.name FROM sqlite_schema AS s JOIN pragma_table_xinfo(s.name) AS c
    WHERE s.type = 'table' AND s.sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND c.hidden = 2
"""
"""Views, and tables with virtual generated columns: SQL that runs when they are read."""
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
        raise ImportFileError(f"{filename} has more than {MAX_ROWS:,} features, the limit")
    headers = list(dict.fromkeys(key for properties, _ in features for key in properties))
    given = {HEADER_TO_FIELD.get(header_key(header)) for header in headers}
    points = not {"lon", "lat"} & given and any(point for _, point in features)
    if any(LONE_SURROGATE.search(header) for header in headers):
        raise ImportFileError(f"{filename}: a property name holds a lone UTF-16 surrogate")
    rows = []
    for number, (properties, point) in enumerate(features, start=1):
        try:
            row = [_text(properties.get(header)).strip() for header in headers]
        except RecursionError:
            raise ImportFileError(f"{filename}: feature {number} nests lists too deeply") from None
        if points:
            row += [_text(value) for value in point] if point else ["", ""]
        if any(LONE_SURROGATE.search(cell) for cell in row):
            raise ImportFileError(f"{filename}: feature {number} holds a lone UTF-16 surrogate")
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
    except RecursionError:
        raise ImportFileError(f"{filename} nests its values too deeply") from None
    except ValueError:  # an integer of more digits than Python converts
        raise ImportFileError(f"{filename} holds a number too long to read") from None
    kind = document.get("type") if isinstance(document, dict) else None
    if kind == "Feature":
        document = {"features": [document]}
    elif kind != "FeatureCollection" or not isinstance(document.get("features"), list):
        raise ImportFileError(f"{filename} is not a GeoJSON Feature or FeatureCollection")
    crs = _crs_name(document.get("crs"), filename)
    if crs not in WGS84_NAMES:
        raise ImportFileError(f"{filename}: crs {crs[:60]!r}; GeoJSON must be WGS-84")
    features = []
    for number, feature in enumerate(document["features"], start=1):
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise ImportFileError(f"{filename}: feature {number} is not a GeoJSON Feature")
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            raise ImportFileError(f"{filename}: feature {number} has no properties object")
        features.append((properties, _point(feature.get("geometry"), filename, number)))
    return features


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


def _gpkg_features(data: bytes, filename: str, layer: str | None) -> list[Feature]:
    import pyogrio
    from geopandas import GeoDataFrame
    from pyogrio.errors import DataLayerError, DataSourceError

    with tempfile.TemporaryDirectory() as directory, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's, about files it then refuses
        path = Path(directory) / "upload.gpkg"
        path.write_bytes(data)
        _refuse_computed_tables(path, filename)
        source = f"GPKG:{path}"  # never another GDAL driver (a VRT names the server's files)
        try:
            layers = [str(name) for name, _ in pyogrio.list_layers(source)]
            if layer is not None and layer not in layers:
                raise ImportFileError(f"{filename} has no layer {layer!r}; layers: "
                                      f"{', '.join(layers)[:200]}")  # fmt: skip
            frame = pyogrio.read_dataframe(
                source, layer=layer or (layers[0] if layers else None), max_features=MAX_ROWS + 1
            )
        except (DataSourceError, DataLayerError) as exc:
            detail = str(exc).replace(str(path), filename)
            raise ImportFileError(f"{filename} is not a readable GeoPackage ({detail})") from None
    if isinstance(frame, GeoDataFrame):
        columns = [name for name in frame.columns if name != frame.geometry.name]
        points = _points(frame.geometry, filename)
    else:  # an attribute table: rows without points, as a spreadsheet's
        columns, points = list(frame.columns), [None] * len(frame)
    values = frame[columns].astype(object).where(frame[columns].notna(), None)
    return [
        (dict(zip(columns, row, strict=True)), point)
        for row, point in zip(values.itertuples(index=False), points, strict=True)
    ]


def _points(geometry: GeoSeries, filename: str) -> list[tuple[float, float] | None]:
    """Each point as WGS-84 (lon, lat), None for no geometry; other geometries refused."""
    kinds = set(geometry.dropna().geom_type)
    if kinds - {"Point"}:
        raise ImportFileError(f"{filename} holds {', '.join(sorted(kinds))} geometries: "
                              "only points can be imported")  # fmt: skip
    if geometry.crs is not None and geometry.crs.to_epsg() != 4326:
        from pyproj.exceptions import ProjError

        try:
            geometry = geometry.to_crs(4326)
        except ProjError:
            raise ImportFileError(f"{filename}: its CRS {geometry.crs.name[:60]!r} cannot be "
                                  "converted to WGS-84") from None  # fmt: skip
    return [None if g is None or g.is_empty else (g.x, g.y) for g in geometry]


def _refuse_computed_tables(path: Path, filename: str) -> None:
    """Refuse a file that is no SQLite database or holds SQL run on reading it."""
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        computed = [name for (name,) in con.execute(COMPUTED_ON_READ)]
    except sqlite3.Error as exc:
        raise ImportFileError(f"{filename} is not a readable GeoPackage ({exc})") from None
    finally:
        con.close()
    if computed:
        raise ImportFileError(f"{filename} holds views or computed columns "
                              f"({', '.join(computed)[:200]}): only plain tables can be "
                              "imported")  # fmt: skip


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
