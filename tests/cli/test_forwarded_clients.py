"""Who the client is, behind a real ``aidmap serve`` (issue 13, findings 9 and 18):
X-Forwarded-For is believed only from AIDMAP_TRUSTED_PROXIES, and per-client limits key an
IPv6 client by its /64. New shares (30 per client per 10 minutes) show the key; the access
log shows the client it records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.cli.serving import free_port, start_serve, stop, wait_healthy
from tests.polling import wait_until

pytestmark = pytest.mark.server
SHARES_PER_CLIENT = 30


def serve(tmp: Path, env: dict[str, str]) -> Iterator[tuple[str, Path]]:
    port, log = free_port(), tmp / "serve.log"
    process = start_serve(tmp / "data", port, log, env=env)
    try:
        wait_healthy(process, port)
        yield f"http://127.0.0.1:{port}", log
    finally:
        stop(process)


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The defaults: no trusted proxy."""
    yield from serve(tmp_path_factory.mktemp("plain"), {})


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """Proxies at 127.0.0.1 and 127.0.0.3; 127.0.0.4 is a client like any other."""
    env = {"AIDMAP_TRUSTED_PROXIES": "127.0.0.1, 127.0.0.3/32"}
    yield from serve(tmp_path_factory.mktemp("proxied"), env)


def share_statuses(base: str, source: str, forwarded_for: list[str]) -> list[int]:
    """The status of each new share sent from ``source`` with these X-Forwarded-For values."""
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(base_url=base, transport=transport, timeout=10) as client:
        return [
            client.post(
                "/api/v1/share",
                json={"center": [121.0 + index / 100, 31.2], "zoom": 12},
                headers={"X-Forwarded-For": value},
            ).status_code
            for index, value in enumerate(forwarded_for)
        ]


def logged_shares(log: Path) -> list[str]:
    """The client of each share request in the access log, in order."""
    lines = (json.loads(line) for line in log.read_text().splitlines() if line.startswith("{"))
    return [line["client"] for line in lines if line.get("path") == "/api/v1/share"]


def clients_logged_since(log: Path, seen: int, sent: int) -> set[str]:
    """The clients of the ``sent`` share requests logged after the first ``seen``; waits for
    their lines, since a request is logged once its answer has gone."""
    wait_until(lambda: len(logged_shares(log)) >= seen + sent)
    return set(logged_shares(log)[seen:])


def test_without_trusted_proxies_an_invented_forwarded_for_changes_nothing(plain):
    """The review's loophole: on loopback, a new X-Forwarded-For per request made every
    share a new client's (30,000 shares in 44 s)."""
    base, log = plain
    seen = len(logged_shares(log))
    invented = [f"198.51.100.{n}" for n in range(SHARES_PER_CLIENT + 1)]
    statuses = share_statuses(base, "127.0.0.1", invented)
    assert statuses == [201] * SHARES_PER_CLIENT + [429]
    assert clients_logged_since(log, seen, len(invented)) == {"127.0.0.1"}


def test_a_trusted_proxy_names_the_client_and_others_cannot(proxied):
    base, log = proxied
    seen = len(logged_shares(log))
    # The proxy appends the address it saw; what the client wrote before it is not believed.
    chain = [f"10.9.{n}.1, 203.0.113.7" for n in range(SHARES_PER_CLIENT + 1)]
    assert share_statuses(base, "127.0.0.3", chain) == [201] * SHARES_PER_CLIENT + [429]
    assert share_statuses(base, "127.0.0.3", ["203.0.113.8"]) == [201]  # another client
    invented = [f"198.51.100.{n}" for n in range(SHARES_PER_CLIENT + 1)]
    assert share_statuses(base, "127.0.0.4", invented) == [201] * SHARES_PER_CLIENT + [429]
    clients = clients_logged_since(log, seen, 2 * len(chain) + 1)
    assert clients == {"203.0.113.7", "203.0.113.8", "127.0.0.4"}


def test_an_ipv6_client_is_keyed_by_its_slash_64(proxied):
    """One host owns a whole /64: a new address per request is still the same client."""
    base, log = proxied
    seen = len(logged_shares(log))
    rotating = [f"2001:db8:1:2::{n:x}" for n in range(1, SHARES_PER_CLIENT + 2)]
    statuses = share_statuses(base, "127.0.0.1", rotating)
    assert statuses == [201] * SHARES_PER_CLIENT + [429]
    assert share_statuses(base, "127.0.0.1", ["2001:db8:1:3::1"]) == [201]  # the next /64
    clients = clients_logged_since(log, seen, len(rotating) + 1)
    assert clients == {"2001:db8:1:2::/64", "2001:db8:1:3::/64"}
