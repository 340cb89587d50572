"""Which client a request is from, as ``aidmap serve``'s forwarded-header layer decides it:
the right-most address in X-Forwarded-For that is not a trusted proxy, and only when the
connection itself comes from one (AIDMAP_TRUSTED_PROXIES)."""

from __future__ import annotations

import asyncio
import ipaddress

import pytest

from app.serving.forwarded import ForwardedHost
from app.serving.server import forwarded_allow_ips

PROXIES = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("10.0.0.0/8"))


def seen(peer: str, headers: list[tuple[str, str]], trusted=PROXIES) -> tuple[str, str]:
    """The client address and scheme the app sees for a request from ``peer``."""
    scope: dict = {}

    async def app(inner, receive, send) -> None:
        scope.update(inner)

    served = ForwardedHost(app, trusted, forwarded_allow_ips(trusted))
    raw = [(name.lower().encode(), value.encode()) for name, value in headers]
    request = {"type": "http", "scheme": "http", "client": (peer, 50000), "headers": raw}
    asyncio.run(served(request, None, None))
    return scope["client"][0], scope["scheme"]


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        (["203.0.113.7"], "203.0.113.7"),
        # What the client wrote before the proxy's own entry is not believed.
        (["198.51.100.1, 203.0.113.7"], "203.0.113.7"),
        # Proxies in a chain (10.x inside, 127.0.0.1 here) are skipped from the right.
        (["198.51.100.1, 203.0.113.7, 10.0.0.5"], "203.0.113.7"),
        # Several headers are one list, in order.
        (["198.51.100.1", "203.0.113.9, 10.1.2.3"], "203.0.113.9"),
        (["2001:db8::1"], "2001:db8::1"),
    ],
)
def test_a_trusted_proxy_names_the_right_most_untrusted_address(forwarded, client):
    headers = [("X-Forwarded-For", value) for value in forwarded]
    assert seen("127.0.0.1", [*headers, ("X-Forwarded-Proto", "https")]) == (client, "https")


def test_a_direct_client_cannot_name_another_client_or_scheme():
    headers = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")]
    assert seen("192.0.2.44", headers) == ("192.0.2.44", "http")


def test_without_trusted_proxies_even_loopback_is_not_believed():
    """uvicorn alone trusts 127.0.0.1 by default; aidmap serve trusts nobody by default."""
    headers = [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-Proto", "https")]
    assert seen("127.0.0.1", headers, trusted=()) == ("127.0.0.1", "http")
