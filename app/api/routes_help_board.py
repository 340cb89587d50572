"""The volunteers' side of help requests (volunteers and up): the triage board, a request
(its personal fields only for its holder and coordinators, each such read logged), claims,
transitions, notes, match suggestions and the reveal log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import TypeAdapter
from starlette.concurrency import run_in_threadpool

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.deps import (
    MAX_OFFSET,
    Coordinator,
    IdPath,
    NearestDep,
    NowDep,
    PlacesDep,
    SettingsDep,
    StoreDep,
    Volunteer,
)
from app.api.error_responses import SIGNED_IN, errors
from app.api.help_board_params import board_query, matches_body
from app.core.errors import AppError
from app.core.fields import SERVICE_CODE
from app.models import (
    ErrorBody,
    HelpBoardItem,
    HelpClaimed,
    HelpEventPublic,
    HelpNoteIn,
    HelpRequestDetail,
    HelpRevealPublic,
    HelpTransitionIn,
    NearestCollection,
)
from app.services.auth import credential_key
from app.services.help import moves
from app.services.help.views import board_item, detail, lapse_cutoff, may_reveal
from app.storage.errors import HelpClaimHeld, HelpClaimsFull, StateChanged

router = APIRouter(prefix="/api/v1/help-requests", tags=["help"], route_class=CheckedRoute)
MOMENT = TypeAdapter(datetime | None)
CONFLICTS = {
    409: {"model": ErrorBody,
          "description": "`claimed` (someone else holds it), `too_many_claims` (you hold "
          "or took 10 claims within the claim time), `claim_needed`, `erased` (a note "
          "for an erased request), "
          "`invalid_transition` or `state_changed` (moved meanwhile); `holder` and "
          "`claimed_at` in the error name who holds it, when someone does"}
}  # fmt: skip


class Conflict(AppError):
    """The request's state or holder does not allow this now."""

    status_code = 409

    def __init__(
        self, code: str, message: str, holder: str | None = None, claimed_at: object = None
    ) -> None:
        super().__init__(message)
        self.code, self.holder, self.claimed_at = code, holder, claimed_at

    def extra(self) -> dict:
        """Who holds the request (and since when), when someone does."""
        return {
            "holder": self.holder,
            "claimed_at": MOMENT.dump_python(self.claimed_at, mode="json"),
        }


class BadMove(AppError):
    """A transition's body that no request could take."""

    status_code = 422


