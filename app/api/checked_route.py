"""The checks every API route makes before anything else, run as plain calls.

As router-wide dependencies, the declared-length and unknown-query checks cost FastAPI two
dependency solves on every request, as much as a nearest answer's place lookup. Run here,
from the route's handler (after routing, which they need: the route's body limit and its
parameters), they cost two calls; their errors are the same, raised where a dependency's
were, so the same handlers answer them. They now run before a body is read: a request
both malformed and refused by them gets their error, not the body's.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.api.body_limits import declared_length_within_limit
from app.api.strict_query import refuse_unknown_query

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class CheckedRoute(APIRoute):
    """An API route (``APIRouter(route_class=CheckedRoute)``) that refuses a declared body
    over its limit (413) and query parameters it does not define (400) first."""

    def get_route_handler(self) -> Handler:
        """FastAPI's handler, after the two checks."""
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            declared_length_within_limit(request)
            refuse_unknown_query(request)
            return await handler(request)

        return checked
