"""Application errors, the HTTP status each maps to, and the handlers that send them."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from app.core.http_headers import ALWAYS as ALWAYS_HEADERS
from app.core.logging import REQUEST_ID
from app.core.prefix import route_path

log = logging.getLogger("aidmap")


class AppError(Exception):
    """An error whose message is safe to show to the client."""

    status_code = 400
    code = "bad_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def extra(self) -> dict:
        """More fields of the error body beside ``code`` and ``message`` (none by default)."""
        return {}


class Unauthorized(AppError):
    """No valid token: missing, unknown or revoked."""

    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    """The token's role does not allow this."""

    status_code = 403
    code = "forbidden"


class TooLarge(AppError):
    """The request body is over the endpoint's limit."""

    status_code = 413
    code = "too_large"


class PreconditionRequired(AppError):
    """A versioned write came without ``If-Match``."""

    status_code = 428
    code = "precondition_required"


class BadHeader(AppError):
    """A header has a form the endpoint cannot read."""

    status_code = 400
    code = "bad_header"


class TooManyRequests(AppError):
    """Over a rate limit; ``retry_after`` seconds until the next try."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ConfigError(AppError):
    """The deployment's configuration cannot work."""

    status_code = 500
    code = "configuration"


ErrorPage = Callable[[Request, int], Response | None]
"""``app.state.error_page``: the error as a page for a browser, or None (JSON then)."""


def error_response(
    request: Request, status: int, body: dict, headers: dict[str, str] | None = None
) -> Response:
    """The error as the app's page for a browser, if it has one, else as JSON."""
    page_for: ErrorPage | None = getattr(request.app.state, "error_page", None)
    page = page_for(request, status) if page_for is not None else None
    if page is None:
        return JSONResponse(body, status_code=status, headers=headers)
    page.headers.update(headers or {})
    return page


def error_body(code: str, message: str, details: list | None = None) -> dict:
    """The JSON body of every error response."""
    body = {"code": code, "message": message}
    if details is not None:
        body["details"] = details
    return {"error": body}


async def _invalid_request(request: Request, exc: RequestValidationError) -> Response:
    details = [
        {"loc": [str(part) for part in e["loc"]], "msg": e["msg"], "type": e["type"]}
        for e in exc.errors()
    ]
    first = details[0] if details else {"loc": [], "msg": "invalid request"}
    message = f"{'.'.join(first['loc'])}: {first['msg']}"
    path = route_path(request.scope)
    if path == "/ogc" or path.startswith("/ogc/"):  # OGC's /req/core/query-param-invalid
        return error_response(request, 400, error_body("bad_query", message, details))
    return error_response(request, 422, error_body("invalid_request", message, details))


HTTP_ERROR_CODES = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}
"""Our error codes for the framework's own HTTP errors."""


async def _http_error(request: Request, exc: HTTPException) -> Response:
    code = HTTP_ERROR_CODES.get(exc.status_code, "http_error")
    return error_response(request, exc.status_code, error_body(code, str(exc.detail)), exc.headers)


async def _app_error(request: Request, exc: AppError) -> Response:
    headers = {}
    if isinstance(exc, Unauthorized):
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, TooManyRequests):
        headers["Retry-After"] = str(exc.retry_after)
    body = error_body(exc.code, exc.message)
    body["error"].update(exc.extra())
    return error_response(request, exc.status_code, body, headers)


async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
    """The 500 answer. Starlette sends it from outside every middleware, so it adds here
    what they would: the request id and the headers every answer has."""
    log.exception("unhandled error", exc_info=exc)
    headers = {"X-Request-ID": REQUEST_ID.get() or "", **ALWAYS_HEADERS}
    return JSONResponse(error_body("internal", "internal error"), status_code=500, headers=headers)


def add_exception_handlers(app: FastAPI) -> None:
    """Install the handlers that turn exceptions into JSON error responses."""
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(Exception, _unexpected)
