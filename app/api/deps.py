"""Shared request dependencies and parameter types as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from app.api.context import AppContext, ContextDep, Limiters
from app.api.session_cookie import check_from_our_page, cookie_secret
from app.core.addresses import client_key
from app.core.config import Settings
from app.core.errors import AppError, Forbidden, TooManyRequests, Unauthorized
from app.core.fields import SERVICE_CODE
from app.domain.enums import Role
from app.domain.records import MAX_ID, Service, Share, Token
from app.services.auth import token_for
from app.services.geocoding import ChainHolder
from app.services.nearest import NearestFinder
from app.services.sessions import as_token, live_session
from app.services.share_place import Places
from app.services.shared_limits import Limiter
from app.services.sharing import load_share
from app.services.vocabulary import service_code
from app.storage.errors import NotFound
from app.storage.port import Store

MAX_OFFSET = 10_000_000

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, examples=[1])]


async def get_store(context: ContextDep) -> Store:
    """The store opened by the app's lifespan."""
    return context.store


async def get_app_settings(context: ContextDep) -> Settings:
    """The settings the app was built with."""
    return context.settings


async def get_now(context: ContextDep) -> datetime:
    """The current time from the app's clock (tests may freeze it)."""
    return context.clock()


async def get_geocoders(context: ContextDep) -> ChainHolder:
    """The geocoder chains (offline, online, public) over the store's gazetteer."""
    return context.geocoders


async def get_nearest(context: ContextDep) -> NearestFinder:
    """The nearest-resource finder (memory or the database's index)."""
    return context.nearest


StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
NowDep = Annotated[datetime, Depends(get_now)]
GeocodersDep = Annotated[ChainHolder, Depends(get_geocoders)]
NearestDep = Annotated[NearestFinder, Depends(get_nearest)]


def share_by_code(code: str, request: Request, context: ContextDep) -> Share:
    """The share a ``{code}`` path names; 404 for an unknown or malformed code.

    Codes are short enough to guess, and a share shows a position: each address may fail
    only so often (``FAILED_SHARE_LOOKUP_LIMIT``), then every code is a 429 until the
    window moves, asked before the store so that a valid code tells a guesser nothing.
    Found codes are never counted: a link pasted into a large group is read thousands of
    times, often from a few shared (NAT) addresses.
    """
    limiter = context.limits.failed_share_lookups
    address = address_within(request, limiter, "too many unknown share codes from this address")
    try:
        return load_share(context.store, code)
    except NotFound:
        limiter.record(address)
        raise


ShareByCode = Annotated[Share, Depends(share_by_code)]


def get_places(geocoders: GeocodersDep) -> Places:
    """Position → district/street, from the offline gazetteer of the moment (a thread: the
    first call after units moved rebuilds it)."""
    return Places.of(geocoders)


PlacesDep = Annotated[Places, Depends(get_places)]


def client_address(request: Request) -> str:
    """The key of per-client limits: the client's address (an IPv6 client's /64).

    It is the connection's peer, or the forwarded client when the peer is a proxy named in
    AIDMAP_TRUSTED_PROXIES (``aidmap serve`` applies X-Forwarded-For only then).
    """
    return client_key(request.client.host if request.client else None)


def address_within(request: Request, limiter: Limiter, message: str) -> str:
    """The client's address, checked to be within ``limiter`` (429 with ``message`` when it
    is over); the caller records an attempt against it when one counts."""
    address = client_address(request)
    wait = limiter.retry_after(address)
    if wait is not None:
        raise TooManyRequests(message, wait)
    return address


@dataclass(frozen=True, slots=True)
class Budget:
    """One kind of request's allowance for the client's address (``context.Limiters``)."""

    request: Request
    limiter: Limiter
    message: str

    def spend(self) -> None:
        """Count one request against the address; 429 when none is left (blocking: the
        count is in the store, one for every worker)."""
        wait = self.limiter.spend(client_address(self.request))
        if wait is not None:
            raise TooManyRequests(self.message, wait)


def budget_of(
    pick: Callable[[Limiters], Limiter], message: str
) -> Callable[..., Awaitable[Budget]]:
    """A dependency giving the client's ``pick`` allowance, spent where the route decides."""

    async def budget(request: Request, context: ContextDep) -> Budget:
        return Budget(request, pick(context.limits), message)

    return budget


ShareBudget = Annotated[
    Budget,
    Depends(budget_of(lambda limits: limits.public_shares, "too many shares from this address; "
                      "try later")),
]  # fmt: skip
ReportBudget = Annotated[
    Budget,
    Depends(budget_of(lambda limits: limits.public_reports, "too many reports from this "
                      "address; try later")),
]  # fmt: skip
ExportBudget = Annotated[
    Budget,
    Depends(budget_of(lambda limits: limits.public_exports, "too many exports from this "
                      "address; try later")),
]  # fmt: skip
HelpBudget = Annotated[
    Budget,
    Depends(budget_of(lambda limits: limits.help_intake, "too many help requests from this "
                      "address; try later, or call 12345")),
]  # fmt: skip
ImportBudget = Annotated[
    Budget,
    Depends(budget_of(lambda limits: limits.public_imports, "too many files checked from "
                      "this address")),
]  # fmt: skip


