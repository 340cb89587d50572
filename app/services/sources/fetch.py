"""Fetching a source's file over HTTP(S): conditionally, within a size and a time limit,
from public addresses only, following redirects by hand.

Each hop is checked as the first: its scheme (http or https), its host's addresses
(``addresses.resolve``), and the connection goes to the address checked, with the host
name kept for the ``Host`` header and for TLS (server name and certificate). What comes
back must be a file: an HTML page (a sign-in wall in front of a document that is not
shared), an empty answer or one over the size limit fails the fetch. A compressed answer
is decoded here, within the size limit, not by httpx: it expands each network read whole
(and each of stacked encodings inside the last), so a few hundred bytes could take
gigabytes before any limit looked. The time limit holds for the whole fetch (a watchdog
cuts the connection), not only for each read. Messages never hold the link itself, which
may carry a document's secret.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from app.services.sources.addresses import AddressRefused, resolve

MAX_BYTES = 20 * 2**20
"""The largest file a source may be: a sheet of 100,000 rows is well below it."""
MAX_REDIRECTS = 5
REDIRECTS = frozenset({301, 302, 303, 307, 308})
DEFAULT_PORTS = {"http": 80, "https": 443}
HTML_STARTS = (b"<!doctype", b"<html", b"<head", b"<body")
USER_AGENT = "aidmap-sources/1 (+a mutual-aid map reading a team's shared document)"
WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
"""The content encodings read (one at a time), as zlib's window bits."""
MAX_VALIDATOR = 512
"""Characters of an ETag or Last-Modified kept."""
WATCH_S = 0.1
"""How often the watchdog looks at the clock and the stop flag."""


class FetchFailed(Exception):
    """The fetch found no usable file; the message is safe to show (no link in it)."""


class FetchStopped(Exception):
    """The fetch was stopped from outside (the server is shutting down)."""


@dataclass(frozen=True, slots=True)
class FetchLimits:
    """How far a fetch may go."""

    timeout_s: float
    allow_private: bool = False
    max_bytes: int = MAX_BYTES


@dataclass(frozen=True, slots=True)
class Fetched:
    """A fetch's answer: the file, or None when the server says it has not changed."""

    data: bytes | None
    etag: str | None = None
    last_modified: str | None = None


def fetch(
    url: str,
    limits: FetchLimits,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    stop: threading.Event | None = None,
) -> Fetched:
    """GET ``url`` (conditionally, with the validators of the last file read)."""
    deadline = time.monotonic() + limits.timeout_s
    headers = {"User-Agent": USER_AGENT, "Accept": "text/csv, application/vnd.openxmlformats-"
               "officedocument.spreadsheetml.sheet, application/json;q=0.9, */*;q=0.5",
               "Accept-Encoding": "gzip, deflate"}  # fmt: skip
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = httpx.Timeout(limits.timeout_s)
    with (
        httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
        _Watchdog(deadline, stop) as watch,
    ):
        for _hop in range(MAX_REDIRECTS + 1):
            if watch.late():
                raise FetchFailed(f"no file within {limits.timeout_s:g} s")
            request = _pinned_request(client, url, headers, limits.allow_private, watch.trace)
            try:
                response = client.send(request, stream=True)
            except httpx.HTTPError as exc:
                if watch.stopped():
                    raise FetchStopped from None
                if isinstance(exc, httpx.TimeoutException) or watch.late():
                    raise FetchFailed(f"no answer within {limits.timeout_s:g} s") from None
                reason = type(exc).__name__
                raise FetchFailed(f"the server could not be reached ({reason})") from None
            try:
                if response.status_code in REDIRECTS and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                return _answer(response, limits, watch)
            finally:
                response.close()
    raise FetchFailed(f"more than {MAX_REDIRECTS} redirects")


def check_link(url: str) -> tuple[str, str, int]:
    """The scheme, host and port of an http(s) link, the host in ASCII (a name in another
    script as IDNA: what is resolved, sent as ``Host`` and checked by TLS); FetchFailed
    for any other link."""
    try:
        parts = urlsplit(url)
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except ValueError:  # UnicodeError too: a label empty or too long
        raise FetchFailed("the link is not a valid URL") from None
    if parts.scheme not in DEFAULT_PORTS:
        raise FetchFailed(f"only http and https links can be read, not {parts.scheme or '(none)'}")
    if not host:
        raise FetchFailed("the link names no host")
    return parts.scheme, host, port or DEFAULT_PORTS[parts.scheme]


def _pinned_request(
    client: httpx.Client, url: str, headers: dict[str, str], allow_private: bool, trace: Any
) -> httpx.Request:
    """A GET of ``url`` sent to the address its host was checked at."""
    scheme, host, port = check_link(url)
    try:
        address = resolve(host, port, allow_private)
    except AddressRefused as exc:
        raise FetchFailed(str(exc)) from None
    parts = urlsplit(url)
    literal = f"[{address}]" if ":" in address else address
    pinned = urlunsplit((scheme, f"{literal}:{port}", parts.path or "/", parts.query, ""))
    named = host if port == DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if ":" in host:  # an IPv6 literal keeps its brackets in Host
        named = f"[{host}]" if port == DEFAULT_PORTS[scheme] else f"[{host}]:{port}"
    extensions = {"trace": trace} | ({"sni_hostname": host} if scheme == "https" else {})
    return client.build_request(
        "GET", pinned, headers=headers | {"Host": named}, extensions=extensions
    )


