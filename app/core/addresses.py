"""Client addresses as per-client limits see them, the proxies allowed to forward them, and
the plain ``host[:port]`` a forwarded host must be."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

IPV6_CLIENT_PREFIX = 64
"""An IPv6 host is handed a whole /64 and can rotate through it freely: it is one client."""
MAX_KEY_LENGTH = 64
"""A host that is no IP address (a test client's name) is cut to this many characters."""
UNKNOWN = "unknown"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
HOST_PORT = re.compile(
    r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}"
    r"[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$"
)
"""A host name, IPv4 address or bracketed IPv6 address, with an optional port: nothing
that could end a URL's authority early (``/``, ``@``, ``?``, ``#``) or carry markup."""


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
