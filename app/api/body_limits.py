"""Request body limits in bytes, per route (FastAPI's ``max_body_size``).

Past its limit a request gets 413 before the endpoint runs: a declared Content-Length is
checked first (``declared_length_within_limit``, also for routes that never read a body),
and the bytes are counted as they arrive, so neither a chunked body nor a false length gets
further, and nothing is parsed, spooled or half applied.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.errors import HTTP_ERROR_CODES, TooLarge, error_body

DEFAULT = 64 * 1024
"""Every route without its own limit (the app's)."""
IMPORT_FILE = 20 * 1024 * 1024
"""The largest spreadsheet an import accepts."""
IMPORT = IMPORT_FILE + 64 * 1024
"""An import request: the file and its multipart form."""
STATUS_BATCH = 2_000_000
STATUS = 16 * 1024
VERIFY = 1024
"""A verification, a claim: no body to speak of."""
HOSPITAL = 16 * 1024
"""A hospital added or edited by hand: names, aliases, address, phones, services, a point."""
LOCATION = 4096
"""A point, or a pasted link or share text (at most 2,000 characters)."""
CLOSE_REPORT = 4096
"""A verifier's note on closing a problem report."""
PUBLIC_FORM = 4096
"""What anyone may send without a token: a problem report, a view to share."""
HELP_FORM = 8 * 1024
"""A help request: up to 1,000 characters of text (3 bytes each in Chinese) and the rest."""


def declared_length_within_limit(request: Request) -> None:
    """Refuse a declared body over the route's limit before the endpoint runs
    (``CheckedRoute``): the framework checks the length only when the body is read or the
    answer starts, so a route that reads no body (a verification, a revocation) would act
    first and be refused after."""
    limit = request.scope.get(MAX_BODY_SIZE_SCOPE_KEY)
    declared = request.headers.get("content-length", "")
    if limit is not None and declared.isdigit() and int(declared) > limit:
        raise TooLarge(TOO_LARGE["error"]["message"])


class JsonTooLarge:
    """ASGI middleware giving the framework's plain-text 413 the API's JSON error body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on; replace a plain 413 answer with ours."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_json_413(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and message["status"] == 413:
                headers = dict(message.get("headers", ()))
                if headers.get(b"content-type", b"").startswith(b"text/plain"):
                    replaced = True
                    await JSONResponse(TOO_LARGE, status_code=413)(scope, receive, send)
                    return
            if not replaced:
                await send(message)

        await self.app(scope, receive, send_json_413)


TOO_LARGE = error_body(HTTP_ERROR_CODES[413], "Content Too Large")
