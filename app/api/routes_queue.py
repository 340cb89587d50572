"""The call queue and its claims: what to call about next, and who is calling whom now."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.deps import (
    MAX_OFFSET,
    IdPath,
    NowDep,
    SettingsDep,
    StoreDep,
    Volunteer,
    named_service,
)
from app.api.error_responses import SIGNED_IN, errors
from app.core.errors import TooManyRequests, error_body
from app.core.fields import SERVICE_CODE
from app.domain.records import Claim
from app.models import (
    ClaimPublic,
    ClaimWritten,
    LocationState,
    OpenReport,
    QueueItem,
    RunningClaim,
    StatusPublic,
)
from app.services import claims
from app.services.freshness import status_dicts
from app.services.queue import QueueEntry, queue_age, verification_queue
from app.storage.errors import ClaimHeld

router = APIRouter(prefix="/api/v1", tags=["queue"], route_class=CheckedRoute)


@router.get(
    "/verification-queue", response_model=list[QueueItem], responses=SIGNED_IN | errors(404, 422)
)
def read_verification_queue(
    _token: Volunteer,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
    service: Annotated[
        str | None,
        Query(pattern=SERVICE_CODE, description="one service (code or name: dialysis, 血透)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[QueueItem]:
    """Cards most in need of a call (volunteers and up): open problem reports, fresh
    reports nobody verified, never reported, never verified, unconfirmed locations
    (coarsest first), oldest checks; of one ``service`` and the locations of the hospitals
    that offer it, when given. Each card carries the hospital's statuses with names, its
    open reports and who is calling it now."""
    code = named_service(store.list_services(), service) if service is not None else None
    response.headers["Cache-Control"] = "private"
    ttl = settings.status_ttl_hours
    entries = verification_queue(store, now, ttl, code)[offset : offset + limit]
    held = store.active_claims(now, [e.view.resource.id for e in entries])
    return [_item(e, held.get(e.view.resource.id), now, ttl) for e in entries]


@router.get("/claims", response_model=list[RunningClaim], responses=SIGNED_IN)
def read_claims(
    _token: Volunteer, store: StoreDep, now: NowDep, response: Response
) -> list[RunningClaim]:
    """Every running claim (volunteers and up): who is calling which hospital now. What an
    open workspace asks every half minute to keep its cards' "calling" lines current,
    without building the whole queue again."""
    response.headers["Cache-Control"] = "private, no-store"
    running = store.active_claims(now)
    return [RunningClaim(resource_id=rid, **_claim_fields(c)) for rid, c in running.items()]


def _item(entry: QueueEntry, claim: Claim | None, now: datetime, ttl: float) -> QueueItem:
    resource = entry.view.resource
    statuses = status_dicts(resource.services, entry.view.statuses, now, ttl, names=True)
    return QueueItem(
        resource_id=resource.id,
        version=resource.version,
        name=resource.name,
        address=resource.address,
        phones=list(resource.phones),
        service=entry.service,
        state=entry.status.state if entry.status else ("unknown" if entry.service else None),
        reason=entry.reason.label,
        checked_at=entry.checked,
        age_seconds=queue_age(entry, now),
        problem_reports=[r.text for r in entry.reports],
        open_reports=[
            OpenReport(id=r.id, service=r.service, text=r.text, created_at=r.created_at)
            for r in entry.reports
        ],
        statuses=[StatusPublic(**status) for status in statuses],
        location=LocationState(
            lon=resource.lon,
            lat=resource.lat,
            precision=resource.precision,
            verified=resource.location_verified,
        ),
        claim=None if claim is None else ClaimPublic(**_claim_fields(claim)),
    )


def _claim_fields(claim: Claim | ClaimHeld) -> dict:
    return {"holder": claim.holder, "claimed_at": claim.claimed_at, "expires_at": claim.expires_at}


def _held(exc: ClaimHeld) -> JSONResponse:
    """409 naming who holds the claim, since and until when."""
    body = error_body("claimed", str(exc)) | _claim_fields(exc)
    return JSONResponse(jsonable_encoder(body), status_code=409)


HELD = {409: {"description": "someone else is calling: `holder`, `claimed_at`, `expires_at`"}}


@router.post(
    "/resources/{resource_id}/claim",
    response_model=ClaimWritten,
    max_body_size=body_limits.VERIFY,
    responses=SIGNED_IN | errors(404, 422) | HELD,
)
def claim_resource(
    resource_id: IdPath, token: Volunteer, store: StoreDep, settings: SettingsDep, now: NowDep
) -> ClaimWritten | JSONResponse:
    """Say you are calling this hospital, for AIDMAP_CLAIM_MINUTES (default 10); claiming
    again extends your claim. 409 ``claimed`` naming the holder while someone else's claim
    runs (an expired one is free). Others see the claim in the queue and may still write.
    A caller holds at most 5 claims at once (429 ``too_many_requests`` with Retry-After
    until the first ends: release one)."""
    try:
        held = claims.claim(store, resource_id, token, now, settings.claim_minutes)
    except ClaimHeld as exc:
        return _held(exc)
    except claims.TooManyClaims as exc:
        wait = max(1, math.ceil((exc.free_at - now).total_seconds()))
        raise TooManyRequests(str(exc), wait) from None
    return ClaimWritten(**_claim_fields(held))


@router.delete(
    "/resources/{resource_id}/claim",
    status_code=204,
    max_body_size=body_limits.VERIFY,
    responses=SIGNED_IN | errors(404, 422) | HELD,
)
def release_resource(
    resource_id: IdPath, token: Volunteer, store: StoreDep, now: NowDep
) -> Response:
    """End your claim (verifiers may end anyone's; 409 ``claimed`` for a volunteer ending
    another's). Ending a claim that has expired, or none, changes nothing."""
    try:
        claims.release(store, resource_id, token, now)
    except ClaimHeld as exc:
        return _held(exc)
    return Response(status_code=204)
