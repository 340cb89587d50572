"""The page's Content-Security-Policy: our own scripts only, tiles from the chosen servers."""

from __future__ import annotations

from urllib.parse import urlsplit

from app.core.config import Settings
from app.web.basemaps import basemaps


def tile_origins(settings: Settings) -> list[str]:
    """The origins the page's base maps load tiles from, ``{s}`` subdomains spelled out."""
    origins = []
    for choice in basemaps(settings)["choices"].values():
        parts = urlsplit(choice["url"])
        subdomains = choice["subdomains"] if "{s}" in parts.netloc else ""
        hosts = [parts.netloc.replace("{s}", s) for s in subdomains] or [parts.netloc]
        origins += [f"{parts.scheme}://{host}" for host in hosts]
    return list(dict.fromkeys(origins))


def page_policy(settings: Settings, embed: bool) -> str:
    """The map page's policy: no inline or foreign script, images from us and the tile
    servers, requests to us only; framing by anyone only for the embeddable view."""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": " ".join(["'self'", "data:", *tile_origins(settings)]),
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "*" if embed else "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


DOCUMENT_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'self'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)
"""For every other HTML we send (the OGC pages): nothing runs, nothing loads but images."""


DOCS_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'self'"
)
"""GET /docs: Swagger UI's files and our script from our origin only; it sets style
attributes as it renders (hence 'unsafe-inline' for styles, never for scripts) and draws
icons from data: URLs. Requests go to our origin only (its "Try it out")."""
