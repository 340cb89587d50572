"""``GET /docs``: the interactive API docs, with Swagger UI served from our own origin.

FastAPI's default page loads Swagger UI from a public CDN (blank offline, slow or blocked
in mainland China) and runs an inline script; this one takes the files from the installed
``swagger-ui-bundle`` package and its own script file, under a policy that names no other
origin.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from app import __version__
from app.web.assets import VENDOR_URLS
from app.web.csp import DOCS_POLICY
from app.web.page import TEMPLATES

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def api_docs() -> HTMLResponse:
    """Swagger UI for /openapi.json."""
    html = TEMPLATES.get_template("docs.html").render(
        openapi_url="/openapi.json", vendor=VENDOR_URLS, version=__version__
    )
    headers = {"Content-Security-Policy": DOCS_POLICY, "Cache-Control": "no-cache"}
    return HTMLResponse(html, headers=headers)
