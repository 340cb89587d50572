"""Geocoding one address through the configured chain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.api.checked_route import CheckedRoute
from app.api.deps import GeocodersDep, OptionalToken, client_address
from app.api.error_responses import errors
from app.geo.geocoders.base import GeocodeQuery
from app.models import GeocodePublic

router = APIRouter(prefix="/api/v1/geocode", tags=["geocode"], route_class=CheckedRoute)


@router.get("", response_model=GeocodePublic, responses=errors(401, 422, 429))
async def geocode_address(
    request: Request,
    token: OptionalToken,
    geocoders: GeocodersDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="address text")],
    district: Annotated[str | None, Query(max_length=20, description="district, if known")] = None,
) -> GeocodePublic:
    """Locate an address; ambiguous text comes back with its candidates. Online providers
    are asked within a per-client allowance; beyond it, or when they are busy, the answer
    is the offline one, with a note saying why."""
    public = geocoders.public
    query = GeocodeQuery(address=q, district=district)
    result = await public.geocode(query, client_address(request), token)
    return GeocodePublic(**asdict(result))
