"""Server-side clusters, so a map at low zoom never downloads every point."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.deps import NowDep, SettingsDep, StoreDep
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.layer_responses import GEOJSON, cached
from app.api.routes_ogc import CollectionId, collection_named, layer_area
from app.services.layers import cell_degrees, cluster_features

router = APIRouter(prefix="/api/v1/layers", tags=["layers"])


@router.get(
    "/{layer_id}/clusters",
    response_class=Response,
    responses=content(GEOJSON, description="a FeatureCollection of cluster points")
    | NOT_MODIFIED
    | errors(400, 404, 422),
)
def read_clusters(
    layer_id: CollectionId,
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    zoom: Annotated[int, Query(ge=0, le=22)],
    bbox: Annotated[str | None, Query(description="west,south,east,north")] = None,
    service: Annotated[str | None, Query(max_length=32)] = None,
    state: Annotated[str | None, Query(max_length=100)] = None,
    fresh: bool = False,
    district: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Counts and centroids of a layer's points on a grid fit for ``zoom`` (coarser when
    the box, or the world without one, would need more than 64 cells across)."""
    collection = collection_named(layer_id)
    area = layer_area(store, collection, bbox, service, state, fresh, district, now, settings)
    cell = cell_degrees(zoom, area.bbox)
    found = cluster_features(store.grid_clusters(collection.layer, area, cell))
    body = {
        "type": "FeatureCollection",
        "features": found,
        "numberReturned": len(found),
        "pointCount": sum(f["properties"]["count"] for f in found),
    }
    return cached(request, body, GEOJSON, 30 if collection.kind else 300)
