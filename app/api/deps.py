"""Shared request dependencies and parameter types as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from app.core.addresses import client_key
from app.core.config import Settings
from app.core.errors import Forbidden, TooManyRequests, Unauthorized
from app.core.fields import SERVICE_CODE
from app.domain.enums import Role
from app.domain.records import MAX_ID, Share, Token
from app.services.auth import token_for
from app.services.ratelimit import RateLimiter
from app.services.share_place import Places
from app.services.sharing import load_share
from app.services.vocabulary import service_code
from app.storage.errors import NotFound
from app.storage.port import Store

MAX_OFFSET = 10_000_000

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]


async def get_store(request: Request) -> Store:
    """The store opened by the app's lifespan."""
    return request.app.state.store


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was built with."""
    return request.app.state.settings


async def get_now(request: Request) -> datetime:
    """The current time from the app's clock (tests may freeze it)."""
    return request.app.state.clock()


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
NowDep = Annotated[datetime, Depends(get_now)]


def share_by_code(code: str, request: Request, store: StoreDep) -> Share:
    """The share a ``{code}`` path names; 404 for an unknown or malformed code.

    Codes are short enough to guess, and a share shows a position: each address may fail
    only so often (``FAILED_SHARE_LOOKUP_LIMIT``), then every code is a 429 until the
    window moves, asked before the store so that a valid code tells a guesser nothing.
    Found codes are never counted: a link pasted into a large group is read thousands of
    times, often from a few shared (NAT) addresses.
    """
    limiter = request.app.state.failed_share_lookups
    address = check_rate(request, limiter, "too many unknown share codes from this address")
    try:
        return load_share(store, code)
    except NotFound:
        limiter.record(address)
        raise


ShareByCode = Annotated[Share, Depends(share_by_code)]


def get_places(request: Request) -> Places:
    """Position → district/street, from the offline gazetteer of the moment (a thread: the
    first call after units moved rebuilds it)."""
    return Places.of(request.app.state.geocoders)


PlacesDep = Annotated[Places, Depends(get_places)]


def client_address(request: Request) -> str:
    """The key of per-client limits: the client's address (an IPv6 client's /64).

    It is the connection's peer, or the forwarded client when the peer is a proxy named in
    AIDMAP_TRUSTED_PROXIES (``aidmap serve`` applies X-Forwarded-For only then).
    """
    return client_key(request.client.host if request.client else None)


def check_rate(request: Request, limiter: RateLimiter, message: str) -> str:
    """429 when the client's address is over ``limiter``; the address otherwise."""
    address = client_address(request)
    wait = limiter.retry_after(address)
    if wait is not None:
        raise TooManyRequests(message, wait)
    return address


BEARER = HTTPBearer(auto_error=False, description="a token from `aidmap token create`")
"""Declares the bearer scheme in OpenAPI; reads ``Authorization: Bearer <token>``."""
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def authenticate(request: Request, store: StoreDep, credentials: Credentials) -> Token:
    """The live token of the request; 401 otherwise, 429 after repeated failures.

    A valid token always works; only failed attempts count and are throttled, so one
    client guessing behind a shared address does not lock out everyone else there.
    """
    secret = credentials.credentials.strip() if credentials is not None else ""
    token = token_for(store, secret) if secret else None
    if token is not None:
        request.app.state.signed_in.remember(secret)
        return token
    limiter = request.app.state.failed_auth
    limiter.record(check_rate(request, limiter, "too many failed sign-ins from this address"))
    raise Unauthorized("a valid token is needed: Authorization: Bearer <token>")


def authenticate_if_given(
    request: Request, store: StoreDep, credentials: Credentials
) -> Token | None:
    """The request's token when it sends an Authorization header (checked like
    ``authenticate``: any other scheme is a 401), else None."""
    if "authorization" not in request.headers:
        return None
    return authenticate(request, store, credentials)


def require(role: Role) -> Callable[..., Token]:
    """A dependency admitting tokens whose role includes ``role`` (403 otherwise)."""

    def check(token: Annotated[Token, Depends(authenticate)]) -> Token:
        if not token.role.allows(role):
            raise Forbidden(f"this needs the {role.value} role; the token is {token.role.value}")
        return token

    return check


OptionalToken = Annotated[Token | None, Depends(authenticate_if_given)]


def names_for(token: Token | None, response: Response) -> bool:
    """Whether an answer may name volunteers (only to a signed-in caller), marking it as
    one that differs by ``Authorization`` and, when it names them, as for that caller
    alone: no shared cache may hand a signed-in answer to the public."""
    response.headers["Vary"] = "Authorization"
    if token is not None:
        response.headers["Cache-Control"] = "private"
    return token is not None


Volunteer = Annotated[Token, Depends(require(Role.volunteer))]
Verifier = Annotated[Token, Depends(require(Role.verifier))]
Coordinator = Annotated[Token, Depends(require(Role.coordinator))]
Admin = Annotated[Token, Depends(require(Role.admin))]


def service_named(
    service: Annotated[
        str,
        Path(
            pattern=SERVICE_CODE,
            description="a service's code, or its Chinese or English name (血透, 化疗, Dialysis)",
            examples=["dialysis"],
        ),
    ],
    store: StoreDep,
) -> str:
    """The code of the service a ``{service}`` path names; 404 when it names none."""
    code = service_code(store.list_services(), service)
    if code is None:
        raise NotFound(f"no service {service!r}; see /api/v1/services")
    return code


ServiceByName = Annotated[str, Depends(service_named)]
