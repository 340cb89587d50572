"""The session cookie: how it is set and cleared, and the proof a cookie-authenticated
write must carry that it comes from our own page.

A browser sends the cookie with every request to us, whichever page caused it; a bearer
token is sent only by code that holds it. So a write authenticated by the cookie must
also show that it comes from our origin (``Origin`` equal to the public origin, or
``Sec-Fetch-Site: same-origin`` when a browser sends no Origin) and carry ``X-Aidmap-Page:
1``, a header a page of another site cannot add to a request to us without our CORS
consent (which never lists it). ``SameSite=Strict`` already keeps the cookie off
requests other sites start; the checks hold where a browser ignores it.
"""

from __future__ import annotations

from fastapi import Request, Response

from app.api.origin import public_origin
from app.core.config import Settings
from app.core.errors import Forbidden

COOKIE = "aidmap_session"
PAGE_HEADER = "X-Aidmap-Page"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
COOKIE_MAX_AGE_S = 400 * 24 * 3600
"""The browser may keep the cookie this long (Chromium's cap); the store decides whether
its session is still live (ended, or idle for AIDMAP_SESSION_IDLE_HOURS)."""


class CrossSite(Forbidden):
    """A cookie-authenticated write that does not come from our own page."""

    code = "cross_site"


def cookie_secret(request: Request) -> str:
    """The session cookie's value, or "" when there is none."""
    return request.cookies.get(COOKIE, "")


def _ours(origin: str, request: Request, settings: Settings) -> bool:
    """Whether a browser's ``Origin`` is this service: the public origin links use, or the
    origin the browser itself addressed (``http://localhost:8000`` where links say
    127.0.0.1). Trusting the Host here is safe: a page of another site that reaches us
    under its own name (DNS rebinding) has no cookie of ours to send."""
    addressed = f"{request.url.scheme}://{request.headers.get('host', '')}"
    return origin.lower() in {public_origin(request, settings).lower(), addressed.lower()}


def _from_our_origin(request: Request, settings: Settings) -> bool:
    origin = request.headers.get("origin")
    if origin is not None:
        return _ours(origin, request, settings)
    return request.headers.get("sec-fetch-site") == "same-origin"


def check_from_our_page(request: Request, settings: Settings) -> None:
    """403 ``cross_site`` unless a cookie-authenticated request that may change something
    comes from our origin and carries ``X-Aidmap-Page: 1``."""
    if request.method in SAFE_METHODS:
        return
    if not _from_our_origin(request, settings) or request.headers.get(PAGE_HEADER) != "1":
        raise CrossSite(
            "a write signed in by the session cookie must come from an aidmap page "
            f"(same origin, with {PAGE_HEADER}: 1)"
        )


def sent_by_another_site(request: Request, settings: Settings) -> bool:
    """Whether a browser says another site's page sent this request (a form posted from
    elsewhere, which would sign the visitor in as someone else); clients that say nothing
    (curl) are not refused."""
    origin = request.headers.get("origin")
    if origin is not None and not _ours(origin, request, settings):
        return True
    return request.headers.get("sec-fetch-site", "same-origin") not in {"same-origin", "none"}


def served_over_https(request: Request, settings: Settings) -> bool:
    """Whether the browser reached us over HTTPS: the connection's scheme (a trusted
    proxy's X-Forwarded-Proto applied by ``aidmap serve``) or an https AIDMAP_BASE_URL."""
    return request.url.scheme == "https" or settings.base_url.startswith("https://")


def set_session_cookie(
    response: Response, request: Request, settings: Settings, secret: str
) -> None:
    """Give the browser the session: HttpOnly, SameSite=Strict, Path=/, Secure over HTTPS."""
    response.set_cookie(
        COOKIE, secret, max_age=COOKIE_MAX_AGE_S, path="/", httponly=True, samesite="strict",
        secure=served_over_https(request, settings),
    )  # fmt: skip


def clear_session_cookie(response: Response, request: Request, settings: Settings) -> None:
    """Make the browser forget the session cookie."""
    response.delete_cookie(
        COOKIE, path="/", httponly=True, samesite="strict",
        secure=served_over_https(request, settings),
    )  # fmt: skip
