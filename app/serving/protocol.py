"""uvicorn's httptools protocol with deadlines for slow clients and caps on connections.

A connection is always in one phase, read from uvicorn's own state after each parser or
response event, and each phase has its deadline:

- **head** (from connecting, or from the previous answer, until the request's headers are
  in): ``header_s`` in all, and at most ``MAX_HEAD_BYTES``. Sending a byte now and then
  does not extend it; uvicorn's shorter keep-alive timeout still closes a silent idle one.
- **body** (until the request's body is in): ``body_s`` plus one second for every
  ``body_min_rate`` bytes received, so a steady upload at that rate never runs out while
  a stalled or trickling one does. The clock restarts while the app is not reading
  (uvicorn paused reading, or a ``100-continue`` not yet sent): that wait is ours.
- **answer** (the app is answering): none, so event streams stay open for minutes.

In any phase, an answer the client leaves unread for ``send_s`` (uvicorn has paused
writing) drops the connection. Only httptools is wrapped: ``uvicorn[standard]`` always
brings it, and one implementation is one set of internals to follow.
"""

from __future__ import annotations

import asyncio
import http
import json
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.errors import error_body
from app.core.http_headers import ALWAYS
from app.core.metrics import CONNECTIONS_CUT, CONNECTIONS_OPEN
from app.serving.peers import Cut, PeerTable

MAX_HEAD_BYTES = 32 * 1024
"""Request line and headers together (httptools itself keeps reading them without end)."""
HEAD, BODY, ANSWER = "head", "body", "answer"

HEADER_TIMEOUT = Cut(
    "header_timeout", 408, "request_timeout", "the request's headers took too long"
)
HEADER_SIZE = Cut("header_size", 431, "headers_too_large", "the request's headers are too large")
BODY_TIMEOUT = Cut("body_timeout", 408, "request_timeout", "the request's body came too slowly")
SEND_TIMEOUT = Cut("send_timeout")


@dataclass(frozen=True)
class Deadlines:
    """How long a client may take, in seconds (``body_min_rate`` in bytes a second)."""

    header_s: float
    body_s: float
    body_min_rate: float
    send_s: float