BEARER = HTTPBearer(auto_error=False, description="a token from `aidmap token create`")
"""Declares the bearer scheme in OpenAPI; reads ``Authorization: Bearer <token>``."""
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]


def authenticate(request: Request, context: ContextDep, credentials: Credentials) -> Token:
    """The live token of the request, or its live session (the cookie, when no
    Authorization header is sent) as a token; 401 otherwise, 429 after repeated failures.

    A valid token always works; only failed attempts count and are throttled, so one
    client guessing behind a shared address does not lock out everyone else there. A
    session's writes must also come from our own page (``session_cookie``): 403 else.
    """
    cookie = cookie_secret(request)
    if "authorization" not in request.headers and cookie:
        check_from_our_page(request, context.settings)
        token = _session_token(context, cookie)
        if token is not None:
            return token
        # not counted as a failed sign-in: a forgotten tab's cookie is no guess (a session's
        # secret is 256 random bits), and counting it locked a shared address out of joining
        raise Unauthorized("the session has ended or expired: open an invite link again")
    secret = credentials.credentials.strip() if credentials is not None else ""
    token = token_for(context.store, secret) if secret else None
    if token is not None:
        context.signed_in.remember(secret)
        return token
    _count_failure(request, context)
    raise Unauthorized("a valid token is needed: Authorization: Bearer <token>")


def _session_token(context: AppContext, secret: str) -> Token | None:
    idle = timedelta(hours=context.settings.session_idle_hours)
    session = live_session(context.store, secret, context.clock(), idle)
    if session is None:
        return None
    context.signed_in.remember(secret)
    return as_token(session)


def _count_failure(request: Request, context: AppContext) -> None:
    limiter = context.limits.failed_auth
    limiter.record(address_within(request, limiter, "too many failed sign-ins from this address"))


def authenticate_if_given(
    request: Request, context: ContextDep, credentials: Credentials
) -> Token | None:
    """The request's token when it sends an Authorization header (checked like
    ``authenticate``: any other scheme is a 401); else its session when the cookie names
    a live one; else None (a cookie that outlived its session reads as the public)."""
    if "authorization" in request.headers:
        return authenticate(request, context, credentials)
    cookie = cookie_secret(request)
    if not cookie:
        return None
    check_from_our_page(request, context.settings)  # a session's writes, as ``authenticate``
    return _session_token(context, cookie)


def require(role: Role) -> Callable[..., Token]:
    """A dependency admitting tokens whose role includes ``role`` (403 otherwise); on the
    event loop (it reads nothing), so a write pays no worker-thread hop for it."""

    async def check(token: Annotated[Token, Depends(authenticate)]) -> Token:
        if not token.role.allows(role):
            raise Forbidden(f"this needs the {role.value} role; the token is {token.role.value}")
        return token

    return check


OptionalToken = Annotated[Token | None, Depends(authenticate_if_given)]


def names_for(token: Token | None, response: Response) -> bool:
    """Whether an answer may name volunteers (only to a signed-in caller), marking it as
    one that differs by ``Authorization`` and the session cookie and, when it names them,
    as for that caller alone: no shared cache may hand a signed-in answer to the public."""
    response.headers["Vary"] = "Authorization, Cookie"
    if token is not None:
        response.headers["Cache-Control"] = "private"
    return token is not None


Volunteer = Annotated[Token, Depends(require(Role.volunteer))]
Verifier = Annotated[Token, Depends(require(Role.verifier))]
Coordinator = Annotated[Token, Depends(require(Role.coordinator))]
Admin = Annotated[Token, Depends(require(Role.admin))]


async def service_named(
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
    """The code of the service a ``{service}`` path names; 404 when it names none. On the
    event loop once the store has read its services (they never change): a worker-thread
    hop per write cost more than the lookup."""
    services = store.known_services()
    if services is None:
        services = await run_in_threadpool(store.list_services)
    return named_service(services, service)


def named_service(services: list[Service], service: str) -> str:
    """The code of the service ``service`` names (code, Chinese or English name); 404 when
    it names none of ``services``."""
    code = service_code(services, service)
    if code is None:
        raise NotFound(f"no service {service!r}; see /api/v1/services")
    return code


ServiceByName = Annotated[str, Depends(service_named)]


class NotOffered(AppError):
    """A status or a problem report for a service the resource does not list."""

    status_code = 422
    code = "service_not_offered"
