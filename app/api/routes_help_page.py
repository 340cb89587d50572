"""``/help``: the help form (求助), the same public page for everyone; what a person types
goes from its script to ``POST /api/v1/help-requests`` as JSON, never into a URL."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.checked_route import CheckedRoute
from app.api.deps import SettingsDep, StoreDep
from app.api.routes_page import LangQuery, page_headers
from app.core.i18n import choose_language
from app.web.help_page import render_help_form

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)


@router.get("/help", response_class=HTMLResponse)
def help_page(
    request: Request, settings: SettingsDep, store: StoreDep, lang: LangQuery = None
) -> HTMLResponse:
    """The form: zh-CN unless ?lang=en or the browser prefers English; the services to
    choose from are the store's."""
    language = choose_language(lang, request.headers.get("accept-language"))
    root = request.scope.get("root_path", "")
    html = render_help_form(settings, language, root, store.list_services())
    return HTMLResponse(html, headers=page_headers(settings, embed=False))
