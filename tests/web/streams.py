"""Event streams held open from a chosen loopback address, as an attacker or a page would."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx


def client_at(address: str) -> httpx.Client:
    """A client whose connections come from ``address`` (any 127.x.y.z is this machine)."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=10)


@dataclass
class Opened:
    """An answer to a stream request: an open stream (its first line read; its line iterator
    kept, since dropping it hangs up) or a refusal, read."""

    response: httpx.Response
    lines: Iterator[str] | None = None

    @property
    def status_code(self) -> int:
        """The answer's status."""
        return self.response.status_code

    def close(self) -> None:
        """Hang up."""
        self.response.close()


def open_stream(client: httpx.Client, url: str) -> Opened:
    """Ask for a stream; return it once its text has begun, or the refusal."""
    response = client.send(client.build_request("GET", url), stream=True)
    if response.status_code != 200:
        response.read()
        return Opened(response)
    lines = response.iter_lines()
    assert next(lines).startswith("retry: ")
    return Opened(response, lines)


def streams_open(base: str) -> float:
    """The server's own count of event streams in progress (from /metrics)."""
    metrics = httpx.get(base + "/metrics").text
    [value] = re.findall(r"^aidmap_http_streams_open (\S+)$", metrics, re.MULTILINE)
    return float(value)


def hold_all(client: httpx.Client, url: str, count: int) -> list[Opened]:
    """``count`` open streams at once, retrying refusals for a few seconds (slots freed by
    streams just closed are given back as the server notices)."""
    held: list[Opened] = []
    deadline = time.monotonic() + 10
    while len(held) < count:
        response = open_stream(client, url)
        if response.status_code == 200:
            held.append(response)
        else:
            assert time.monotonic() < deadline, f"{len(held)} of {count} open, then refused"
            time.sleep(0.1)
    return held


def close_all(streams: list[Opened]) -> None:
    """Hang up every stream."""
    for stream in streams:
        stream.close()
