"""Sessions (browsers signed in through an invite): who am I, sign out; an admin lists
and ends them. Ending one takes effect on the next request of every replica: each
request reads its session from the store."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.checked_route import CheckedRoute
from app.api.deps import Admin, IdPath, NowDep, SettingsDep, StoreDep, authenticate
from app.api.error_responses import SIGNED_IN, errors
from app.api.session_cookie import clear_session_cookie
from app.core.errors import AppError
from app.domain.records import Session, Token
from app.models import SessionPublic, WhoAmI
from app.services.sessions import expires_at

router = APIRouter(tags=["sessions"], responses=SIGNED_IN, route_class=CheckedRoute)

SignedIn = Annotated[Token, Depends(authenticate)]
NO_STORE = {"Cache-Control": "private, no-store"}


class NotASession(AppError):
    """Signing out a bearer token, which has no session to end (revoke it instead)."""

    status_code = 409
    code = "not_a_session"


def session_public(session: Session, idle: timedelta, now: datetime) -> SessionPublic:
    """A session as an admin sees it."""
    ends = expires_at(session, idle)
    live = session.ended_at is None and ends > now
    return SessionPublic(**asdict(session), expires_at=ends, live=live)


@router.get("/api/v1/session", response_model=WhoAmI)
def read_own_session(
    caller: SignedIn, store: StoreDep, settings: SettingsDep, response: Response
) -> WhoAmI:
    """Who the caller is: the session's (or the token's) name and role, and when a
    session ends unless used."""
    response.headers.update(NO_STORE)
    if caller.session_id is None:
        return WhoAmI(name=caller.name, role=caller.role, via="token", expires_at=None)
    idle = timedelta(hours=settings.session_idle_hours)
    session = store.get_session(caller.session_id)
    return WhoAmI(
        name=caller.name, role=caller.role, via="session", expires_at=expires_at(session, idle)
    )


@router.post("/api/v1/session/end", status_code=204, responses=errors(409))
def end_own_session(
    caller: SignedIn, request: Request, store: StoreDep, settings: SettingsDep, now: NowDep
) -> Response:
    """Sign out: end the caller's session and clear its cookie."""
    if caller.session_id is None:
        raise NotASession("a bearer token has no session to end; an admin revokes tokens")
    store.end_session(caller.session_id, now)
    response = Response(status_code=204, headers=NO_STORE)
    clear_session_cookie(response, request, settings)
    return response


@router.get("/api/v1/sessions", response_model=list[SessionPublic])
def list_sessions(
    _admin: Admin, store: StoreDep, settings: SettingsDep, now: NowDep, response: Response
) -> list[SessionPublic]:
    """Every session, newest first, live or not."""
    response.headers.update(NO_STORE)
    idle = timedelta(hours=settings.session_idle_hours)
    return [session_public(session, idle, now) for session in store.list_sessions()]


@router.delete(
    "/api/v1/sessions/{session_id}", response_model=SessionPublic, responses=errors(404, 422)
)
def end_session(
    session_id: IdPath, _admin: Admin, store: StoreDep, settings: SettingsDep, now: NowDep
) -> SessionPublic:
    """End a session: its next request, to any replica, is a 401."""
    idle = timedelta(hours=settings.session_idle_hours)
    return session_public(store.end_session(session_id, now), idle, now)
