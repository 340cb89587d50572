"""Caps on open connections: per client key and in total; trusted proxies only in the total."""

from __future__ import annotations

import ipaddress

from app.serving.peers import CLIENT_CAP, SERVER_CAP, PeerTable


def test_a_client_over_its_cap_is_refused_until_one_of_its_connections_closes():
    table = PeerTable(total=10, per_client=2)
    keys = [table.admit("198.51.100.1") for _ in range(3)]
    assert keys[:2] == [("198.51.100.1", None)] * 2 and keys[2] == (None, CLIENT_CAP)
    assert table.admit("198.51.100.2") == ("198.51.100.2", None)  # others are not affected
    table.release("198.51.100.1")
    assert table.admit("198.51.100.1") == ("198.51.100.1", None)
    assert table.open == 3


def test_an_ipv6_client_is_capped_across_its_slash_64():
    table = PeerTable(total=10, per_client=2)
    assert table.admit("2001:db8::1")[1] is None and table.admit("2001:db8::2")[1] is None
    assert table.admit("2001:db8::3") == (None, CLIENT_CAP)
    assert table.admit("2001:db8:0:1::1")[1] is None


def test_the_total_cap_refuses_everyone_and_trusted_proxies_count_only_in_it():
    proxy = ipaddress.ip_network("10.0.0.0/8")
    table = PeerTable(total=3, per_client=1, trusted=(proxy,))
    assert [table.admit("10.0.0.5") for _ in range(2)] == [(None, None)] * 2
    assert table.admit("198.51.100.1") == ("198.51.100.1", None)
    assert table.admit("198.51.100.2") == (None, SERVER_CAP)
    assert table.admit("10.0.0.5") == (None, SERVER_CAP)
    table.release(None)
    assert table.admit("198.51.100.2") == ("198.51.100.2", None)
