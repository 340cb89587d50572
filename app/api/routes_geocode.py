"""Geocoding one address through the configured chain."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from app.api.checked_route import CheckedRoute
from app.api.deps import GeocodersDep, OptionalToken, client_address, names_for
from app.api.error_responses import errors
from app.core.i18n import STRINGS
from app.geo.geocoders.base import Evidence, GeocodeQuery
from app.models import EvidencePublic, GeocodePublic

router = APIRouter(prefix="/api/v1/geocode", tags=["geocode"], route_class=CheckedRoute)


@router.get("", response_model=GeocodePublic, responses=errors(401, 422, 429))
async def geocode_address(
    request: Request,
    response: Response,
    token: OptionalToken,
    geocoders: GeocodersDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="address text")],
    district: Annotated[str | None, Query(max_length=20, description="district, if known")] = None,
) -> GeocodePublic:
    """Locate an address; ambiguous text comes back with its candidates. Online providers
    are asked within a per-client allowance; beyond it, or when they are busy, the answer
    is the offline one, with a note saying why. An answer from learned points names the
    points used only to a signed-in volunteer."""
    public = geocoders.public
    query = GeocodeQuery(address=q, district=district)
    result = await public.geocode(query, client_address(request), token)
    evidence = evidence_public(result.evidence, names_for(token, response))
    answer = asdict(result) | {"evidence": evidence}
    return GeocodePublic(**answer)


def evidence_public(evidence: Evidence | None, signed_in: bool) -> EvidencePublic | None:
    """The evidence as anyone may see it; the neighbours (addresses taught lists may hold)
    only for a signed-in volunteer. "已核实" only when every point used was verified."""
    if evidence is None:
        return None
    word = "learned_verified" if evidence.verified else "learned_known"
    neighbours = [asdict(n) for n in evidence.neighbours] if signed_in else None
    return EvidencePublic(
        kind=evidence.kind,
        points=evidence.points,
        uncertainty_m=evidence.uncertainty_m,
        span_m=evidence.span_m,
        verified=evidence.verified,
        summary_zh=STRINGS["zh"][word],
        summary_en=STRINGS["en"][word],
        neighbours=neighbours,
    )
