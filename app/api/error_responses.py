"""OpenAPI declarations of the responses routes share: errors (one body for all, see
``app.core.errors``) and the media types of answers that are not plain JSON."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from app.models import ErrorBody

REASONS = {
    304: "not modified: the If-None-Match ETag is current",
    400: "a body, query parameter or header the endpoint cannot read, or a query parameter "
    "it does not define (`unknown_parameter`)",
    401: "no valid token: missing, unknown or revoked",
    403: "the token's role does not allow this",
    404: "not found",
    409: "conflicts with what is stored",
    410: "gone: the invite is revoked, expired or used up (`invite_unusable`)",
    412: "If-Match names a version that is no longer current",
    413: "the request body is over the endpoint's limit",
    422: "invalid request (`invalid_request` lists each problem in `details`; "
    "`address_not_found` lists the places the address could mean in `candidates`)",
    428: 'If-Match is missing: send the ETag of the resource, e.g. "5"',
    429: "over a rate limit; Retry-After gives the seconds to wait",
    503: "no room for this request now, or the store is unavailable; Retry-After gives the "
    "seconds to wait",
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}
HEADERS = {
    401: {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
    429: RETRY_AFTER,
    503: RETRY_AFTER,
}
WITHOUT_STORE = frozenset({"/livez"})
"""Paths that neither touch the store nor are bounded: every other operation may answer
503 (the store unavailable or busy, or too many requests of its kind at once)."""


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for these error statuses, each with the shared error body."""
    declared: dict[int | str, dict[str, Any]] = {}
    for code in codes:
        declared[code] = {"model": ErrorBody, "description": REASONS[code]}
        if code in HEADERS:
            declared[code]["headers"] = HEADERS[code]
    return declared


SIGNED_IN = errors(401, 403, 429)
"""What a route behind a token (``Volunteer``, ``Admin`` …) may answer besides its own errors:
no valid token, too low a role, too many failed sign-ins."""


def content(*media_types: str, description: str) -> dict[int | str, dict[str, Any]]:
    """A 200 response in these media types (any body), for routes that build their own."""
    return {200: {"description": description, "content": {m: {} for m in media_types}}}


NOT_MODIFIED = {304: {"description": REASONS[304]}}


def json_errors(app: FastAPI) -> None:
    """Have the app's OpenAPI document file every error body under ``application/json``:
    FastAPI files a ``responses=`` model under the route's own media type (GeoJSON, text …),
    but errors are always JSON. Every operation but those ``WITHOUT_STORE`` declares 503,
    every one 400 (a query parameter it does not define: ``strict_query``), and every one
    that reads a token, even an optional one, 401 and 429 (failed sign-ins are throttled)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            for path, item in build()["paths"].items():
                for operation in item.values():
                    responses = operation.setdefault("responses", {})
                    if path not in WITHOUT_STORE:
                        responses.setdefault("503", _unavailable())
                    responses.setdefault("400", _error(REASONS[400]))  # unknown parameters
                    if "security" in operation:  # a token sent is checked, even where optional
                        for code in (401, 429):
                            declared = _error(REASONS[code]) | {"headers": HEADERS[code]}
                            responses.setdefault(str(code), declared)
                    _errors_as_json(responses)
        return app.openapi_schema

    app.openapi = openapi


def _error(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ErrorBody"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _unavailable() -> dict[str, Any]:
    return _error(REASONS[503]) | {"headers": RETRY_AFTER}


def _errors_as_json(responses: dict[str, dict[str, Any]]) -> None:
    for status, response in responses.items():
        schemas = [c["schema"] for c in response.get("content", {}).values() if "schema" in c]
        if status[0] in "45" and schemas:
            response["content"] = {"application/json": {"schema": schemas[0]}}
