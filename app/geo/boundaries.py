"""Reading administrative outlines (GeoJSON, shapefile, GeoPackage) into WGS-84 shapes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import shapely
from shapely.geometry.base import BaseGeometry

from app.domain.enums import SourceCrs
from app.geo.crs import to_wgs84
from app.geo.names import normalise

WGS84 = "EPSG:4326"


class BoundaryFileError(Exception):
    """The outline file cannot be read or lacks what it needs."""


@dataclass(frozen=True, slots=True)
class Boundary:
    """One named outline, in WGS-84 lon/lat."""

    name: str
    district: str
    geometry: BaseGeometry


def read_boundaries(
    path: Path, name_field: str, district_field: str, source_crs: SourceCrs = SourceCrs.wgs84
) -> list[Boundary]:
    """Every polygon feature with its unit and district names (normalised), in WGS-84.

    ``source_crs`` says whether the file's lon/lat are really GCJ-02 or BD-09 (outlines
    traced on Amap or Baidu declare EPSG:4326 but are offset); they are converted once.
    """
    import geopandas as gpd
    from pyogrio.errors import DataSourceError

    if not path.is_file():
        raise BoundaryFileError(f"no such file: {path}")
    try:
        frame = gpd.read_file(path)
    except (DataSourceError, ValueError) as exc:
        raise BoundaryFileError(f"cannot read {path}: {exc}") from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame:
        raise BoundaryFileError(f"{path.name} has no geometries")
    missing = [f for f in (name_field, district_field) if f not in frame.columns]
    if missing:
        raise BoundaryFileError(
            f"{path.name} has no column {', '.join(missing)}; columns: "
            + ", ".join(c for c in frame.columns if c != frame.geometry.name)
        )
    frame = _to_wgs84(frame, path)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    bad = frame[~frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    if len(bad):
        raise BoundaryFileError(f"{path.name}: {len(bad)} features are not polygons")
    return [
        Boundary(
            name=normalise(str(name)),
            district=normalise(str(district)),
            geometry=_valid(_from_chinese_crs(g, source_crs)),
        )
        for name, district, g in zip(
            frame[name_field], frame[district_field], frame.geometry, strict=True
        )
    ]


def _to_wgs84(frame, path: Path):
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise BoundaryFileError(f"{path.name} has no CRS and is not in lon/lat degrees")
        return frame.set_crs(WGS84)
    return frame.to_crs(WGS84)


def _from_chinese_crs(geometry: BaseGeometry, source_crs: SourceCrs) -> BaseGeometry:
    if source_crs is SourceCrs.wgs84:
        return geometry
    return shapely.transform(
        geometry, lambda lon, lat: to_wgs84(lon, lat, source_crs), interleaved=False
    )


def _valid(geometry: BaseGeometry) -> BaseGeometry:
    return geometry if geometry.is_valid else geometry.buffer(0)
