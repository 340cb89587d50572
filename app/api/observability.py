"""Request ids, access log lines and HTTP metrics for every request; ``GET /metrics``.

A pure ASGI middleware (no ``BaseHTTPMiddleware``): it passes every message through as
it comes, so event streams keep streaming, and costs a few microseconds per request.

- The request id is the client's ``X-Request-ID`` when that is 1–128 characters of
  ``A-Z a-z 0-9 . _ : + / = -``, else a new random one; it is sent back in
  ``X-Request-ID`` and set in ``REQUEST_ID`` for every log line of the request.
- Requests are counted under their route *template* (``/api/v1/resources/{resource_id}``);
  a path no route matches counts as ``unmatched`` and an unusual method as ``other``,
  so clients cannot create series.
- Latency is observed when the answer is complete. An event stream
  (``text/event-stream``) lives for minutes by design, so it is counted (when it ends)
  but never observed as latency; ``aidmap_http_streams_open`` shows the open ones and
  the access line gives each stream's lifetime.
- Access lines carry the path as the client sent it (percent-encoded) without the query
  string, which may hold a requester's address or position.
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, FastAPI, Header, Response
from prometheus_client.exposition import choose_encoder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.deps import SettingsDep
from app.core.addresses import client_key
from app.core.config import Settings
from app.core.errors import Unauthorized
from app.core.logging import REQUEST_ID
from app.core.metrics import HTTP_DURATION, HTTP_REQUESTS, HTTP_STREAMS_OPEN, exposed
from app.core.prefix import route_path

REQUEST_ID_HEADER = b"x-request-id"
SANE_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:+/=-]{1,128}")
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
EVENT_STREAM = b"text/event-stream"

access_log = logging.getLogger("aidmap.access")
router = APIRouter(tags=["health"])


class ObservabilityMiddleware:
    """Gives each HTTP request an id, counts and times it, and logs one access line."""

    def __init__(self, app: ASGIApp, metrics: bool = True) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer one ASGI connection; only HTTP requests are counted and logged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"]) or os.urandom(16).hex()
        # Each request runs in its own task (its own copy of the context), so the id is
        # not reset afterwards: the server-error handler, outside this middleware, logs
        # an unhandled exception with it.
        REQUEST_ID.set(request_id)
        id_header = (REQUEST_ID_HEADER, request_id.encode())
        start = time.perf_counter()
        status, stream = 500, False  # 500 unless an answer starts: the app raised

        async def send_with_id(message: Message) -> None:
            nonlocal status, stream
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", ()), id_header]
                message = {**message, "headers": headers}
                stream = is_event_stream(headers)
                if stream and self.metrics:
                    HTTP_STREAMS_OPEN.inc()
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - start
            method = scope["method"] if scope["method"] in METHODS else "other"
            route = route_template(scope)
            if self.metrics:
                count_request(method, route, status, seconds, stream)
            if access_log.isEnabledFor(logging.INFO):
                log_access(scope, method, route, status, seconds)


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The client's ``X-Request-ID`` if it is sane, else None."""
    for name, value in headers:
        if name == REQUEST_ID_HEADER:
            return value.decode("ascii") if SANE_REQUEST_ID.fullmatch(value) else None
    return None


def is_event_stream(headers: list[tuple[bytes, bytes]]) -> bool:
    """Whether response headers announce a server-sent event stream."""
    return any(
        name == b"content-type" and value.startswith(EVENT_STREAM) for name, value in headers
    )


def route_template(scope: Scope) -> str:
    """The path template of the route that answered (``unmatched`` when none did)."""
    route = scope.get("route")
    return getattr(route, "path", None) or UNMATCHED


def count_request(method: str, route: str, status: int, seconds: float, stream: bool) -> None:
    """Count one finished request; time it unless it was an event stream."""
    key = (method, route, status)
    requests = _requests.get(key)
    if requests is None:  # labels() costs a lock and a few str() calls: look it up once
        requests = _requests[key] = HTTP_REQUESTS.labels(method, route, str(status))
    requests.inc()
    if stream:
        HTTP_STREAMS_OPEN.dec()
        return
    duration = _durations.get(key)
    if duration is None:  # made on first use: a route that only streams shows no histogram
        duration = _durations[key] = HTTP_DURATION.labels(method, route, f"{status // 100}xx")
    duration.observe(seconds)


_requests: dict[tuple[str, str, int], Any] = {}
"""The counter series of each (method, route, status) seen so far."""
_durations: dict[tuple[str, str, int], Any] = {}
"""The histogram series of each (method, route, status) timed so far."""


CREDENTIAL_ROUTES = ("/join/", "/h/")
"""Routes whose path holds a credential (an invite code, a help request's tracking
secret): logged by their template."""


def holds_credential(scope: Scope) -> bool:
    """Whether the request's path (within the app) is one of ``CREDENTIAL_ROUTES``."""
    return ("/" + route_path(scope).lstrip("/")).startswith(CREDENTIAL_ROUTES)


def log_access(scope: Scope, method: str, route: str, status: int, seconds: float) -> None:
    """One ``aidmap.access`` line: method, path (no query), route, status, time, and the
    client as per-client limits key it (an IPv6 client's /64)."""
    raw = scope.get("raw_path")  # as sent, percent-encoded; HTTP/2's may hold the query
    path = (raw.decode("latin-1") if raw else scope["path"]).partition("?")[0]
    if route.startswith(CREDENTIAL_ROUTES) or holds_credential(scope):
        path = route  # a code or secret is a credential: never in a log, even on a 404
    client = client_key(scope["client"][0]) if scope.get("client") else None
    duration_ms = round(seconds * 1000, 2)
    fields = {"method": method, "path": path, "route": route, "status": status,
              "duration_ms": duration_ms, "client": client}  # fmt: skip
    message, args = '%s "%s %s" %d %.2f ms', (client or "-", method, path, status, duration_ms)
    # makeRecord + handle is access_log.info without its search of the stack for the
    # caller's file and line (about 10 µs of a 25 µs line; they are never shown).
    record = access_log.makeRecord(
        access_log.name, logging.INFO, __file__, 0, message, args, None, extra=fields
    )
    access_log.handle(record)


@router.get("/metrics", include_in_schema=False)
def read_metrics(
    settings: SettingsDep,
    authorization: Annotated[str | None, Header()] = None,
    accept: Annotated[str, Header()] = "",
) -> Response:
    """The server's metrics in the Prometheus text format (OpenMetrics if asked for)."""
    token = settings.metrics_token
    if token is not None and not _is_bearer(authorization, token.get_secret_value()):
        raise Unauthorized("send Authorization: Bearer <AIDMAP_METRICS_TOKEN>")
    encode, content_type = choose_encoder(accept)
    return Response(encode(exposed()), headers={"Content-Type": content_type})


def _is_bearer(authorization: str | None, secret: str) -> bool:
    scheme, _, credentials = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and secrets.compare_digest(
        credentials.strip().encode(), secret.encode()
    )


def add_observability(app: FastAPI, settings: Settings) -> None:
    """Install the middleware (outermost of ours) and, when metrics are on, ``/metrics``."""
    app.add_middleware(ObservabilityMiddleware, metrics=settings.metrics)
    if settings.metrics:
        app.include_router(router)