class GuardedProtocol(HttpToolsProtocol):
    """One HTTP/1.1 connection of ``aidmap serve``; see the module's docstring.

    Subclasses made by ``guarded_protocol`` carry the deadlines and the process's table of
    open connections.
    """

    deadlines: ClassVar[Deadlines]
    peers: ClassVar[PeerTable]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._phase: str | None = None
        self._deadline: asyncio.TimerHandle | None = None
        self._send_deadline: asyncio.TimerHandle | None = None
        self._head_bytes = self._heads = 0
        self._body_bytes, self._body_clock = 0, 0.0
        self._admitted, self._key = False, None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Admit the connection under the caps (or refuse it at once) and start its clock."""
        super().connection_made(transport)
        self._key, refused = self.peers.admit(self.client[0] if self.client else None)
        if refused is not None:
            self._cut(refused)
            return
        self._admitted = True
        CONNECTIONS_OPEN.inc()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the clocks and give the connection's place back."""
        for timer in (self._deadline, self._send_deadline):
            if timer is not None:
                timer.cancel()
        if self._admitted:
            self._admitted = False
            self.peers.release(self._key)
            CONNECTIONS_OPEN.dec()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Parse, and count the bytes of a head that is not complete yet: ``data`` that
        neither completed a head nor belonged to a body, before or after."""
        heads, phase = self._heads, self._phase
        super().data_received(data)
        if self._heads == heads and BODY not in (phase, self._phase):
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._cut(HEADER_SIZE)

    def on_headers_complete(self) -> None:
        """A request's head is in: its body (if any) is next."""
        super().on_headers_complete()
        self._heads += 1
        self._head_bytes = self._body_bytes = 0
        self._follow()

    def on_body(self, body: bytes) -> None:
        """Count the body's bytes, which extend its deadline."""
        self._body_bytes += len(body)
        super().on_body(body)

    def on_message_complete(self) -> None:
        """The request's body is in."""
        super().on_message_complete()
        self._follow()

    def on_response_complete(self) -> None:
        """An answer is sent: the next request's head is awaited (unless one is queued)."""
        super().on_response_complete()
        self._follow()

    def pause_writing(self) -> None:
        """The client stopped reading: it has ``send_s`` to start again."""
        super().pause_writing()
        if self._send_deadline is None:
            self._send_deadline = self.loop.call_later(self.deadlines.send_s, self._unread)

    def resume_writing(self) -> None:
        """The client reads again."""
        super().resume_writing()
        if self._send_deadline is not None:
            self._send_deadline.cancel()
            self._send_deadline = None

    def _unsupported_upgrade_warning(self) -> None:
        """Answer an ``Upgrade: websocket`` request as plain HTTP without uvicorn's two
        warnings (WebSockets are off: no route uses them), which any client could have
        written to the log with every request."""

    def _follow(self) -> None:
        """Enter the phase uvicorn's state says the connection is in, with its deadline."""
        cycle = self.cycle
        if cycle is None or cycle.response_complete:
            phase = HEAD
        else:
            phase = BODY if cycle.more_body else ANSWER
        if phase == self._phase or self.transport.is_closing():
            return
        self._phase = phase
        self._disarm()
        if phase == HEAD:
            self._deadline = self.loop.call_later(
                self.deadlines.header_s, self._cut, HEADER_TIMEOUT
            )
        elif phase == BODY:
            self._body_clock = self.loop.time()
            self._body_overdue()

    def _disarm(self) -> None:
        """Cancel the phase's deadline."""
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _body_overdue(self) -> None:
        """Cut a body that is behind its deadline; else check again when it would be."""
        now, cycle = self.loop.time(), self.cycle
        if self.flow.read_paused or cycle.waiting_for_100_continue:  # the app is not reading
            self._body_clock, self._body_bytes = now, 0
        allowed = self.deadlines.body_s + self._body_bytes / self.deadlines.body_min_rate
        if now >= self._body_clock + allowed:
            self._cut(BODY_TIMEOUT)
        else:
            self._deadline = self.loop.call_at(self._body_clock + allowed, self._body_overdue)

    def _unread(self) -> None:
        """Drop a connection whose answer has gone unread too long (a close would wait for
        the buffered answer to be sent)."""
        self._send_deadline = None
        CONNECTIONS_CUT.labels(SEND_TIMEOUT.reason).inc()
        self.transport.abort()

    def _cut(self, cut: Cut) -> None:
        """Close the connection for ``cut``, answering first when its error can be the answer
        to the request being read."""
        self._disarm()
        if self.transport.is_closing():
            return
        CONNECTIONS_CUT.labels(cut.reason).inc()
        if cut.status and self._may_answer():
            self.transport.write(error_response(cut))
        if self._phase == BODY:
            self.cycle.disconnected = True  # the app's receive() ends; its answer goes nowhere
        self.transport.close()

    def _may_answer(self) -> bool:
        """Whether no answer to the request being read has started: a body still coming in,
        or a new head (not the rest of a body the app left unread) of at least one byte.
        Refused and silent idle connections are closed without a word."""
        cycle = self.cycle
        if self._phase == BODY:
            return not cycle.response_started
        new_head = self._phase == HEAD and (cycle is None or not cycle.more_body)
        return new_head and self._head_bytes > 0


@cache
def error_response(cut: Cut) -> bytes:
    """A whole HTTP/1.1 answer with the API's JSON error body, closing the connection."""
    body = json.dumps(error_body(cut.code, cut.message)).encode()
    headers = {"Content-Type": "application/json", "Content-Length": str(len(body)),
               "Connection": "close", **ALWAYS}  # fmt: skip
    head = [f"HTTP/1.1 {cut.status} {http.HTTPStatus(cut.status).phrase}"]
    head += [f"{name}: {value}" for name, value in headers.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def guarded_protocol(deadlines: Deadlines, peers: PeerTable) -> type[GuardedProtocol]:
    """The protocol class to give uvicorn (``Config(http=…)``) for these limits."""
    return type("AidmapHttpProtocol", (GuardedProtocol,), {"deadlines": deadlines, "peers": peers})
