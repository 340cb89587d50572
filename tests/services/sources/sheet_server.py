"""A local stand-in for a shared document's export link, in a thread of the test.

Each path answers what its ``Sheet`` says, which a test changes between polls: a file with
an ETag (and a 304 when the client's If-None-Match names it), a redirect, a status, a
delay, headers sent a byte at a time, a body sent without Content-Length or with headers
of its own. Every request is recorded with its headers, and the most requests answered at
once is kept (``max_active``). Use it as a context manager: leaving stops it, wakes slow
handlers and joins every handler thread.
"""

from __future__ import annotations

import hashlib
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

CHUNK = 64 * 1024


@dataclass
class Sheet:
    """What one path answers."""

    body: bytes = b""
    content_type: str = "text/csv; charset=utf-8"
    status: int = 200
    location: str | None = None
    """Answer 302 to here."""
    delay_s: float = 0.0
    """Wait this long before answering (woken when the server stops)."""
    declare_length: bool = True
    etag: bool = True
    """Send an ETag (the body's hash) and answer 304 to a matching If-None-Match."""
    gate: threading.Event | None = None
    """Hold the answer until this is set (or the server stops)."""
    headers: dict[str, str] = field(default_factory=dict)
    """More headers of the answer (``Content-Encoding``)."""
    drip_s: float = 0.0
    """Send the status line, then a byte of a header every 0.2 s for this long (never a
    pause the client's read timeout would catch)."""

    @property
    def tag(self) -> str:
        """The body's ETag."""
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@dataclass(frozen=True)
class Seen:
    """A request the server received."""

    path: str
    headers: dict[str, str] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True

    def __init__(self, owner: SheetServer, host: str) -> None:
        super().__init__((host, 0), _Handler)
        self.owner = owner


class SheetServer:
    """Serves ``sheets`` (path → Sheet) on ``host`` (a free port), over TLS with ``tls``;
    a context manager."""

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.sheets: dict[str, Sheet] = {}
        self.requests: list[Seen] = []
        self.active = self.max_active = 0
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = _Server(self, host)
        self.scheme = "http" if tls is None else "https"
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        """The link of ``path`` on this server."""
        host, port = self._server.server_address[:2]
        return f"{self.scheme}://{host}:{port}{path}"

    def __enter__(self) -> SheetServer:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stopping.set()
        for sheet in self.sheets.values():
            if sheet.gate is not None:
                sheet.gate.set()
        self._server.shutdown()
        self._thread.join()
        self._server.server_close()

    def hits(self, path: str) -> list[Seen]:
        """The requests of ``path`` so far."""
        with self._lock:
            return [seen for seen in self.requests if seen.path == path]

    def _enter(self, seen: Seen) -> None:
        with self._lock:
            self.requests.append(seen)
            self.active += 1
            self.max_active = max(self.max_active, self.active)

    def _leave(self) -> None:
        with self._lock:
            self.active -= 1


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        owner = self.server.owner
        path = self.path.partition("?")[0]
        owner._enter(Seen(path, {k.lower(): v for k, v in self.headers.items()}))
        try:
            self._answer(owner, owner.sheets.get(path))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a size or time limit): as it should
        finally:
            owner._leave()

    def _answer(self, owner: SheetServer, sheet: Sheet | None) -> None:
        if sheet is None:
            self.send_error(404)
            return
        if sheet.delay_s:
            owner.stopping.wait(sheet.delay_s)
        if sheet.drip_s:
            self._drip(owner, sheet.drip_s)
            return
        if sheet.gate is not None:
            sheet.gate.wait(30)
        if sheet.location is not None:
            self.send_response(302)
            self.send_header("Location", sheet.location)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if sheet.etag and self.headers.get("If-None-Match") == sheet.tag:
            self.send_response(304)
            self.send_header("ETag", sheet.tag)
            self.end_headers()
            return
        self.send_response(sheet.status)
        self.send_header("Content-Type", sheet.content_type)
        if sheet.etag:
            self.send_header("ETag", sheet.tag)
        for name, value in sheet.headers.items():
            self.send_header(name, value)
        if sheet.declare_length:
            self.send_header("Content-Length", str(len(sheet.body)))
        else:
            self.close_connection = True
        self.end_headers()
        view = memoryview(sheet.body)
        for start in range(0, len(view), CHUNK):
            self.wfile.write(view[start : start + CHUNK])

    def _drip(self, owner: SheetServer, seconds: float) -> None:
        self.close_connection = True
        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        until = time.monotonic() + seconds
        while time.monotonic() < until and not owner.stopping.wait(0.2):
            self.wfile.write(b"x")
