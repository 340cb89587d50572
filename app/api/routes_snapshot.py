"""The offline map file: ``GET /api/v1/exports/map.html`` (public, like the layer exports).

Included before ``routes_exports``, whose ``/{layer}.{fmt}`` would read ``map.html`` as a
layer called ``map``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response

from app.api.checked_route import CheckedRoute
from app.api.context import ContextDep
from app.api.deps import ExportBudget, NowDep, SettingsDep, StoreDep
from app.api.error_responses import NOT_MODIFIED, content, errors
from app.api.origin import LinksDep, link_cache
from app.services.exports.snapshot_cache import BuiltFile
from app.services.exports.snapshot_data import data_version, live_view, snapshot_query
from app.services.sharing import create_share
from app.web.snapshot import SHANGHAI, build_snapshot

router = APIRouter(prefix="/api/v1/exports", tags=["exports"], route_class=CheckedRoute)
CURRENT = "public, max-age=60"
"""As the share's card and preview: statuses of the moment, and links (``link_cache``)."""
FILE_POLICY = (
    "sandbox allow-scripts allow-popups; default-src 'none'; script-src 'unsafe-inline'; "
    "style-src 'unsafe-inline'; img-src data: https:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
"""Should a browser show the download in place: it runs in an opaque origin (no cookie or
storage of ours), under the file's own stricter policy (its scripts by hash) as well."""
RESPONSES = content("text/html", description="the map as one HTML file") | NOT_MODIFIED
RESPONSES |= errors(404, 422, 429)


@router.get("/map.html", response_class=Response, responses=RESPONSES)
def export_snapshot(
    request: Request,
    store: StoreDep,
    settings: SettingsDep,
    now: NowDep,
    to: LinksDep,
    context: ContextDep,
    budget: ExportBudget,
    service: Annotated[
        str | None, Query(max_length=32, description="a service's code or name (血透, dialysis)")
    ] = None,
    district: Annotated[
        str | None, Query(max_length=20, description="a district's name or alias (浦东新区, 浦东)")
    ] = None,
    lang: Annotated[Literal["zh", "en"], Query(description="the file's language")] = "zh",
) -> Response:
    """The map as one HTML file that needs no network when opened from disk: hospitals
    coloured by the service's state with popups, outlines, a legend, a search, when it
    was taken, and the live map's short link and QR code. 404 names an unknown service or
    district; a client holding the current file gets 304 (If-None-Match); downloads count
    against the client address's export allowance (429)."""
    query = snapshot_query(store, service, district, lang)
    version = data_version(store)
    key = (query.key, to.root)
    built = context.snapshots.get(key, version, now)
    if built is not None and built.etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=_headers(request, built))
    budget.spend()
    if built is None:
        link = to.url("shared_page", code=create_share(store, live_view(query)).code)
        body, _ = build_snapshot(store, settings, query, now, link)
        built = context.snapshots.put(key, body, version, now)
    return Response(built.body, media_type="text/html; charset=utf-8",
                    headers=_headers(request, built))  # fmt: skip


def _headers(request: Request, built: BuiltFile) -> dict[str, str]:
    name = f"aidmap-map-{built.taken_at.astimezone(SHANGHAI).strftime('%Y%m%d-%H%M')}.html"
    return {
        "ETag": built.etag,
        "Content-Disposition": f'attachment; filename="{name}"',
        "Content-Security-Policy": FILE_POLICY,
    } | link_cache(request, CURRENT)
