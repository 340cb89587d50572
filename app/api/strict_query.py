"""Unknown query parameters are a 400 that names them, on every operation of the API.

A filter the server does not know is worse than an error: ``?name=仁济`` on a route without
``name`` used to answer all 77 hospitals as if they matched. Each operation's known
parameters are its declared query parameters (its dependencies' too) and those its OpenAPI
``parameters`` list (routes that validate ``request.query_params`` in one pass). Pages
(routes outside the schema: the map, a shared view) and the share's media (text card, QR
codes, preview: ``IGNORES_UNKNOWN``) keep ignoring extra parameters, which chat apps append
to links they pass on (WeChat's ``?from=singlemessage&isappinstalled=0``); none of them has
a filter to ignore.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from app.core.errors import AppError

IGNORES_UNKNOWN = {"x-ignores-unknown-query": True}
"""``openapi_extra`` of an operation that takes no filter and ignores query parameters (said
so in its OpenAPI operation too)."""
KNOWN: dict[int, frozenset[str]] = {}
"""Known query parameter names per route (by ``id``): routes live as long as the app."""


class UnknownParameter(AppError):
    """A query parameter the operation does not define."""

    status_code = 400
    code = "unknown_parameter"


def _declared(dependant: Dependant) -> set[str]:
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _declared(sub)
    return names


def known_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameter names ``route`` reads."""
    known = KNOWN.get(id(route))
    if known is None:
        listed = (route.openapi_extra or {}).get("parameters", ())
        extra = {p["name"] for p in listed if p.get("in") == "query"}
        known = KNOWN[id(route)] = frozenset(_declared(route.dependant) | extra)
    return known


def refuse_unknown_query(request: Request) -> None:
    """400 ``unknown_parameter`` naming each query parameter the operation does not define
    (``CheckedRoute``, on every route of the API)."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema or not request.query_params:
        return
    if (route.openapi_extra or {}).get("x-ignores-unknown-query"):
        return
    unknown = sorted(set(request.query_params) - known_parameters(route))
    if unknown:
        names = ", ".join(repr(name[:40]) for name in unknown[:5])
        allowed = ", ".join(sorted(known_parameters(route))) or "none"
        raise UnknownParameter(f"unknown query parameter {names}; this endpoint takes: {allowed}")
