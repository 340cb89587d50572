"""Server-side clusters, so a map at low zoom never downloads every point."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.checked_route import CheckedRoute
from app.api.deps import NowDep, SettingsDep, StoreDep
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.layer_params import LayerQueryDep
from app.api.layer_responses import GEOJSON, BadLayerQuery, json_with_etag
from app.services.layers import cell_degrees, cluster_features

router = APIRouter(prefix="/api/v1/layers", tags=["layers"], route_class=CheckedRoute)


@router.get(
    "/{collection_id}/clusters",
    response_class=Response,
    responses=content(GEOJSON, description="a FeatureCollection of cluster points")
    | NOT_MODIFIED
    | errors(400, 404, 422),
)
def read_clusters(
    query: LayerQueryDep,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    zoom: Annotated[int, Query(ge=0, le=22)],
    by_state: Annotated[
        bool,
        Query(
            description="with service: every point whatever its state, and each cluster's "
            "`states`: how many show open, limited or closed (checked within the status TTL), "
            "unknown (also out of date or never reported) or not_offered"
        ),
    ] = False,
) -> Response:
    """Counts and centroids of a layer's points on a grid fit for ``zoom`` (coarser when
    the box, or the world without one, would need more than 64 cells across)."""
    collection, area = query.collection, query.area
    if by_state:
        if area.service is None or collection.kind is None:
            raise BadLayerQuery("by_state counts the states of a service: give service")
        if query.filters_states:
            raise BadLayerQuery("by_state counts every state: drop state and fresh")
        since = now - timedelta(hours=settings.status_ttl_hours)
        area = replace(area, states=frozenset(), checked_since=since)
    cell = cell_degrees(zoom, area.bbox)
    clusters = store.grid_clusters(collection.layer, area, cell, by_state=by_state)
    found = cluster_features(clusters)
    body = {
        "type": "FeatureCollection",
        "features": found,
        "numberReturned": len(found),
        "pointCount": sum(f["properties"]["count"] for f in found),
    }
    return json_with_etag(request, body, GEOJSON, 30 if collection.kind else 300)
