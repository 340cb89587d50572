"""The nearest resources open for a service, from a point or an address."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.api.deps import NowDep, SettingsDep
from app.core.errors import AppError
from app.geo.geocoders.base import GeocodeQuery
from app.models import (
    NearestCollection,
    NearestFeature,
    NearestOrigin,
    NearestProperties,
    PointGeometry,
    StatusPublic,
)
from app.services.freshness import status_views
from app.services.nearest import NearestQuery
from app.storage.base import NotFound, Precision, State

router = APIRouter(prefix="/api/v1", tags=["nearest"])
KINDS = {"hospitals": "hospital", "offices": "office"}


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type (RFC 7946)."""

    media_type = "application/geo+json"


class BadQuery(AppError):
    """The query cannot be answered as asked."""

    status_code = 422
    code = "invalid_request"


@router.get("/nearest", response_model=NearestCollection, response_class=GeoJSONResponse)
async def nearest(
    request: Request,
    settings: SettingsDep,
    now: NowDep,
    lon: Annotated[float | None, Query(ge=-180, le=180, allow_inf_nan=False)] = None,
    lat: Annotated[float | None, Query(allow_inf_nan=False, description="-90 to 90")] = None,
    address: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    kind: Annotated[str, Query(pattern="^(hospitals|offices)$")] = "hospitals",
    service: Annotated[str | None, Query(max_length=32, examples=["dialysis"])] = None,
    state: Annotated[str, Query(description="comma-separated: open, limited …")] = "open",
    fresh: bool = True,
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    max_km: Annotated[float | None, Query(gt=0, le=200, allow_inf_nan=False)] = None,
) -> GeoJSONResponse:
    """The k nearest resources whose status for ``service`` is in ``state`` (fresh only by
    default), closest first, with great-circle distance and bearing."""
    if address is None:
        origin = _origin(request, lon, lat, None)
    else:  # geocoding may wait on a provider: off the event loop
        origin = await run_in_threadpool(_origin, request, lon, lat, address)
    finder = request.app.state.nearest
    if service is not None and service not in finder.known_services():
        raise NotFound(f"no service {service!r}")
    try:
        states = frozenset(State(part.strip()) for part in state.split(",") if part.strip())
    except ValueError:
        raise BadQuery(f"state must be among {', '.join(State)}, not {state[:40]!r}") from None
    query = NearestQuery(
        origin.lon, origin.lat, KINDS[kind], service, states or frozenset({State.open}),
        fresh, k, None if max_km is None else max_km * 1000,
    )  # fmt: skip
    ttl = settings.status_ttl_hours
    hits = finder.find(query, now, ttl)
    features = []
    for hit in hits:
        resource = hit.view.resource
        status = None
        if service is not None:
            reported = hit.view.statuses.get(service)
            [view] = status_views((service,), {service: reported} if reported else {}, now, ttl)
            status = StatusPublic(**view)
        properties = NearestProperties(
            name=resource.name,
            kind=resource.kind,
            address=resource.address,
            phones=list(resource.phones),
            precision=resource.precision,
            location_verified=resource.location_verified,
            distance_m=round(hit.distance_m, 1),
            bearing=round(hit.bearing_deg, 1),
            status=status,
        )
        geometry = PointGeometry(coordinates=(resource.lon, resource.lat))
        features.append(NearestFeature(id=resource.id, geometry=geometry, properties=properties))
    collection = NearestCollection(features=features, numberReturned=len(features), origin=origin)
    return GeoJSONResponse(collection.model_dump(mode="json"))


def _origin(
    request: Request, lon: float | None, lat: float | None, address: str | None
) -> NearestOrigin:
    if (lon is None) != (lat is None):
        raise BadQuery("give both lon and lat, or an address")
    if lon is not None:
        if abs(lat) > 90:
            swapped = -90 <= lon <= 90
            hint = ": lon and lat look swapped (Shanghai is about 121, 31)" if swapped else ""
            raise BadQuery(f"lat must be between -90 and 90, not {lat}{hint}")
        return NearestOrigin(lon=lon, lat=lat, precision=Precision.exact, source="coordinates")
    if address is None:
        raise BadQuery("give lon and lat, or an address")
    result = request.app.state.geocoders.get().geocode(GeocodeQuery(address))
    if not result.found:
        raise BadQuery(f"the address could not be located: {'; '.join(result.notes)[:200]}")
    return NearestOrigin(
        lon=result.lon, lat=result.lat, precision=result.precision,
        source=result.provider, address=address,
    )  # fmt: skip