@router.get("", response_model=list[HelpBoardItem], responses=SIGNED_IN | errors(404, 422))
def read_help_board(
    _token: Volunteer,
    store: StoreDep,
    places: PlacesDep,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
    state: Annotated[
        str | None,
        Query(
            max_length=100,
            description="comma-separated states (default: new,claimed,contacting,matched)",
        ),
    ] = None,
    district: Annotated[
        str | None, Query(max_length=40, description="a district's id or name (浦东新区, 浦东)")
    ] = None,
    service: Annotated[
        str | None, Query(pattern=SERVICE_CODE, description="a service's code or name, or other")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> list[HelpBoardItem]:
    """The triage board: most urgent first, then oldest, with why; phones masked, no
    names, texts or positions. A claim nobody moved on in AIDMAP_HELP_CLAIM_MINUTES is
    ``new`` again. 404 for an unknown district or service."""
    response.headers["Cache-Control"] = "private, no-store"
    cutoff = lapse_cutoff(now, settings.help_claim_minutes)
    query = board_query(store, places, cutoff, state, district, service, limit, offset)
    found = store.list_help_requests(query)
    return [board_item(r, places.units, now, settings.help_claim_minutes) for r in found]


@router.get("/{request_id}", response_model=HelpRequestDetail, responses=SIGNED_IN | errors(404))
def read_help_request(
    request_id: IdPath,
    token: Volunteer,
    store: StoreDep,
    places: PlacesDep,
    settings: SettingsDep,
    now: NowDep,
    response: Response,
) -> HelpRequestDetail:
    """A request with its history. Its phone, name, text, exact point and free-text
    answers only for the volunteer holding it and coordinators (``revealed``); each such
    read is logged (GET …/reveals)."""
    response.headers["Cache-Control"] = "private, no-store"
    minutes = settings.help_claim_minutes
    found = store.get_help_request(request_id)
    revealed = may_reveal(token, found, lapse_cutoff(now, minutes))
    if revealed and found.erased_at is None:
        found = store.reveal_help_request(request_id, token.name, credential_key(token), now)
    events = store.help_events(request_id)
    return detail(found, events, places.units, revealed=revealed, now=now, claim_minutes=minutes)


@router.post(
    "/{request_id}/claim",
    response_model=HelpClaimed,
    max_body_size=body_limits.VERIFY,
    responses=SIGNED_IN | errors(404, 413, 422) | CONFLICTS,
)
def claim_help_request(
    request_id: IdPath, token: Volunteer, store: StoreDep, settings: SettingsDep, now: NowDep
) -> HelpClaimed:
    """Take the request: yours until you move it on, or until AIDMAP_HELP_CLAIM_MINUTES
    (default 30) pass without a transition; claiming again renews it. 409 ``claimed``
    naming the holder while someone else's claim runs."""
    minutes = settings.help_claim_minutes
    try:
        held = moves.claim(store, request_id, token, now, lapse_cutoff(now, minutes))
    except HelpClaimHeld as exc:
        raise Conflict("claimed", str(exc), exc.holder, exc.claimed_at) from None
    except HelpClaimsFull as exc:
        raise Conflict("too_many_claims", str(exc)) from None
    except StateChanged as exc:
        raise Conflict("state_changed", f"{exc}: it cannot be claimed") from None
    item = board_item(held, {}, now, minutes)
    return HelpClaimed(id=held.id, state=item.state, claim=item.claim)


@router.post(
    "/{request_id}/transition",
    response_model=HelpBoardItem,
    max_body_size=body_limits.CLOSE_REPORT,
    responses=SIGNED_IN | errors(404, 413, 422) | CONFLICTS,
)
def transition_help_request(
    request_id: IdPath,
    body: HelpTransitionIn,
    token: Volunteer,
    store: StoreDep,
    places: PlacesDep,
    settings: SettingsDep,
    now: NowDep,
) -> HelpBoardItem:
    """Move the request on (its holder, or a coordinator for any): ``claimed →
    contacting → matched`` (``resource_id``: the hospital, which the requester then sees)
    ``→ resolved``, ``matched → contacting`` when the hospital falls through, or
    ``closed`` with a ``reason`` (admitted, referred, unreachable, duplicate, withdrawn,
    out_of_scope) from any state before resolved. Each move is in the history with who
    and when."""
    minutes = settings.help_claim_minutes
    try:
        moved = moves.move(store, request_id, token, body.state, reason=body.reason,
                           resource_id=body.resource_id, now=now,
                           lapsed_before=lapse_cutoff(now, minutes))  # fmt: skip
    except moves.MoveRefused as exc:
        raise BadMove(str(exc)) from None
    except moves.MoveConflict as exc:
        raise Conflict(exc.code, str(exc), exc.holder) from None
    except StateChanged as exc:
        raise Conflict("state_changed", str(exc), exc.holder) from None
    return board_item(moved, places.units, now, minutes)


@router.post(
    "/{request_id}/notes",
    response_model=HelpEventPublic,
    status_code=201,
    max_body_size=body_limits.HELP_FORM,
    responses=SIGNED_IN | errors(404, 413, 422) | CONFLICTS,
)
def add_help_note(
    request_id: IdPath, body: HelpNoteIn, token: Volunteer, store: StoreDep, now: NowDep
) -> HelpEventPublic:
    """A note for volunteers, or (``public``: the holder or a coordinator) a message the
    requester sees on the tracking page, without the writer's name; 409 ``erased`` once
    the request's details are erased."""
    try:
        event = moves.add_note(store, request_id, token, body.text, body.public, now)
    except moves.MoveConflict as exc:
        raise Conflict(exc.code, str(exc)) from None
    return HelpEventPublic(**{name: getattr(event, name) for name in HelpEventPublic.model_fields})


@router.get(
    "/{request_id}/matches",
    response_model=NearestCollection,
    responses=SIGNED_IN | errors(404, 422),
)
async def read_help_matches(
    request_id: IdPath,
    _token: Volunteer,
    store: StoreDep,
    finder: NearestDep,
    places: PlacesDep,
    settings: SettingsDep,
    now: NowDep,
    k: Annotated[int, Query(ge=1, le=20)] = 5,
) -> Response:
    """The nearest hospitals open (fresh) for the request's service, with distances,
    phones and statuses, and the offices near it (``contacts``), measured from the point
    rounded to about 100 m (the origin shown), distances to 100 m: the exact point is for
    the holder only."""
    found = await run_in_threadpool(store.get_help_request, request_id)
    body = await matches_body(found, finder, places, now, settings.status_ttl_hours, k)
    return Response(body, media_type="application/json")


@router.get(
    "/{request_id}/reveals",
    response_model=list[HelpRevealPublic],
    responses=SIGNED_IN | errors(404),
)
def read_help_reveals(
    request_id: IdPath, _token: Coordinator, store: StoreDep, response: Response
) -> list[HelpRevealPublic]:
    """Coordinators: who read the request's personal fields, and when, oldest first."""
    response.headers["Cache-Control"] = "private, no-store"
    return [HelpRevealPublic(by=r.by, at=r.at) for r in store.help_reveals(request_id)]
