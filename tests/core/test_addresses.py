"""Client keys of per-client limits, and which peers are trusted proxies."""

from __future__ import annotations

import ipaddress

import pytest

from app.core.addresses import client_key, is_trusted


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # an IPv4 client on a dual-stack socket
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:0DB8:0001:0002::0001", "2001:db8:1:2::/64"),  # however it is written
        ("fe80::1%eth0", "fe80::/64"),
        ("testclient", "testclient"),
        ("x" * 300, "x" * 64),
        (None, "unknown"),
        ("", "unknown"),
    ],
)
def test_client_keys(host: str | None, key: str):
    assert client_key(host) == key


def test_ipv4_clients_are_never_lumped_together():
    assert client_key("::ffff:198.51.100.1") != client_key("::ffff:198.51.100.2")


def test_trusted_peers_are_those_in_the_networks():
    networks = (ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("fd00::/8"))
    assert is_trusted("10.1.2.3", networks) and is_trusted("::ffff:10.1.2.3", networks)
    assert is_trusted("fd12::1", networks)
    assert not is_trusted("11.0.0.1", networks) and not is_trusted("fe80::1", networks)
    assert not is_trusted("proxy.internal", networks) and not is_trusted(None, networks)
    assert not is_trusted("10.1.2.3", ())
