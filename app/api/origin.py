"""The public origin and root path that links in answers start with (share links, QR codes,
og:url, OGC), and links to routes by name.

``AIDMAP_BASE_URL`` wins when set. Otherwise the origin is the address the request
reached: the local socket address the connection was accepted on (so ``aidmap serve
--port 9000`` links to port 9000), or, behind a proxy named in AIDMAP_TRUSTED_PROXIES,
the host that proxy forwarded (``FORWARDED_HOST``, set by ``app.serving.forwarded`` only
for connections from a trusted proxy) with the scheme it forwarded. A request's own
``Host`` header is never used: a client chooses it, and a shared cache that ignores it
would hand the links it poisoned to everyone. After the origin comes the request's root
path (``app.api.root_path``: ``/aidmap`` behind a proxy that serves the app there), then
the path of the route a link names.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from starlette.routing import Router

from app.api.deps import SettingsDep

FORWARDED_HOST = "aidmap.forwarded_host"
"""Scope key: the host[:port] a trusted proxy forwarded (X-Forwarded-Host), checked."""
DEFAULT_PORTS = {"http": 80, "https": 443}


def public_origin(request: Request, configured: str) -> str:
    """``scheme://host[:port]`` for links in the answer to ``request``, no trailing slash;
    ``configured`` (AIDMAP_BASE_URL) when set."""
    if configured:
        return configured
    scope = request.scope
    scheme = scope.get("scheme", "http") if scope.get("scheme") in DEFAULT_PORTS else "http"
    forwarded = scope.get(FORWARDED_HOST)
    if forwarded:
        return f"{scheme}://{forwarded}"
    host, port = scope.get("server") or ("127.0.0.1", None)
    return f"{scheme}://{_host(host)}{_port(scheme, port)}"


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


async def links_for(request: Request, settings: SettingsDep) -> Links:
    """The links of an answer to ``request``."""
    root = public_origin(request, settings.base_url) + request.scope.get("root_path", "")
    return Links(root, request.app.router)


LinksDep = Annotated[Links, Depends(links_for)]
