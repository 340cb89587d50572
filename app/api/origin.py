"""The public origin and root path that links in answers start with (share links, QR codes,
og:url, OGC), and links to routes by name.

``AIDMAP_BASE_URL`` wins when set. Otherwise the origin is the address the request
reached: the local socket address the connection was accepted on (so ``aidmap serve
--port 9000`` links to port 9000), or, behind a proxy named in AIDMAP_TRUSTED_PROXIES,
the host that proxy forwarded (``FORWARDED_HOST``, set by ``app.serving.forwarded`` only
for connections from a trusted proxy) with the scheme it forwarded, if that host is one
of AIDMAP_ALLOWED_HOSTS: a proxy passes on the X-Forwarded-Host its client sent more
often than not. A request's own ``Host`` header is never used: a client chooses it, and a
shared cache that ignores it would hand the links it poisoned to everyone. For the same
reason an answer with links is publicly cacheable only when its host is one the operator
named (``link_cache``). After the origin comes the request's root path
(``app.api.root_path``: ``/aidmap`` behind a proxy that serves the app there), then the
path of the route a link names.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.routing import Router

from app.api.context import ContextDep
from app.core.config import Settings

FORWARDED_HOST = "aidmap.forwarded_host"
"""Scope key: the host[:port] a trusted proxy forwarded (X-Forwarded-Host), checked."""
DEFAULT_PORTS = {"http": 80, "https": 443}


CONFIGURED, ALLOWED, SERVED = "configured", "allowed", "served"
"""Where an origin came from: AIDMAP_BASE_URL, an allowed forwarded host, the socket."""
ORIGIN_SOURCE = "aidmap.origin_source"
"""Scope key: where ``public_origin`` took this request's origin from."""


def public_origin(request: Request, settings: Settings) -> str:
    """``scheme://host[:port]`` for links in the answer to ``request``, no trailing slash."""
    if settings.base_url:
        request.scope[ORIGIN_SOURCE] = CONFIGURED
        return settings.base_url
    scope = request.scope
    scheme = scope.get("scheme", "http") if scope.get("scheme") in DEFAULT_PORTS else "http"
    forwarded = scope.get(FORWARDED_HOST)
    if forwarded and host_allowed(forwarded, settings.allowed_hosts):
        scope[ORIGIN_SOURCE] = ALLOWED
        return f"{scheme}://{forwarded}"
    scope[ORIGIN_SOURCE] = SERVED
    host, port = scope.get("server") or ("127.0.0.1", None)
    return f"{scheme}://{_host(host)}{_port(scheme, port)}"


def host_allowed(host: str, allowed: list[str]) -> bool:
    """Whether ``host[:port]`` (lowercase) is one of ``allowed``; an entry without a port
    allows its host on any port."""
    name = host.rsplit(":", 1)[0] if ":" in host.rpartition("]")[2] else host
    return host in allowed or name in allowed


def link_cache(request: Request, policy: str) -> dict[str, str]:
    """Cache headers of an answer whose links came from ``public_origin``: ``policy`` (a
    public one) when the operator named the host, varying by X-Forwarded-Host when the
    host is an allowed forwarded one; otherwise the same, but private: a shared cache in
    front never keeps links to an address the operator did not name for everyone."""
    source = request.scope.get(ORIGIN_SOURCE, CONFIGURED)
    if source == SERVED:
        return {"Cache-Control": policy.replace("public", "private")}
    if source == ALLOWED:
        return {"Cache-Control": policy, "Vary": "X-Forwarded-Host"}
    return {"Cache-Control": policy}


def _host(host: str) -> str:
    """A socket address as URL host: IPv6 in brackets, IPv4-mapped IPv6 as IPv4."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # a name (test clients) or a Unix socket path: used as it is
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        return str(mapped) if mapped is not None else f"[{address.compressed}]"
    return str(address)


def _port(scheme: str, port: int | None) -> str:
    return "" if port is None or port == DEFAULT_PORTS[scheme] else f":{port}"


@dataclass(frozen=True, slots=True)
class Links:
    """Absolute links for one answer: the public origin, the root path, a route's path."""

    root: str
    """``scheme://host[:port]/root/path``, no trailing slash."""
    router: Router

    def url(self, name: str, /, **params: object) -> str:
        """The absolute URL of the route (or mount) called ``name``, with its path
        ``params``."""
        return self.root + self.router.url_path_for(name, **params)


async def links_for(request: Request, context: ContextDep) -> Links:
    """The links of an answer to ``request``."""
    root = public_origin(request, context.settings) + request.scope.get("root_path", "")
    return Links(root, request.app.router)


LinksDep = Annotated[Links, Depends(links_for)]