def _answer(response: httpx.Response, limits: FetchLimits, watch: _Watchdog) -> Fetched:
    """The file of a final answer, read within the limits."""
    if response.status_code == 304:
        return Fetched(None)
    if response.status_code != 200:
        hint = " (is the document shared with anyone who has the link?)"
        shown = hint if response.status_code in (401, 403) else ""
        raise FetchFailed(f"the server answered {response.status_code}{shown}")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        raise FetchFailed(f"the file is larger than {limits.max_bytes // 2**20} MiB")
    decoder = _Decoder(response.headers.get("content-encoding", ""))
    chunks, size = [], 0
    try:
        for raw in response.iter_raw():
            if watch.stopped():
                raise FetchStopped
            chunk = decoder.decode(raw, limits.max_bytes - size + 1)
            size += len(chunk)
            if size > limits.max_bytes:
                raise FetchFailed(f"the file is larger than {limits.max_bytes // 2**20} MiB")
            if watch.late():
                raise FetchFailed(f"the file took over {limits.timeout_s:g} s to arrive")
            chunks.append(chunk)
    except httpx.HTTPError as exc:
        if watch.stopped():
            raise FetchStopped from None
        if watch.late():
            raise FetchFailed(f"the file took over {limits.timeout_s:g} s to arrive") from None
        if isinstance(exc, httpx.TimeoutException):
            raise FetchFailed(f"the file stopped arriving for {limits.timeout_s:g} s") from None
        raise FetchFailed(f"the file could not be read ({type(exc).__name__})") from None
    data = b"".join(chunks)
    _check_is_a_file(data, response.headers.get("content-type", ""))
    headers = response.headers
    return Fetched(data, _validator(headers.get("etag")), _validator(headers.get("last-modified")))


def _validator(value: str | None) -> str | None:
    """An ETag or Last-Modified worth keeping for the next conditional GET: printable ASCII
    of a sane length. httpx cannot send anything else back, and a value kept that it
    cannot send broke every later run before it asked."""
    if value is None or len(value) > MAX_VALIDATOR or not (value.isascii() and value.isprintable()):
        return None
    return value


class _Watchdog:
    """Cuts a fetch's connections once it is past its deadline or told to stop.

    httpx's timeouts bound each read, not the fetch: a server sending its headers (or its
    TLS handshake) a byte at a time held a fetch, and with it the poller, every source
    behind it and the server's shutdown, for as long as it liked. Each connection's socket
    is learnt from httpcore's trace as it opens (a duplicate of it, which outlives TLS
    taking the original over); shutting it down wakes the read blocked on it."""

    def __init__(self, deadline: float, stop: threading.Event | None) -> None:
        self.deadline, self.stop = deadline, stop
        self._sockets: list[socket.socket] = []
        self._cut = False
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="aidmap-fetch-watch", daemon=True)

    def __enter__(self) -> _Watchdog:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._done.set()
        self._thread.join()
        with self._lock:
            for sock in self._sockets:
                sock.close()

    def stopped(self) -> bool:
        """Whether the fetch was told to stop."""
        return self.stop is not None and self.stop.is_set()

    def late(self) -> bool:
        """Whether the fetch is past its deadline."""
        return time.monotonic() > self.deadline

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """httpcore's trace hook: keeps each new connection's socket."""
        if event != "connection.connect_tcp.complete":
            return
        opened = info["return_value"].get_extra_info("socket")
        with self._lock:
            self._sockets.append(socket.fromfd(opened.fileno(), opened.family, opened.type))
            if self._cut:
                _shut(self._sockets[-1])

    def _watch(self) -> None:
        while not self._done.wait(WATCH_S):
            if self.stopped() or self.late():
                with self._lock:
                    self._cut = True
                    for sock in self._sockets:
                        _shut(sock)
                return


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed
        sock.shutdown(socket.SHUT_RDWR)


class _Decoder:
    """Decodes an answer's content encoding (none, gzip or deflate) a read at a time, never
    to more bytes than asked; FetchFailed for another encoding or several."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding.strip().lower()
        wbits = WBITS.get(self.encoding)
        if self.encoding not in ("", "identity") and wbits is None:
            raise FetchFailed(f"the file came encoded as {self.encoding[:40]!r}, which is not read")
        self.inflate = None if wbits is None else zlib.decompressobj(wbits)
        self.first = True

    def decode(self, data: bytes, most: int) -> bytes:
        """``data`` decoded, cut at ``most`` bytes (more was there when it is that long)."""
        if self.inflate is None:
            return data
        first, self.first = self.first, False
        try:
            return self.inflate.decompress(data, most)
        except zlib.error:
            if first and self.encoding == "deflate":  # raw deflate, as some servers send it
                self.inflate = zlib.decompressobj(-zlib.MAX_WBITS)
                return self.decode(data, most)
            raise FetchFailed(f"the file's {self.encoding} encoding is broken") from None


def _check_is_a_file(data: bytes, content_type: str) -> None:
    """FetchFailed for an empty answer or an HTML page where a file was expected."""
    if not data.strip():
        raise FetchFailed("the file is empty")
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if content_type.lower().startswith(("text/html", "application/xhtml")) or start.startswith(
        HTML_STARTS
    ):
        raise FetchFailed(
            "the link gave a web page, not a file: a sign-in page? Share the document so "
            "that anyone with the link can view it, and use its CSV or XLSX export link"
        )
