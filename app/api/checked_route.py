"""The checks every API route makes before anything else, run as plain calls.

As router-wide dependencies, the declared-length and unknown-query checks cost FastAPI two
dependency solves on every request, as much as a nearest answer's place lookup. Run here,
from the route's handler (after routing, which they need: the route's body limit and its
parameters), they cost two calls; their errors are the same, raised where a dependency's
were, so the same handlers answer them. They now run before a body is read: a request
both malformed and refused by them gets their error, not the body's.

An endpoint that takes the ``Request`` alone and makes its own ``Response`` (the hottest
public route, which parses its query in one pass) is then called directly: FastAPI's
handler would read no body, solve no dependency and serialise nothing for it, yet its
bookkeeping (endpoint context, telemetry, the dependency solve) cost about as much as
the nearest query itself.
"""

from __future__ import annotations

import inspect
import typing
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
        handler = self.endpoint if makes_own_response(self) else super().get_route_handler()

        async def checked(request: Request) -> Response:
            declared_length_within_limit(request)
            refuse_unknown_query(request)
            return await handler(request)

        return checked


def makes_own_response(route: APIRoute) -> bool:
    """Whether ``route``'s endpoint is a coroutine of the ``Request`` alone that returns a
    ``Response`` (so FastAPI's handler would only pass the one to it and the other on)."""
    d = route.dependant
    takes_request_alone = d.request_param_name is not None and not any(
        (d.path_params, d.query_params, d.header_params, d.cookie_params, d.body_params,
         d.dependencies, d.websocket_param_name, d.http_connection_param_name,
         d.response_param_name, d.background_tasks_param_name, d.security_scopes_param_name)
    )  # fmt: skip
    if not takes_request_alone or not inspect.iscoroutinefunction(route.endpoint):
        return False
    returns = typing.get_type_hints(route.endpoint).get("return")
    return isinstance(returns, type) and issubclass(returns, Response)
