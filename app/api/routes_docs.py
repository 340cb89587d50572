"""``GET /docs``: the interactive API docs, with Swagger UI served from our own origin; and
``GET /openapi.json``, naming the root path the request came through as its server.

FastAPI's default page loads Swagger UI from a public CDN (blank offline, slow or blocked
in mainland China) and runs an inline script; this one takes the files from the installed
``swagger-ui-bundle`` package and its own script file, under a policy that names no other
origin.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from app.api.checked_route import CheckedRoute
from app.web.assets import OWN_URL, VENDOR_URLS
from app.web.csp import DOCS_POLICY
from app.web.page import TEMPLATES

router = APIRouter(include_in_schema=False, route_class=CheckedRoute)


@router.get("/openapi.json")
def read_openapi(request: Request) -> JSONResponse:
    """The API definition; behind a proxy's path (``/aidmap``) its server is that path, so
    "Try it out" asks there. FastAPI's own route would write the first root path it sees
    into the definition it keeps for every later request."""
    schema = request.app.openapi()
    root = request.scope.get("root_path", "")
    return JSONResponse(schema | {"servers": [{"url": root}]} if root else schema)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> HTMLResponse:
    """Swagger UI for /openapi.json."""
    return swagger_page(request, request.app.url_path_for("read_openapi"))


def swagger_page(request: Request, openapi_path: str) -> HTMLResponse:
    """Swagger UI for the API definition at ``openapi_path`` (within the app)."""
    root = request.scope.get("root_path", "")
    html = TEMPLATES.get_template("docs.html").render(
        openapi_url=root + openapi_path, root=root, vendor=VENDOR_URLS, own=OWN_URL
    )
    headers = {"Content-Security-Policy": DOCS_POLICY, "Cache-Control": "no-cache"}
    return HTMLResponse(html, headers=headers)
