"""Headers every response carries, and a Content-Security-Policy on HTML without one."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.http_headers import ALWAYS as ALWAYS_HEADERS
from app.web.csp import DOCUMENT_POLICY

ALWAYS = [(name.lower().encode(), value.encode()) for name, value in ALWAYS_HEADERS.items()]


class SecurityHeaders:
    """ASGI middleware adding ``ALWAYS`` to every response that did not set them itself (a
    tracking link's answers send ``Referrer-Policy: no-referrer``: a second header would
    not override the first, browsers take the last), and ``DOCUMENT_POLICY`` to HTML that
    did not set its own policy (the map page sets a fuller one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                names = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in ALWAYS if name not in names]
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                html = content_type.startswith(b"text/html")
                if html and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DOCUMENT_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
