"""Headers every response carries, and a Content-Security-Policy on HTML without one.

An answer to a path that holds a credential (``/join/{code}``, ``/h/{secret}``: its error
pages too) says ``Referrer-Policy: no-referrer``: its page fetches its stylesheet and icon
before any ``<meta name="referrer">`` is read, and sent the whole URL as ``Referer``,
which a reverse proxy's or CDN's access log keeps."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.observability import holds_credential
from app.core.http_headers import ALWAYS as ALWAYS_HEADERS
from app.web.csp import DOCUMENT_POLICY

ALWAYS = [(name.lower().encode(), value.encode()) for name, value in ALWAYS_HEADERS.items()]
CREDENTIAL_PATH = [
    (name, b"no-referrer" if name == b"referrer-policy" else value) for name, value in ALWAYS
]


class SecurityHeaders:
    """ASGI middleware adding ``ALWAYS`` to every response (``CREDENTIAL_PATH`` to those
    of paths holding a credential), and ``DOCUMENT_POLICY`` to HTML that did not set its
    own policy (the map page sets a fuller one)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; add the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        always = CREDENTIAL_PATH if holds_credential(scope) else ALWAYS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [*message.get("headers", ()), *always]
                names = {name.lower() for name, _ in headers}
                content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
                html = content_type.startswith(b"text/html")
                if html and b"content-security-policy" not in names:
                    headers.append((b"content-security-policy", DOCUMENT_POLICY.encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)
