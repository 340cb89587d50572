"""``GET /api/v1/help-stats``: what the public may know of help requests, aggregates only,
and the same street counts as a map layer (GeoJSON) for the map and for GIS tools."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.api.checked_route import CheckedRoute
from app.api.deps import ContextDep, PlacesDep
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.layer_responses import GEOJSON, json_with_etag
from app.models import HelpStats
from app.services.layers import unit_feature

router = APIRouter(prefix="/api/v1", tags=["help"], route_class=CheckedRoute)


@router.get("/help-stats", response_model=HelpStats, responses=errors(422))
def read_help_stats(context: ContextDep, places: PlacesDep, response: Response) -> HelpStats:
    """Help requests counted by state, service and district, and by street (the map's
    layer of counts); a service, district or street with fewer than 5 requests is left
    out, as is the median wait for a first contact over fewer than 5 waits. The share
    resolved is of all requests."""
    response.headers["Cache-Control"] = "public, max-age=60"
    return context.help_stats.stats(context.store, places.units)


@router.get(
    "/help-stats/streets",
    response_class=Response,
    responses=content(GEOJSON, description="a FeatureCollection of streets with their counts")
    | NOT_MODIFIED
    | errors(422),
)
def read_help_street_layer(request: Request, context: ContextDep, places: PlacesDep) -> Response:
    """The streets with at least 5 help requests as GeoJSON features (the street's outline
    where one is loaded, else its point) with ``count``; a street under 5 is not shown."""
    stats = context.help_stats.stats(context.store, places.units)
    found = []
    for cell in stats.streets:  # only these outlines are read, not every street's
        unit = places.units.get(cell.id)
        if unit is not None:
            feature = unit_feature(unit, context.store.get_boundary(unit.id))
            feature["properties"]["count"] = cell.count
            found.append(feature)
    body = {"type": "FeatureCollection", "features": found, "min_cell": stats.min_cell}
    return json_with_etag(request, body, GEOJSON, 60)
