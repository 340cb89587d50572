"""``/desk``: the volunteers' workspace for a browser signed in through an invite, and a
page saying how to sign in for any other."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.checked_route import CheckedRoute
from app.api.deps import ContextDep
from app.api.routes_page import LangQuery
from app.api.session_cookie import cookie_secret
from app.core.i18n import choose_language
from app.services.sessions import as_token, live_session
from app.web.csp import page_policy
from app.web.desk_page import render_desk, render_signed_out

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)


@router.get("/desk", response_class=HTMLResponse)
def desk_page(request: Request, context: ContextDep, lang: LangQuery = None) -> HTMLResponse:
    """The workspace (zh-CN unless ?lang=en or the browser prefers English); 401 with how
    to sign in when the browser has no live session (after one reload from our own page
    when the link came from another site: see ``render_signed_out``). Never cached: it
    names the person."""
    language = choose_language(lang, request.headers.get("accept-language"))
    root = request.scope.get("root_path", "")
    settings = context.settings
    idle = timedelta(hours=settings.session_idle_hours)
    session = live_session(context.store, cookie_secret(request), context.clock(), idle)
    headers = {
        "Cache-Control": "private, no-store",
        "Vary": "Accept-Language, Cookie",
        "Content-Security-Policy": page_policy(settings, embed=False),
    }
    if session is None:
        cross_site = request.headers.get("sec-fetch-site") == "cross-site"
        html = render_signed_out(language, root, again=cross_site)
        return HTMLResponse(html, status_code=200 if cross_site else 401, headers=headers)
    html = render_desk(settings, language, root, as_token(session))
    return HTMLResponse(html, headers=headers)
