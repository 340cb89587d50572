"""Reading a GeoPackage layer with GDAL, once the file's shape is that of a sheet.

Only SQLite files are opened, and only by GDAL's GPKG driver (a VRT file named .gpkg would
have GDAL read the server's files it names). Before GDAL sees the file: no views or
virtual generated columns (SQL run on reading; a recursive view never ends), at most
``MAX_TABLES`` tables, and the layer's fields and rows within the column and cell limits
(a few megabytes of a table of 2,000 NULL fields are a billion cells once read), and the
characters of its fields within the character limit (a column added with a long DEFAULT
gives every older row that text, without it being stored once per row). GDAL then reads no
further than the row limit. Features become rows as GeoJSON's do (``feature_table``),
points converted to WGS-84 from the layer's CRS.
"""

from __future__ import annotations

import sqlite3
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from app.services.imports.feature_table import feature_table, property_texts
from app.services.imports.limits import MAX_CELLS, MAX_COLUMNS, ReadLimits
from app.services.imports.table import ImportFileError, RowCollector, Table

if TYPE_CHECKING:
    from geopandas import GeoSeries
    from pandas import DataFrame

GPKG_MAGIC = b"SQLite format 3\x00"
MAX_TABLES = 1_000
COMPUTED_ON_READ = """
    SELECT name FROM sqlite_schema WHERE type = 'view'
    UNION ALL
    SELECT s.name FROM sqlite_schema AS s JOIN pragma_table_xinfo(s.name) AS c
    WHERE s.type = 'table' AND s.sql NOT LIKE 'CREATE VIRTUAL TABLE%' AND c.hidden = 2
"""
"""Views, and tables with virtual generated columns: SQL that runs when they are read."""
RawFeature = tuple[dict, tuple[float, float] | None]


def read_gpkg(data: bytes, filename: str, sheet: str | None, rows: RowCollector) -> Table:
    """The features of the GeoPackage layer ``sheet`` (default: the first) as a table fed
    through ``rows``."""
    seen: dict[str, None] = {}
    features = [
        (property_texts(properties, filename, number, seen), point)
        for number, (properties, point) in enumerate(
            gpkg_features(data, filename, sheet, rows.limits), start=1
        )
    ]
    return feature_table(features, filename, rows)


def gpkg_features(
    data: bytes, filename: str, layer: str | None, limits: ReadLimits
) -> list[RawFeature]:
    """The features of ``layer`` (default: the first), at most ``limits.rows + 1``."""
    with tempfile.TemporaryDirectory() as directory, warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # GDAL's, about files it then refuses
        path = Path(directory) / "upload.gpkg"
        path.write_bytes(data)
        _check_database(path, filename)
        frame = _read_layer(path, filename, layer, limits)
    return _frame_features(frame, filename)


def _read_layer(path: Path, filename: str, layer: str | None, limits: ReadLimits) -> DataFrame:
    """The layer's first ``limits.rows + 1`` rows as GDAL reads them, once its shape is
    checked."""
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    source = f"GPKG:{path}"  # never another GDAL driver (a VRT names the server's files)
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(source)]
        if layer is not None and layer not in layers:
            raise ImportFileError(f"{filename} has no layer {layer!r}; layers: "
                                  f"{', '.join(layers)[:200]}")  # fmt: skip
        layer = layer or (layers[0] if layers else None)
        if layer is not None:
            _check_shape(path, layer, filename, limits)
        return pyogrio.read_dataframe(source, layer=layer, max_features=limits.rows + 1)
    except (DataSourceError, DataLayerError) as exc:
        detail = str(exc).replace(str(path), filename)
        raise ImportFileError(f"{filename} is not a readable GeoPackage ({detail})") from None


def _frame_features(frame: DataFrame, filename: str) -> list[RawFeature]:
    """Each row's values (None for NULL) by column, and its point."""
    from geopandas import GeoDataFrame

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


def _query(path: Path, filename: str, sql: str, *args: object) -> list[tuple]:
    """Rows of ``sql`` on the uploaded file, opened read-only as it is."""
    con = sqlite3.connect(f"{path.as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        return con.execute(sql, args).fetchall()
    except sqlite3.Error as exc:
        raise ImportFileError(f"{filename} is not a readable GeoPackage ({exc})") from None
    finally:
        con.close()


def _check_database(path: Path, filename: str) -> None:
    """Refuse a file that is no SQLite database, has too many tables, or holds SQL run on
    reading it."""
    [(tables,)] = _query(path, filename, "SELECT count(*) FROM sqlite_schema")
    if tables > MAX_TABLES:
        raise ImportFileError(f"{filename} holds {tables:,} tables and indexes; a sheet needs few")
    computed = [name for (name,) in _query(path, filename, COMPUTED_ON_READ)]
    if computed:
        raise ImportFileError(f"{filename} holds views or computed columns "
                              f"({', '.join(computed)[:200]}): only plain tables can be "
                              "imported")  # fmt: skip


def _check_shape(path: Path, layer: str, filename: str, limits: ReadLimits) -> None:
    """Refuse a layer with more fields than a sheet has columns, or more cells or
    characters to read."""
    listed = _query(path, filename, "SELECT name FROM pragma_table_info(?)", layer)
    names = [name for (name,) in listed]
    fields = len(names)
    if fields > MAX_COLUMNS + 2:  # the feature id and the geometry besides
        raise ImportFileError(f"{filename}: layer {layer[:60]!r} has {fields:,} fields; "
                              f"the limit is {MAX_COLUMNS}")  # fmt: skip
    quoted = _quote(layer)
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT ?)"  # no further than it reads
    [(count,)] = _query(path, filename, sql, limits.rows + 1)
    if count * fields > MAX_CELLS:
        raise ImportFileError(f"{filename}: layer {layer[:60]!r} has over {count:,} rows of "
                              f"{fields} fields, over {MAX_CELLS:,} cells")  # fmt: skip
    geometry = _geometry_columns(path, filename, layer)
    lengths = [f"coalesce(sum(length({_quote(n)})), 0)" for n in names if n not in geometry]
    if lengths:
        sql = f"SELECT {' + '.join(lengths)} FROM (SELECT * FROM {quoted} LIMIT ?)"
        [(chars,)] = _query(path, filename, sql, limits.rows + 1)
        if chars > limits.chars:
            raise ImportFileError(f"{filename}: layer {layer[:60]!r} holds over "
                                  f"{limits.chars:,} characters, the limit")  # fmt: skip


def _geometry_columns(path: Path, filename: str, layer: str) -> set[str]:
    """The layer's geometry column (points, counted apart from the text)."""
    listed = "SELECT 1 FROM sqlite_schema WHERE name = 'gpkg_geometry_columns'"
    if not _query(path, filename, listed):
        return set()
    sql = "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?"
    return {name for (name,) in _query(path, filename, sql, layer)}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
