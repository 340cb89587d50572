"""Share links: make one for a map view; its text card, QR codes, preview image and poster.

``GET /s/{code}`` itself (the map page) belongs to the page router, included after this
one so that ``/s/{code}.txt`` is answered here.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse

from app.api import body_limits
from app.api.checked_route import CheckedRoute
from app.api.context import ContextDep
from app.api.deps import (
    NearestDep,
    NowDep,
    PlacesDep,
    SettingsDep,
    ShareBudget,
    ShareByCode,
    StoreDep,
)
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.origin import LinksDep, link_cache
from app.api.strict_query import IGNORES_UNKNOWN
from app.models import ShareCreated
from app.services import sharing
from app.services.share_card import render_card, share_answer
from app.services.sharing import ShareView, view_of
from app.web.fonts import find_fonts
from app.web.map_image import marks_for
from app.web.poster import share_poster
from app.web.preview import render_preview
from app.web.qr import qr_png, qr_svg

router = APIRouter(tags=["share"], route_class=CheckedRoute)

IMMUTABLE = "public, max-age=86400, immutable"
"""QR codes: a share's link never changes (private when its host is derived: ``link_cache``)."""
CURRENT = "public, max-age=60"
"""Card, preview and poster: they show the statuses of the moment (and the link, as the QR
codes)."""
SHARE_ERRORS = errors(404, 422, 429)
"""What every ``/s/{code}…`` route may answer: an unknown or malformed code, too many of
them from one address."""
PNG = content("image/png", description="PNG image") | SHARE_ERRORS
SVG = content("image/svg+xml", description="SVG image") | SHARE_ERRORS


@router.post(
    "/api/v1/share",
    response_model=ShareCreated,
    status_code=201,
    max_body_size=body_limits.PUBLIC_FORM,
    responses=errors(400, 404, 413, 422, 429),
)
def create_share(
    view: ShareView, store: StoreDep, to: LinksDep, budget: ShareBudget
) -> ShareCreated:
    """Keep a map view under a short code; the same view always gets the same code."""
    budget.spend()
    code = sharing.create_share(store, view).code
    return ShareCreated(
        code=code,
        url=to.url("shared_page", code=code),
        qr_png=to.url("read_share_qr_png", code=code),
        qr_svg=to.url("read_share_qr_svg", code=code),
        preview_png=to.url("read_share_preview", code=code),
        poster_png=to.url("read_share_poster", code=code),
        text=to.url("read_share_card", code=code),
    )  # fmt: skip


@router.get(
    "/s/{code}.txt",
    response_class=PlainTextResponse,
    responses=SHARE_ERRORS,
    openapi_extra=IGNORES_UNKNOWN,
)
def read_share_card(
    share: ShareByCode, request: Request, store: StoreDep, nearest: NearestDep,
    places: PlacesDep, settings: SettingsDep, now: NowDep, to: LinksDep,
) -> PlainTextResponse:  # fmt: skip
    """The share as plain text for a chat message, with today's statuses."""
    link = to.url("shared_page", code=share.code)
    text = render_card(share, store, nearest, places, now, settings.status_ttl_hours, link)
    return PlainTextResponse(text, headers=link_cache(request, CURRENT))


@router.get(
    "/s/{code}/qr.png", response_class=Response, responses=PNG, openapi_extra=IGNORES_UNKNOWN
)
def read_share_qr_png(share: ShareByCode, request: Request, to: LinksDep) -> Response:
    """The short link as a QR code PNG."""
    body = qr_png(to.url("shared_page", code=share.code))
    return Response(body, media_type="image/png", headers=link_cache(request, IMMUTABLE))


@router.get(
    "/s/{code}/qr.svg", response_class=Response, responses=SVG, openapi_extra=IGNORES_UNKNOWN
)
def read_share_qr_svg(share: ShareByCode, request: Request, to: LinksDep) -> Response:
    """The short link as a QR code SVG."""
    body = qr_svg(to.url("shared_page", code=share.code))
    return Response(body, media_type="image/svg+xml", headers=link_cache(request, IMMUTABLE))


@router.get(
    "/s/{code}/preview.png", response_class=Response, responses=PNG, openapi_extra=IGNORES_UNKNOWN
)
def read_share_preview(
    share: ShareByCode, request: Request, store: StoreDep, nearest: NearestDep,
    places: PlacesDep, settings: SettingsDep, now: NowDep, to: LinksDep,
) -> Response:  # fmt: skip
    """A 1200×630 picture of the shared view (Open Graph image), with today's statuses."""
    view, ttl = view_of(share), settings.status_ttl_hours
    fonts = find_fonts(settings.image_fonts)
    found = share_answer(view, nearest, places, now, ttl)
    caption = [to.url("shared_page", code=share.code).split("://", 1)[-1]]
    if found is not None:  # the place in the share's words where the font has them
        place = found.origin.place
        caption.append(place.words(view.lang or "zh") if fonts.cjk else place.ascii_words())
    body = render_preview(
        store, view, marks_for(view, found), " - ".join(filter(None, caption)), now, ttl, fonts
    )
    return Response(body, media_type="image/png", headers=link_cache(request, CURRENT))


@router.get(
    "/s/{code}/poster.png",
    response_class=Response,
    responses=PNG | NOT_MODIFIED,
    openapi_extra=IGNORES_UNKNOWN,
)
def read_share_poster(
    share: ShareByCode, request: Request, context: ContextDep, nearest: NearestDep,
    places: PlacesDep, settings: SettingsDep, now: NowDep, to: LinksDep,
) -> Response:  # fmt: skip
    """A tall poster of the share (1080×2340) to forward in a chat: its map, the hospitals
    it lists with distance, state, age and phones, when it was made, and the QR code of
    the live link. Drawn once per share, link and data version for up to 5 minutes (the
    time it shows); ``If-None-Match`` with its ETag is a 304."""
    store, link = context.store, to.url("shared_page", code=share.code)
    fonts = find_fonts(settings.image_fonts)
    version = (store.resources_changed_at(), store.last_history_id())
    drawn = context.posters.get(
        (share.code, link, fonts.path, version), now,
        lambda at: share_poster(share, store, nearest, places, at, settings.status_ttl_hours,
                                link, fonts).png,
    )  # fmt: skip
    headers = {"ETag": drawn.etag} | link_cache(request, CURRENT)
    if drawn.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(drawn.body, media_type="image/png", headers=headers)
