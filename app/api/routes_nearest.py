"""The nearest resources open for a service, from a point or an address (the answer's
rules are in ``services/nearest_answer``)."""

from __future__ import annotations

from dataclasses import asdict

import pydantic_core
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from app.api.checked_route import CheckedRoute
from app.api.context import context_of
from app.api.deps import client_address
from app.api.error_responses import errors
from app.api.layer_params import parse_states
from app.api.query_model import parse_query, query_parameters
from app.core.errors import AppError
from app.domain.enums import Kind, Precision
from app.domain.statuses import IntakeStatus
from app.geo.geocoders.base import GeocodeQuery
from app.models import CandidatePublic, NearestCollection
from app.services.freshness import age_seconds, is_stale
from app.services.geocoding import ChainHolder
from app.services.nearest_answer import Ask, NearestAnswer, Origin, answer_nearest_async
from app.services.share_place import Places

router = APIRouter(prefix="/api/v1", tags=["nearest"], route_class=CheckedRoute)


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type (RFC 7946)."""

    media_type = "application/geo+json"


class BadQuery(AppError):
    """The query cannot be answered as asked."""

    status_code = 422
    code = "invalid_request"


class AddressNotLocated(BadQuery):
    """A typed address has no point; the places it could mean come along to choose from."""

    code = "address_not_found"

    def __init__(self, message: str, candidates: list[CandidatePublic]) -> None:
        super().__init__(message)
        self.candidates = candidates

    def extra(self) -> dict:
        """The candidates (possibly none), as ``GET /api/v1/geocode`` gives them."""
        return {"candidates": [c.model_dump() for c in self.candidates]}


class NearestParams(BaseModel):
    """The query string of /nearest, validated in one pass."""

    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False)
    lat: float | None = Field(None, allow_inf_nan=False, description="-90 to 90")
    address: str | None = Field(None, min_length=1, max_length=200)
    precision: Precision = Field(
        Precision.exact,
        description="how well lon/lat is known (a shared district-only origin: district, "
        "which keeps the answer to that district as the address did)",
    )
    kind: str = Field("hospitals", pattern="^(hospitals|offices)$")
    service: str | None = Field(None, max_length=32, examples=["dialysis"])
    state: str | None = Field(
        None, description="comma-separated: open, limited … (default open,limited)"
    )
    fresh: bool = True
    k: int = Field(5, ge=1, le=50)
    max_km: float | None = Field(None, gt=0, le=200, allow_inf_nan=False)


@router.get(
    "/nearest",
    response_model=NearestCollection,
    response_class=GeoJSONResponse,
    responses=errors(404, 422),
    openapi_extra={"parameters": query_parameters(NearestParams)},
)
async def nearest(request: Request) -> Response:
    """The k nearest resources whose status for ``service`` is in ``state`` (open or
    limited, fresh, by default), closest first, with great-circle distance and bearing;
    when none is, the nearest offering the service whatever their status (``answer``:
    fallback); and the offices to call. (No dependency, not even the context: each costs
    the hottest public route a solve per request, as much as its KD-tree query.)"""
    context = context_of(request)
    geocoders, finder, now = context.geocoders, context.nearest, context.clock()
    counter = context.store.change_counter()  # once: the place lookup and both kinds' caches
    params = parse_query(NearestParams, request)
    states = parse_states(params.state, BadQuery) or None
    max_m = None if params.max_km is None else params.max_km * 1000
    if params.address is None or params.lon is not None or params.lat is not None:
        origin = await _coordinates_origin(
            geocoders, params.lon, params.lat, params.precision, counter
        )
        source = None
    else:  # on the geocoder's own threads, never the pool that reads and writes need
        client = client_address(request)
        origin, source = await address_origin(geocoders, params.address, client)
    ask = Ask(Kind.from_plural(params.kind), params.service, states, params.fresh, params.k, max_m)
    ttl = context.settings.status_ttl_hours
    found = await answer_nearest_async(finder, ask, origin, now, ttl, counter)
    collection = nearest_collection(found, params.service, now, ttl)
    collection["origin"] |= {
        "source": source or "coordinates", "address": None if source is None else params.address,
    }  # fmt: skip
    return Response(collection_json(collection), media_type=GeoJSONResponse.media_type)


def nearest_collection(found: NearestAnswer, service: str | None, now, ttl: float) -> dict:
    """The answer shaped as ``NearestCollection``: its fields in its order, in values
    pydantic's serializer writes as the model would (tuples and aware datetimes as they
    are, each cheaper for it than a list or text; enums as values, which cost it ~1 µs);
    ``collection_json`` writes it without building the model, which cost as much as the
    query."""
    features = []
    for hit in found.hits:
        r = hit.view.resource
        status = None
        if service is not None:
            status = status_public(service, hit.view.statuses.get(service), now, ttl)
        properties = {
            "name": r.name, "name_en": r.name_en, "kind": r.kind, "address": r.address,
            "phones": r.phones, "precision": r.precision.value,
            "location_verified": r.location_verified, "distance_m": round(hit.distance_m, 1),
            "distance_exact": found.exact(r), "bearing": round(hit.bearing_deg, 1),
            "status": status,
        }  # fmt: skip
        features.append({"type": "Feature", "id": r.id,
                         "geometry": {"type": "Point", "coordinates": [r.lon, r.lat]},
                         "properties": properties})  # fmt: skip
    contacts = [
        {"id": hit.view.resource.id, "name": hit.view.resource.name,
         "phones": hit.view.resource.phones, "distance_m": round(hit.distance_m, 1),
         "distance_exact": found.exact(hit.view.resource)}
        for hit in found.contacts
    ]  # fmt: skip
    origin = found.origin
    return {
        "type": "FeatureCollection", "answer": found.answer.value, "features": features,
        "numberReturned": len(features),
        "origin": {"lon": origin.lon, "lat": origin.lat, "precision": origin.precision.value,
                   "source": "coordinates", "address": None, "place": origin.place.names()},
        "contacts": contacts,
    }  # fmt: skip


def status_public(service: str, status: IntakeStatus | None, now, ttl: float) -> dict:
    """A status as ``StatusPublic`` dumps it for the public (``freshness.status_dicts``
    without names, every field present)."""
    if status is None:
        return {
            "service": service, "state": "unknown", "conditions": [], "note": None,
            "source": None, "reported_by": None, "reported_at": None, "verified": False,
            "verified_by": None, "verified_at": None, "stale": True, "age_seconds": None,
        }  # fmt: skip
    checked = status.checked_at
    return {
        "service": service, "state": status.state.value, "conditions": status.conditions,
        "note": status.note, "source": status.source, "reported_by": None,
        "reported_at": status.reported_at, "verified": status.verified_at is not None,
        "verified_by": None, "verified_at": status.verified_at,
        "stale": is_stale(checked, now, ttl), "age_seconds": age_seconds(checked, now),
    }  # fmt: skip


def collection_json(collection: dict) -> bytes:
    """``nearest_collection``'s dict as JSON, byte for byte as ``NearestCollection`` would
    dump it (the tests hold the two to it): by the model's own serializer, a third of the
    time of ``json.dumps``."""
    return pydantic_core.to_json(collection)


def _origin(lon: float | None, lat: float | None) -> tuple[float, float]:
    if (lon is None) != (lat is None):
        raise BadQuery("give both lon and lat, or an address")
    if lon is None:
        raise BadQuery("give lon and lat, or an address")
    if abs(lat) > 90:
        swapped = -90 <= lon <= 90
        hint = ": lon and lat look swapped (Shanghai is about 121, 31)" if swapped else ""
        raise BadQuery(f"lat must be between -90 and 90, not {lat}{hint}")
    return lon, lat


async def _coordinates_origin(
    geocoders: ChainHolder,
    lon: float | None,
    lat: float | None,
    precision: Precision,
    counter: int | None = None,
) -> Origin:
    """A point as given, known to ``precision``, in the place whose outlines hold it: found
    on the event loop when the gazetteer is known current (a worker hop cost more than the
    rest of the request), else in a worker thread, which checks it against the store."""
    lon, lat = _origin(lon, lat)
    places = Places.current(geocoders, counter)  # on the loop: nothing committed since
    if places is not None:
        place = places.resolve(lon, lat)
    else:
        place = await run_in_threadpool(lambda: Places.of(geocoders).resolve(lon, lat))
    return Origin(lon, lat, precision, place.known_to(precision))


async def address_origin(geocoders: ChainHolder, address: str, client: str) -> tuple[Origin, str]:
    """Where a typed address is, as a public (anonymous) geocode of ``client`` (its
    address, for its allowance of online lookups), and the geocoder that placed it."""
    result = await geocoders.public.geocode(GeocodeQuery(address), client)
    if not result.found:
        candidates = [CandidatePublic(**asdict(c)) for c in result.candidates]
        notes = "; ".join(result.notes)[:200]
        raise AddressNotLocated(f"the address could not be located: {notes}", candidates)
    named = await run_in_threadpool(
        lambda: Places.of(geocoders).named(result.district, result.street, result.committee)
    )
    return Origin(result.lon, result.lat, result.precision, named), result.provider
