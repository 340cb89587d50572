"""Geocoding one address through the configured chain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.api.error_responses import errors
from app.geo.geocoders.base import GeocodeQuery
from app.models import GeocodePublic

router = APIRouter(prefix="/api/v1/geocode", tags=["geocode"])


@router.get("", response_model=GeocodePublic, responses=errors(422))
def geocode_address(
    request: Request,
    q: Annotated[str, Query(min_length=1, max_length=200, description="address text")],
    district: Annotated[str | None, Query(max_length=20, description="district, if known")] = None,
) -> GeocodePublic:
    """Locate an address; ambiguous text comes back with its candidates."""
    chain = request.app.state.geocoders.get()
    result = chain.geocode(GeocodeQuery(address=q, district=district))
    return GeocodePublic(**asdict(result))
