"""The path the app is mounted under behind a proxy (``/aidmap``), as the request's root path.

A proxy may serve the app under a path of its own. Links in answers (``app.api.origin``),
static URLs in pages and the pages' own requests then start with that path. It is the
forwarded prefix of a trusted proxy (``X-Forwarded-Prefix``, noted in the scope by
``app.serving.forwarded`` only for connections from AIDMAP_TRUSTED_PROXIES), else
``AIDMAP_ROOT_PATH``, else what the server set (uvicorn's ``--root-path``). As ASGI has it,
the request's ``path`` then starts with the root path, whether or not the proxy stripped
it before passing the request on; routing (``starlette._utils.get_route_path``) takes it off.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

FORWARDED_PREFIX = "aidmap.forwarded_prefix"
"""Scope key: the path prefix a trusted proxy forwarded (X-Forwarded-Prefix), checked."""


class RootPath:
    """ASGI middleware: the request's root path, and its path starting with it."""

    def __init__(self, app: ASGIApp, configured: str) -> None:
        self.app = app
        self.configured = configured

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Set the root path of an HTTP request, then pass it on."""
        if scope["type"] == "http":
            root = scope.get(FORWARDED_PREFIX) or self.configured or scope.get("root_path", "")
            if root:
                scope["root_path"] = root
                path = scope["path"]
                if path != root and not path.startswith(f"{root}/"):  # the proxy stripped it
                    scope["path"] = root + path
                    raw = scope.get("raw_path")
                    if raw is not None:
                        scope["raw_path"] = root.encode("latin-1") + raw
        await self.app(scope, receive, send)
