"""``/join/{code}``: the page an invite link opens, and joining by its one button (a form
post), which opens a session, sets its cookie and leads to the workspace (``/desk``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.api.checked_route import CheckedRoute
from app.api.deps import ContextDep, SettingsDep
from app.api.invite_codes import count_failure, find_invite
from app.api.routes_page import LangQuery
from app.api.session_cookie import cookie_secret, sent_by_another_site, set_session_cookie
from app.core.config import Settings
from app.core.i18n import choose_language
from app.services.sessions import join, session_for, unusable_because
from app.storage.errors import InviteRejected, NotFound
from app.web.csp import page_policy
from app.web.join_page import render_join, render_unusable

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)

AnyCode = Annotated[str, Path(max_length=100)]
"""Any code up to a length: a malformed one is "not found", as a page."""
GONE = {"missing": 404, "elsewhere": 403}
"""Statuses of the pages that say why nobody joins (other reasons: 410)."""


def _headers(settings: Settings) -> dict[str, str]:
    return {
        "Cache-Control": "no-store",
        "Vary": "Accept-Language",
        "Content-Security-Policy": page_policy(settings, embed=False),
    }


def _unusable(lang: str, request: Request, settings: Settings, reason: str) -> HTMLResponse:
    html = render_unusable(lang, request.scope.get("root_path", ""), reason)
    return HTMLResponse(html, status_code=GONE.get(reason, 410), headers=_headers(settings))


@router.get("/join/{code}", response_class=HTMLResponse)
def join_page(
    code: AnyCode, request: Request, context: ContextDep, lang: LangQuery = None
) -> HTMLResponse:
    """Who invites whom for what role, with one button to join (zh-CN unless ?lang=en
    or the browser prefers English)."""
    language = choose_language(lang, request.headers.get("accept-language"))
    invite = find_invite(request, context, code)
    reason = "missing" if invite is None else unusable_because(invite, context.clock())
    if reason is not None:
        return _unusable(language, request, context.settings, reason)
    root = request.scope.get("root_path", "")
    action = f"{root}/join/{code}" + ("?lang=en" if language == "en" else "")
    html = render_join(language, root, invite, action)
    return HTMLResponse(html, headers=_headers(context.settings))


@router.post("/join/{code}", response_class=HTMLResponse)
def join_by_invite(
    code: AnyCode, request: Request, context: ContextDep, settings: SettingsDep,
    lang: LangQuery = None,
) -> Response:  # fmt: skip
    """Join: a new session, its cookie, and a 303 to the workspace; a page saying why
    not for an invite nobody can use, or a post from another site's page."""
    language = choose_language(lang, request.headers.get("accept-language"))
    if sent_by_another_site(request, settings):
        return _unusable(language, request, settings, "elsewhere")
    if find_invite(request, context, code) is None:
        return _unusable(language, request, settings, "missing")
    now = context.clock()
    try:
        session, secret = join(context.store, code, now)
    except InviteRejected as exc:
        count_failure(request, context)
        return _unusable(language, request, settings, exc.reason)
    except NotFound:
        return _unusable(language, request, settings, "missing")
    previous = session_for(context.store, cookie_secret(request))
    if previous is not None and previous.id != session.id:
        context.store.end_session(previous.id, now)  # one session per browser
    root = request.scope.get("root_path", "")
    desk = f"{root}/desk" + ("?lang=en" if language == "en" else "")
    response = RedirectResponse(desk, status_code=303, headers={"Cache-Control": "no-store"})
    set_session_cookie(response, request, settings, secret)
    return response
