"""Errors as a page for people: a browser that opens a mistyped share link (or any page
path that fails) reads what happened in its language and gets a link back to the map;
API clients keep the JSON error body (``app.core.errors``)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import HTMLResponse

from app.core.i18n import choose_language
from app.core.prefix import route_path
from app.web.assets import OWN_URL
from app.web.page import TEMPLATES

NOT_PAGES = ("/api/", "/ogc", "/metrics", "/openapi.json", "/livez", "/readyz", "/healthz")
"""Paths only programs ask for: their errors stay JSON whatever the Accept header says."""
WORDS = {
    "zh": {
        "html_lang": "zh-CN",
        "share_missing": (
            "找不到这个分享链接",
            "链接可能抄错了或不完整。请向发给你的人要一个新链接，或直接打开地图查找。",
        ),
        "missing": ("找不到这个页面", "地址可能抄错了。请打开地图查找。"),
        "too_many": ("请求太多", "这个网络打开了太多无效链接，请过几分钟再试。"),
        "failed": ("页面暂时打不开", "请稍后再试，或打开地图查找。"),
        "back": "打开上海互助就医地图",
    },
    "en": {
        "html_lang": "en",
        "share_missing": (
            "This share link was not found",
            "It may be mistyped or cut short. Ask the sender for a new link, or "
            "open the map and search yourself.",
        ),
        "missing": ("This page was not found", "The address may be mistyped. Open the map."),
        "too_many": (
            "Too many requests",
            "This network opened too many broken links; try again in a few minutes.",
        ),
        "failed": ("This page cannot be shown now", "Try again later, or open the map."),
        "back": "Open the Shanghai mutual-aid hospital map",
    },
}


def wants_page(request: Request) -> bool:
    """A browser navigating to a page path: a GET/HEAD that accepts text/html."""
    return (
        request.method in {"GET", "HEAD"}
        and "text/html" in request.headers.get("accept", "")
        and not route_path(request.scope).startswith(NOT_PAGES)
    )


def error_page(request: Request, status: int) -> HTMLResponse | None:
    """The error as an HTML page with ``status`` for a browser; None for other clients."""
    if not wants_page(request):
        return None
    lang = choose_language(request.query_params.get("lang"), request.headers.get("accept-language"))
    words = WORDS[lang]
    if status == 404:
        kind = "share_missing" if route_path(request.scope).startswith("/s/") else "missing"
    else:
        kind = "too_many" if status == 429 else "failed"
    title, text = words[kind]
    root = request.scope.get("root_path", "")
    html = TEMPLATES.get_template("error.html").render(
        lang=words["html_lang"], title=title, text=text, back=words["back"], root=root,
        home=f"{root}/?lang=en" if lang == "en" else f"{root}/", own=OWN_URL,
    )  # fmt: skip
    headers = {"Cache-Control": "no-store", "Vary": "Accept, Accept-Language"}
    return HTMLResponse(html, status_code=status, headers=headers)
