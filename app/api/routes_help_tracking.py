"""The requester's side, keyed by the tracking link's secret: ``/h/{secret}`` (a plain page,
or ``?f=json``), adding information, withdrawing. The secret is the only key: a wrong one
is a 404 (found by its hash, the same work whatever it is) and counts against the client's
address as a failed sign-in does (10 a minute), in a count of its own.

A request sent more than once (a second submission of its phone and service merged into
it) has a link per sender, and sending proves only knowing the phone and the service: a
stranger may send first (and be joined by the requester) or second. Its links show the
state and take added information; none reads the messages or withdraws."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.context import AppContext, ContextDep
from app.api.deps import HelpBudget, address_within
from app.api.error_responses import content, errors
from app.api.origin import LinksDep
from app.api.routes_page import LangQuery
from app.api.strict_query import IGNORES_UNKNOWN
from app.core.errors import AppError
from app.core.i18n import choose_language
from app.domain.help import HelpEventKind, HelpLinked, HelpRequest
from app.models import HelpAddIn, HelpTracking
from app.services.auth import hash_token
from app.services.help.views import lapse_cutoff, tracking
from app.storage.errors import NotFound
from app.web.csp import page_policy
from app.web.help_page import render_tracking
from app.web.qr import qr_svg

router = APIRouter(tags=["help"], route_class=CheckedRoute)
TOO_MANY = "too many unknown tracking links from this address; try again in a minute"
SecretPath = Annotated[str, Path(max_length=100, description="the tracking link's secret")]
PRIVATE = {"Cache-Control": "private, no-store", "X-Robots-Tag": "noindex"}
TRACKING_ERRORS = errors(404, 429)


class Finished(AppError):
    """Information added to a request that is finished or erased."""

    status_code = 409
    code = "finished"


class RepeatLink(AppError):
    """A withdrawal of a request sent more than once."""

    status_code = 409
    code = "repeat_link"


def help_by_secret(secret: SecretPath, request: Request, context: ContextDep) -> HelpLinked:
    """The request a tracking secret leads to; 404 for any other text (counted), 429 while
    the address has failed too often, before the store is asked."""
    limiter = context.limits.failed_help_links
    address = address_within(request, limiter, TOO_MANY)
    found = context.store.help_request_for_link(hash_token(secret))
    if found is None:
        limiter.record(address)
        raise NotFound("no such help request: the link may be mistyped or cut short")
    return found


HelpBySecret = Annotated[HelpLinked, Depends(help_by_secret)]


def _view(context: AppContext, found: HelpRequest, repeat: bool) -> HelpTracking:
    cutoff = lapse_cutoff(context.clock(), context.settings.help_claim_minutes)
    return tracking(context.store, found, cutoff, repeat=repeat)


@router.get(
    "/h/{secret}",
    name="read_help_tracking",
    response_model=HelpTracking,
    responses=TRACKING_ERRORS | {200: {"content": {"text/html": {}},
                                       "description": "the page, or (f=json) its facts"}},
    openapi_extra=IGNORES_UNKNOWN,
)  # fmt: skip
def read_help_tracking(
    found: HelpBySecret,
    secret: SecretPath,
    request: Request,
    context: ContextDep,
    f: Annotated[Literal["html", "json"], Query(description="json: the facts as JSON")] = "html",
    lang: LangQuery = None,
) -> Response:
    """The request's state, the hospital once matched and the volunteers' messages, for
    the holder of the link: a page (complete without script; its script adds
    information, withdraws and asks ``?f=json`` every ``AIDMAP_HELP_POLL_SECONDS`` while
    shown), or ``?f=json``. A request sent more than once (``repeat``) shows the state
    only. Other query parameters are ignored: the link is passed on in chats, which
    append theirs (WeChat's ``?from=singlemessage``)."""
    view = _view(context, found.request, found.repeat)
    if f == "json":
        return JSONResponse(view.model_dump(mode="json"), headers=PRIVATE)
    language = choose_language(lang, request.headers.get("accept-language"))
    settings = context.settings
    html = render_tracking(language, request.scope.get("root_path", ""), view, secret=secret,
                           poll_seconds=settings.help_poll_seconds)  # fmt: skip
    policy = page_policy(settings, embed=False)
    return HTMLResponse(html, headers=PRIVATE | {"Vary": "Accept-Language",
                                                 "Content-Security-Policy": policy})  # fmt: skip


@router.get(
    "/h/{secret}/qr.svg",
    response_class=Response,
    responses=content("image/svg+xml", description="SVG image") | TRACKING_ERRORS,
    dependencies=[Depends(help_by_secret)],
)
def read_help_tracking_qr(secret: SecretPath, to: LinksDep) -> Response:
    """The tracking link as a QR code SVG (for family to scan off the requester's screen);
    as private as the link."""
    body = qr_svg(to.url("read_help_tracking", secret=secret))
    return Response(body, media_type="image/svg+xml", headers=PRIVATE)


@router.post(
    "/h/{secret}/messages",
    response_model=HelpTracking,
    status_code=201,
    max_body_size=body_limits.HELP_FORM,
    responses=TRACKING_ERRORS | errors(409, 413, 422),
)
async def add_help_information(
    found: HelpBySecret, body: HelpAddIn, context: ContextDep, budget: HelpBudget
) -> JSONResponse:
    """Add information to the request (the volunteers who hold it read it); 409
    ``finished`` once it is resolved, closed or withdrawn."""
    await run_in_threadpool(budget.spend)  # counted in the store
    request = found.request
    if request.state.finished or request.erased_at is not None:
        raise Finished("the request is finished: send a new one if help is still needed")
    now = context.clock()

    def add() -> HelpTracking:
        context.store.add_help_event(request.id, HelpEventKind.added, body.text, public=False,
                                     by=None, by_key=None, at=now)  # fmt: skip
        return _view(context, context.store.get_help_request(request.id), found.repeat)

    view = await run_in_threadpool(add)
    return JSONResponse(view.model_dump(mode="json"), status_code=201, headers=PRIVATE)


@router.post(
    "/h/{secret}/withdraw",
    response_model=HelpTracking,
    max_body_size=body_limits.VERIFY,
    responses=TRACKING_ERRORS | errors(409, 413),
)
def withdraw_help_request(found: HelpBySecret, context: ContextDep) -> JSONResponse:
    """Withdraw the request: it is closed (unless finished) and its phone, name, text,
    position and answers are erased at once. Withdrawing again changes nothing. 409
    ``repeat_link`` for a request sent more than once: the volunteer who calls the phone
    closes it (a link's holder may be a stranger who knew the phone)."""
    if found.repeat:
        raise RepeatLink(
            "this request was sent more than once, so no link withdraws it: tell the "
            "volunteer who calls the phone"
        )
    erased = context.store.withdraw_help_request(found.request.id, context.clock())
    return JSONResponse(_view(context, erased, False).model_dump(mode="json"), headers=PRIVATE)
