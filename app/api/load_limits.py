"""Bounds on the public work one process does at once: anonymous reads, share images
(previews and posters), exports, typed-address lookups; and on the call queue, whoever asks.

Each class of request has a few slots. A request waits for one in the event loop (holding
no worker thread and no database connection) for a few seconds at most, and is answered
503 ``busy`` with Retry-After when none frees. Anonymous reads get fewer slots than the
store has read connections, so a read load leaves connections (and worker threads) to
signed-in requests and to writes, which are never bounded here.

Each client (address, as per-client limits count it) holds at most ``per_client`` of a
class's slots and waits for at most ``queued`` more: one address with 60 keep-alive
connections cannot take every slot from the people looking for a hospital. Past that its
requests are answered 429 at once. (Phones behind one carrier NAT share an address: they
are served a few at a time, not refused, up to the queue.) A signed-in caller of the call
queue is one client by its credential instead: volunteers behind one proxy are not one.

A slot is held while the answer is computed and given back when its first byte is sent,
so a client that reads slowly holds none; an export, whose file is written while it is
sent, holds its slot to the end, with at most ``SEND_TIMEOUT_S`` for each piece to leave.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import cookie_parser
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.session_cookie import COOKIE
from app.core.addresses import client_key
from app.core.errors import error_body
from app.core.prefix import route_path
from app.services.auth import RecentSignIns, hash_token

log = logging.getLogger("aidmap")
SEND_TIMEOUT_S = 60.0
"""Longest wait for a client to take one piece of an export before it is dropped."""


@dataclass(frozen=True, slots=True)
class Bound:
    """One class of bounded requests: how many at once, how long to wait for a slot."""

    name: str
    slots: int
    wait_s: float
    retry_after_s: int
    per_client: int
    """Slots one client may hold at once."""
    queued: int
    """Requests one client may have waiting besides those (more: 429 at once)."""
    until_sent: bool = False
    """Hold the slot until the whole answer is sent (work continues while it is)."""
    by_credential: bool = False
    """A signed-in caller is a client by its credential, not by its address."""


READS = Bound("reads", slots=4, wait_s=5.0, retry_after_s=2, per_client=2, queued=14)
"""Anonymous GETs that may read the store: fewer than any backend's read connections. One
process runs Python on one core at a time: more slots did not read faster at 100k
hospitals, and made a volunteer's write wait longer for its turn (docs/decisions.md)."""
PREVIEWS = Bound("previews", slots=2, wait_s=2.0, retry_after_s=5, per_client=1, queued=3)
"""Share images a request may draw: a preview (a 2400×1172 picture, ~10 MB, scaled down)
or a poster (1080×2340, twice a preview's time). A poster is cached, but only until the
next status write anywhere: as a read, a loop over a few shares' posters while
volunteers report held the read slots the map needs (a map read's p50 10 → 612 ms)."""
EXPORTS = Bound(
    "exports", slots=2, wait_s=2.0, retry_after_s=10, per_client=1, queued=1, until_sent=True
)
"""Whole-layer exports: each holds the layer in memory while its file is written."""
GEOCODES = Bound("geocodes", slots=8, wait_s=5.0, retry_after_s=2, per_client=2, queued=6)
"""Anonymous typed-address lookups: their own threads bound the work (``PublicGeocoder``),
these bound how many one address has under way, so one client's loop cannot take every
provider line and every offline thread from the people typing their address."""
QUEUES = Bound(
    "queues", slots=2, wait_s=10.0, retry_after_s=5, per_client=1, queued=3, by_credential=True
)
"""The call queue, signed in or not: each answer reads every hospital (1.2 s at 20,000), and
every open workspace asks again each 30 s; unbounded, one session's loop took the process
from everyone else (the public map included)."""
QUEUE_PATH = "/api/v1/verification-queue"
BOUNDS = (READS, PREVIEWS, EXPORTS, GEOCODES, QUEUES)
PREVIEW_PATH = re.compile(r"/s/[^/]+/(?:preview|poster)\.png")
UNBOUNDED_PREFIXES = (
    "/livez",  # must answer whatever the load
    "/metrics",
    "/static/",  # files from disk
    "/api/v1/events",  # long-lived streams, limited by their own count
    "/api/v1/nearest",  # answered from memory on the event loop
)
GEOCODE_PATH = "/api/v1/geocode"


