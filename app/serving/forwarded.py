"""The host and path prefix a trusted proxy forwarded, for links (``app.api.origin``,
``app.api.root_path``), and nothing else's.

uvicorn's proxy middleware applies X-Forwarded-For/-Proto from trusted peers but replaces
the peer's address as it does, so whether the connection came from a trusted proxy is
decided here, outside it, from the connection's own peer.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.api.origin import FORWARDED_HOST
from app.api.root_path import FORWARDED_PREFIX
from app.core.addresses import HOST_PORT, IPNetwork, is_trusted
from app.core.prefix import clean_prefix

MAX_HOST = 255


class ForwardedHost:
    """ASGI middleware: for a connection from ``trusted``, the last X-Forwarded-Host (the
    one our own proxy set) if it is a plain host[:port], and the last X-Forwarded-Prefix
    if it is a plain path, into the scope; then uvicorn's proxy middleware, which applies
    X-Forwarded-For and X-Forwarded-Proto."""

    def __init__(self, app: ASGIApp, trusted: tuple[IPNetwork, ...], allowed: list[str]) -> None:
        self.trusted = trusted
        self.app = ProxyHeadersMiddleware(app, trusted_hosts=allowed) if trusted else app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Note a trusted proxy's host and prefix in the scope, then pass the request on."""
        if scope["type"] == "http":
            scope.pop(FORWARDED_HOST, None)  # only this middleware sets them
            scope.pop(FORWARDED_PREFIX, None)
            peer = scope.get("client")
            if peer and is_trusted(peer[0], self.trusted):
                host = forwarded_host(scope["headers"])
                if host is not None:
                    scope[FORWARDED_HOST] = host
                prefix = forwarded_prefix(scope["headers"])
                if prefix:
                    scope[FORWARDED_PREFIX] = prefix
        await self.app(scope, receive, send)


def forwarded_host(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The last X-Forwarded-Host value, lowercased, if it is a plain host[:port]."""
    values = [value for name, value in headers if name == b"x-forwarded-host"]
    if not values:
        return None
    last = values[-1].decode("latin-1").split(",")[-1].strip().lower()
    if len(last) > MAX_HOST or not HOST_PORT.match(last):
        return None
    port = last.rpartition("]")[2].rpartition(":")[2] if ":" in last.rpartition("]")[2] else ""
    return last if not port or int(port) <= 65535 else None


def forwarded_prefix(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The last X-Forwarded-Prefix value without its trailing slash, if it is a plain path
    (``app.core.prefix``)."""
    values = [value for name, value in headers if name == b"x-forwarded-prefix"]
    if not values:
        return None
    return clean_prefix(values[-1].decode("latin-1").split(",")[-1])
