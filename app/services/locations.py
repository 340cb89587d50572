"""Placing a resource's point by hand: coordinates in any of the three systems, or a pasted
Amap/Baidu link, converted once to WGS-84 and checked to lie in the city before it is kept
as exact and verified (and learned as the address's verified point)."""

from __future__ import annotations

from typing import Protocol

from app.domain.enums import SourceCrs, WriteSource
from app.domain.records import Resource
from app.geo.crs import to_wgs84
from app.geo.extent import in_shanghai
from app.geo.gazetteer_index import GazetteerIndex
from app.geo.location_links import PastedPoint, read_pasted
from app.models.workspace import LocationIn
from app.services.address_learning import learn_written
from app.storage.port import LearnedStore, LocationStore


class PlacingStore(LocationStore, LearnedStore, Protocol):
    """Where a placement is kept, and the verified point it teaches."""


class PointRefused(ValueError):
    """A point that cannot be a Shanghai hospital's; ``code`` says why."""

    code = "outside_area"


class SwappedCoordinates(PointRefused):
    """Longitude and latitude given the wrong way round: swapped, the point is in the city."""

    code = "swapped_coordinates"


def pasted_point(location: LocationIn) -> PastedPoint:
    """The point a location body gives: its ``link`` read, or its ``lon``/``lat`` in its
    ``crs``; ``LinkError`` for a link that holds none."""
    if location.link is not None:
        return read_pasted(location.link, location.crs)
    return PastedPoint(location.lon, location.lat, location.crs, "coordinates")  # type: ignore[arg-type]


def wgs84_point(point: PastedPoint) -> tuple[float, float]:
    """The point in WGS-84 (lon, lat), once it is in Shanghai's area; ``SwappedCoordinates``
    when only the swapped pair is, ``PointRefused`` when neither is."""
    lon, lat = to_wgs84(point.lon, point.lat, point.crs)
    if in_shanghai(lon, lat):
        return lon, lat
    swapped = to_wgs84(point.lat, point.lon, point.crs)
    if in_shanghai(*swapped):
        raise SwappedCoordinates(
            f"lon {point.lon} and lat {point.lat} look swapped: the other way round they are "
            "in Shanghai (longitude is about 121, latitude about 31)"
        )
    raise PointRefused(
        f"({point.lon}, {point.lat}) in {point.crs.value} is outside Shanghai's area "
        "(lon 120.85-122.2, lat 30.67-31.88)"
    )


def place(
    store: PlacingStore,
    resource_id: int,
    expected_version: int,
    point: PastedPoint,
    by: str,
    via: WriteSource,
    index: GazetteerIndex,
) -> Resource:
    """Keep ``point`` as the resource's exact, verified location (the old one goes to its
    location history), if the resource is still at ``expected_version``; its address then
    learns the point (a correction replaces what was learned). A failure to learn is
    logged: the placement stands."""
    lon, lat = wgs84_point(point)
    crs = SourceCrs(point.crs)
    placed = store.place_resource(resource_id, expected_version, lon, lat, crs, by, via)
    learn_written(store, index, placed)
    return placed
