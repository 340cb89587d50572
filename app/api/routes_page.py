"""The map page (``/``), a shared view (``/s/{code}``), and the page's static files."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from app.api.checked_route import CheckedRoute
from app.api.deps import NearestDep, NowDep, PlacesDep, SettingsDep, ShareByCode, StoreDep
from app.api.origin import LinksDep
from app.core.config import Settings
from app.core.i18n import LANGUAGES, choose_language
from app.services.share_card import render_card
from app.services.sharing import view_of
from app.web.assets import OWN, OWN_URL, VENDOR, VENDOR_URLS
from app.web.csp import page_policy
from app.web.page import render_page

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)

LangQuery = Annotated[str | None, Query(max_length=5, description=f"one of {LANGUAGES}")]


class CachedStaticFiles(StaticFiles):
    """Static files under a versioned path, which browsers may keep as long as they like:
    a new version of a file is a new URL."""

    def file_response(self, *args, **kwargs) -> Response:
        """The file, with its Cache-Control."""
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def mount_static(app: FastAPI) -> None:
    """Our JS/CSS/icons under /static/app/{digest of them} (any other digest is a 404: a
    page never gets a module of another version), installed packages' files under
    /static/vendor/{package}-{its version}."""
    app.mount(OWN_URL, CachedStaticFiles(directory=OWN), name="static-app")
    for name, directory in VENDOR.items():
        app.mount(VENDOR_URLS[name], CachedStaticFiles(directory=directory), name=f"vendor-{name}")


@router.get("/", response_class=HTMLResponse)
def map_page(
    request: Request, settings: SettingsDep, to: LinksDep,
    lang: LangQuery = None, embed: bool = False,
) -> HTMLResponse:  # fmt: skip
    """The map: zh-CN unless ?lang=en or the browser prefers English."""
    language = choose_language(lang, request.headers.get("accept-language"))
    root = request.scope.get("root_path", "")
    html = render_page(settings, language, to.url("map_page"), root, embed=embed)
    return HTMLResponse(html, headers=page_headers(settings, embed))


@router.get("/s/{code}", response_class=HTMLResponse)
def shared_page(
    share: ShareByCode, request: Request, places: PlacesDep, to: LinksDep,
    store: StoreDep, nearest: NearestDep, settings: SettingsDep, now: NowDep,
    lang: LangQuery = None, embed: bool = False,
) -> HTMLResponse:  # fmt: skip
    """The map opened in a shared view, with Open Graph tags from its text card."""
    view = view_of(share)
    language = choose_language(lang or view.lang, request.headers.get("accept-language"))
    url = to.url("shared_page", code=share.code)
    card = render_card(share, store, nearest, places, now, settings.status_ttl_hours, url)
    title, *details = card.strip().splitlines()[:-1] or [""]  # the last line is the link
    html = render_page(
        settings, language, url, request.scope.get("root_path", ""),
        image=to.url("read_share_preview", code=share.code), embed=embed,
        view=view.stored(), share_code=share.code,
        title=title.rstrip("：:") or None, description=" / ".join(details)[:300] or None,
    )  # fmt: skip
    return HTMLResponse(html, headers=page_headers(settings, embed))


def page_headers(settings: Settings, embed: bool) -> dict[str, str]:
    """A page's headers: revalidate each time, vary by language, its security policy."""
    return {
        "Cache-Control": "no-cache",
        "Vary": "Accept-Language",
        "Content-Security-Policy": page_policy(settings, embed),
    }
