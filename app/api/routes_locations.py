"""Placing a hospital's point by hand (typed coordinates or a pasted Amap/Baidu link) and
the history of such moves."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.deps import (
    MAX_OFFSET,
    GeocodersDep,
    IdPath,
    OptionalToken,
    StoreDep,
    Verifier,
    names_for,
)
from app.api.error_responses import SIGNED_IN, errors
from app.api.versions import IfMatch, expected_version
from app.api.write_source import SourceDep
from app.core.errors import AppError
from app.geo.location_links import LinkError
from app.models import LocationChangePublic, LocationIn, LocationWritten
from app.services.locations import PointRefused, pasted_point, place

router = APIRouter(prefix="/api/v1/resources", tags=["locations"], route_class=CheckedRoute)


class BadLocation(AppError):
    """A point or link that cannot be placed; its code says why."""

    status_code = 422

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@router.put(
    "/{resource_id}/location",
    response_model=LocationWritten,
    max_body_size=body_limits.LOCATION,
    responses=SIGNED_IN | errors(400, 404, 412, 413, 422, 428),
)
def put_location(
    resource_id: IdPath,
    body: LocationIn,
    response: Response,
    token: Verifier,
    store: StoreDep,
    geocoders: GeocodersDep,
    via: SourceDep,
    if_match: IfMatch = None,
) -> LocationWritten:
    """Verifiers: place the hospital's point, as ``{"lon", "lat", "crs"}`` (wgs84, gcj02,
    bd09) or ``{"link"}`` (an Amap or Baidu URL, their share text, or "lat,lon" read in
    ``crs``). Stored in WGS-84 as ``precision: exact``, ``location_verified: true``; the old
    point stays in the location history. If-Match: the resource's ETag. 422 codes:
    ``short_link`` (surl.amap.com, j.map.baidu.com: paste the long link), ``unparseable_link``,
    ``outside_area``, ``swapped_coordinates``."""
    version = expected_version(if_match)
    try:
        point = pasted_point(body)
        index = geocoders.get(online=False).index
        placed = place(store, resource_id, version, point, token.name, via, index)
    except (LinkError, PointRefused) as exc:
        raise BadLocation(exc.code, str(exc)) from None
    response.headers["ETag"] = f'"{placed.version}"'
    return LocationWritten(
        resource_id=placed.id,
        version=placed.version,
        lon=placed.lon,
        lat=placed.lat,
        precision=placed.precision,
        location_verified=placed.location_verified,
        source_crs=placed.source_crs,
        read_from=point.source,
    )


@router.get(
    "/{resource_id}/location-history",
    response_model=list[LocationChangePublic],
    responses=errors(401, 404, 422, 429),
)
def read_location_history(
    resource_id: IdPath,
    store: StoreDep,
    token: OptionalToken,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[LocationChangePublic]:
    """Every move of the resource's point, newest first: from where to where (WGS-84),
    when, from where (workspace, api); who only with a token."""
    store.get_resource(resource_id)
    names = names_for(token, response)
    return [
        LocationChangePublic(
            id=c.id,
            resource_version=c.resource_version,
            old=dict(c.old),
            new=dict(c.new),
            changed_by=c.changed_by if names else None,
            changed_at=c.changed_at,
            source=c.via,
        )
        for c in store.location_history(resource_id, limit=limit, offset=offset)
    ]