def bound_for(scope: Scope, signed_in: RecentSignIns) -> Bound | None:
    """The bound a request falls under, or None for requests that are not bounded here:
    anything but GET/HEAD, reads with a token that signed in lately, and the paths above."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return None
    path = route_path(scope)
    if PREVIEW_PATH.fullmatch(path):
        return PREVIEWS
    if path.startswith("/api/v1/exports/"):
        return EXPORTS
    if path == QUEUE_PATH:
        return QUEUES
    if path.startswith(UNBOUNDED_PREFIXES) or signed_in_secret(scope, signed_in) is not None:
        return None
    return GEOCODES if path == GEOCODE_PATH else READS


def signed_in_secret(scope: Scope, signed_in: RecentSignIns) -> str | None:
    """The bearer token, or else the session cookie, of the request when it signed in
    lately (not merely a header); else None."""
    cookies = ""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, secret = value.decode("latin-1").partition(" ")
            live = scheme.lower() == "bearer" and signed_in.knows(secret.strip())
            return secret.strip() if live else None
        if name == b"cookie":
            cookies = value.decode("latin-1")
    secret = cookie_parser(cookies).get(COOKIE) if cookies else None
    return secret if secret is not None and signed_in.knows(secret) else None


def client_of(scope: Scope, bound: Bound, signed_in: RecentSignIns) -> str:
    """Who holds a share of ``bound``: the address, or a signed-in credential (by its hash)
    where the bound says so."""
    if bound.by_credential:
        secret = signed_in_secret(scope, signed_in)
        if secret is not None:
            return "credential:" + hash_token(secret)
    return client_key((scope.get("client") or (None,))[0])


class ClientTooSlow(Exception):
    """A client did not take a piece of an answer within ``SEND_TIMEOUT_S``."""


class _ClientTurns:
    """One client's share of a bound: a semaphore of ``per_client`` and how many of its
    requests hold or wait for it (dropped when none do, so idle clients cost nothing)."""

    __slots__ = ("count", "share")

    def __init__(self, per_client: int) -> None:
        self.share = asyncio.Semaphore(per_client)
        self.count = 0


class LoadLimits:
    """ASGI middleware that keeps each bounded class of requests within its slots, and
    each client within its share of them."""

    def __init__(self, app: ASGIApp, signed_in: RecentSignIns) -> None:
        self.app = app
        self.signed_in = signed_in
        self._loop: asyncio.AbstractEventLoop | None = None
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._clients: dict[tuple[str, str], _ClientTurns] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer within the request's bound: 429 when the client already has its share
        waiting, 503 when no slot frees in time."""
        bound = bound_for(scope, self.signed_in)
        if bound is None:
            return await self.app(scope, receive, send)
        slots = self._semaphores()[bound.name]
        client = (bound.name, client_of(scope, bound, self.signed_in))
        turns = self._clients.get(client) or self._clients.setdefault(
            client, _ClientTurns(bound.per_client)
        )
        if turns.count >= bound.per_client + bound.queued:
            body = error_body("too_many_requests", f"too many {bound.name} at once from this "
                              "address; wait for the ones under way")  # fmt: skip
            headers = {"Retry-After": str(bound.retry_after_s)}
            return await JSONResponse(body, 429, headers)(scope, receive, send)
        turns.count += 1
        counted = True

        def leave() -> None:
            nonlocal counted
            if counted:
                counted = False
                turns.count -= 1
                if turns.count == 0 and self._clients.get(client) is turns:
                    del self._clients[client]

        try:
            await self._answer(bound, slots, turns.share, leave, scope, receive, send)
        finally:
            leave()

    async def _answer(
        self,
        bound: Bound,
        slots: asyncio.Semaphore,
        share: asyncio.Semaphore,
        leave: Callable[[], None],
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        """Take the client's turn, then a slot (both within ``wait_s``), and answer; the
        request stops counting against the client (``leave``) when it gives its slot
        back. Counted until the app returned, a request whose answer had left still
        counted while the app finished after it, so a client on 16 keep-alive
        connections, sending its next request as an answer came, could be refused 429
        for a share it no longer held."""
        try:
            async with asyncio.timeout(bound.wait_s):
                await share.acquire()
                try:
                    await slots.acquire()
                except BaseException:
                    share.release()
                    raise
        except TimeoutError:
            body = error_body("busy", f"too many {bound.name} at once on this server; try again")
            headers = {"Retry-After": str(bound.retry_after_s)}
            return await JSONResponse(body, 503, headers)(scope, receive, send)
        held = True

        def give_back() -> None:
            nonlocal held
            if held:
                held = False
                slots.release()
                share.release()
                leave()

        async def bounded_send(message: Message) -> None:
            if not bound.until_sent and message["type"] == "http.response.start":
                give_back()
            if not held:
                return await send(message)
            try:
                await asyncio.wait_for(send(message), SEND_TIMEOUT_S)
            except TimeoutError:
                raise ClientTooSlow from None

        try:
            await self.app(scope, receive, bounded_send)
        except ClientTooSlow:
            log.warning("dropped a client that took no part of an answer for %s s", SEND_TIMEOUT_S)
        finally:
            give_back()

    def _semaphores(self) -> dict[str, asyncio.Semaphore]:
        """The slots of the running event loop (a test may run the app in several)."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._slots = {bound.name: asyncio.Semaphore(bound.slots) for bound in BOUNDS}
            self._clients.clear()
        return self._slots
