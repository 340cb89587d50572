"""Invites, managed by coordinators: make one (its link and QR codes are shown once),
list them with who joined through each, revoke one; the link's QR codes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from app.api.checked_route import CheckedRoute
from app.api.deps import ContextDep, Coordinator, IdPath, NowDep, StoreDep
from app.api.error_responses import SIGNED_IN, content, errors
from app.api.invite_codes import find_invite
from app.api.origin import LinksDep
from app.api.strict_query import IGNORES_UNKNOWN
from app.core.errors import Forbidden
from app.domain.records import Invite, Session
from app.models import InviteCreate, InviteCreated, InvitePublic, JoinedPublic
from app.services.sessions import CODE_PATTERN, create_invite, may_invite, unusable_because
from app.storage.errors import InviteRejected, NotFound
from app.web.qr import qr_png, qr_svg

router = APIRouter(tags=["invites"], route_class=CheckedRoute)

CodePath = Annotated[str, Path(pattern=CODE_PATTERN, description="the invite's code")]
QR_ERRORS = errors(404, 410, 422, 429)
NO_STORE = {"Cache-Control": "private, no-store"}


def invite_public(invite: Invite, sessions: list[Session], now) -> InvitePublic:
    """An invite as listed, with the sessions opened through it."""
    joined = [
        JoinedPublic(session_id=s.id, joined_at=s.created_at, last_seen_at=s.last_seen_at,
                     ended_at=s.ended_at)
        for s in sessions if s.invite_id == invite.id
    ]  # fmt: skip
    state = unusable_because(invite, now) or "usable"
    return InvitePublic(**asdict(invite), state=state, joined=joined)


def _check_may_invite(caller_role, role) -> None:
    if not may_invite(caller_role, role):
        raise Forbidden(f"a {caller_role.value} cannot invite or revoke a {role.value}")


@router.post(
    "/api/v1/invites",
    response_model=InviteCreated,
    status_code=201,
    responses=SIGNED_IN | errors(400, 422),
)
def create_invite_link(
    body: InviteCreate, caller: Coordinator, store: StoreDep, now: NowDep, to: LinksDep
) -> InviteCreated:
    """Make an invite; its link (and so its code) is in this answer only."""
    _check_may_invite(caller.role, body.role)
    invite, code = create_invite(
        store, name=body.name, role=body.role, created_by=caller.name,
        lifetime=timedelta(hours=body.expires_hours), uses=body.uses, now=now,
    )  # fmt: skip
    listed = invite_public(invite, [], now)
    return InviteCreated(
        **listed.model_dump(),
        url=to.url("join_page", code=code),
        qr_png=to.url("read_invite_qr_png", code=code),
        qr_svg=to.url("read_invite_qr_svg", code=code),
    )


@router.get("/api/v1/invites", response_model=list[InvitePublic], responses=SIGNED_IN)
def list_invite_links(
    _coordinator: Coordinator, store: StoreDep, now: NowDep, response: Response
) -> list[InvitePublic]:
    """Every invite, newest first, with its uses and the sessions opened through it."""
    response.headers.update(NO_STORE)
    sessions = store.list_sessions()
    return [invite_public(invite, sessions, now) for invite in store.list_invites()]


@router.delete(
    "/api/v1/invites/{invite_id}", response_model=InvitePublic, responses=SIGNED_IN | errors(404)
)
def revoke_invite_link(
    invite_id: IdPath, caller: Coordinator, store: StoreDep, now: NowDep
) -> InvitePublic:
    """Revoke an invite: nobody can join through it from the next request on (sessions
    already opened through it go on; end them with DELETE /api/v1/sessions/{id})."""
    _check_may_invite(caller.role, store.get_invite(invite_id).role)
    return invite_public(store.revoke_invite(invite_id), store.list_sessions(), now)


def _usable_invite_link(request: Request, context, code: str, to: LinksDep) -> str:
    invite = find_invite(request, context, code)
    if invite is None:
        raise NotFound("no such invite")
    reason = unusable_because(invite, context.clock())
    if reason is not None:
        raise InviteRejected(reason)
    return to.url("join_page", code=code)


@router.get(
    "/join/{code}/qr.png",
    response_class=Response,
    responses=content("image/png", description="PNG image") | QR_ERRORS,
    openapi_extra=IGNORES_UNKNOWN,
)
def read_invite_qr_png(
    code: CodePath, request: Request, context: ContextDep, to: LinksDep
) -> Response:
    """The invite link as a QR code PNG (while the invite can be used)."""
    body = qr_png(_usable_invite_link(request, context, code, to))
    return Response(body, media_type="image/png", headers=NO_STORE)


@router.get(
    "/join/{code}/qr.svg",
    response_class=Response,
    responses=content("image/svg+xml", description="SVG image") | QR_ERRORS,
    openapi_extra=IGNORES_UNKNOWN,
)
def read_invite_qr_svg(
    code: CodePath, request: Request, context: ContextDep, to: LinksDep
) -> Response:
    """The invite link as a QR code SVG (while the invite can be used)."""
    body = qr_svg(_usable_invite_link(request, context, code, to))
    return Response(body, media_type="image/svg+xml", headers=NO_STORE)
