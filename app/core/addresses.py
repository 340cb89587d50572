"""Client addresses as per-client limits see them, and the proxies allowed to forward them."""

from __future__ import annotations

import ipaddress
from functools import lru_cache

IPV6_CLIENT_PREFIX = 64
"""An IPv6 host is handed a whole /64 and can rotate through it freely: it is one client."""
MAX_KEY_LENGTH = 64
"""A host that is no IP address (a test client's name) is cut to this many characters."""
UNKNOWN = "unknown"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=4096)
def client_key(host: str | None) -> str:
    """The key that per-client limits count a ``host`` under: an IPv4 address as it is (also
    when written IPv4-mapped, ``::ffff:1.2.3.4``, as on a dual-stack socket), an IPv6
    address's /64 network, anything else cut to ``MAX_KEY_LENGTH`` characters."""
    if not host:
        return UNKNOWN
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:MAX_KEY_LENGTH]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        return str(network)
    return str(address)


def is_trusted(host: str | None, networks: tuple[IPNetwork, ...]) -> bool:
    """Whether ``host`` (a connection's peer address) lies in one of ``networks``."""
    if not host or not networks:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)
