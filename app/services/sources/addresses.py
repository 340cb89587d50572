"""Which addresses a source may be fetched from: public ones only, unless the deployment
allows private ones (``AIDMAP_SOURCE_ALLOW_PRIVATE``).

A source's link is typed by a coordinator, so without this check aidmap would fetch
whatever it is pointed at inside its own network (a metadata service, an admin page) and
show it back as a failed run's error. The host is resolved once and the fetch connects to
the address checked here, so a name that resolves differently a moment later (DNS
rebinding) cannot slip past.
"""

from __future__ import annotations

import ipaddress
import socket

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
"""IPv6 addresses that a NAT64 gateway turns into the IPv4 address in their last 32 bits."""


class AddressRefused(Exception):
    """The host cannot be resolved, or resolves to an address sources may not use; the
    message is safe to show (it names the host, never the link)."""


def is_public(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address: not private, loopback, link-local,
    multicast, reserved or unspecified, including IPv4 inside IPv6 (mapped, 6to4, Teredo,
    NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = address.ipv4_mapped or address.sixtofour or (address.teredo or (None, None))[1]
        if inner is None and address in NAT64:
            inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if inner is not None:  # reached through the IPv4 address inside
            return is_public(inner)
    blocked = (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
    )  # fmt: skip
    return address.is_global and not blocked


def resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to for ``host``: every address it resolves to must be public
    (unless ``allow_private``); the first is used."""
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        found = [literal]
    else:
        try:
            answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as exc:
            raise AddressRefused(f"{host} cannot be resolved ({exc})") from None
        found = [ipaddress.ip_address(str(answer[4][0]).partition("%")[0]) for answer in answers]
    if not found:
        raise AddressRefused(f"{host} resolves to no address")
    refused = [address for address in found if not is_public(address)]
    if refused and not allow_private:
        raise AddressRefused(
            f"{host} is at {refused[0]}, a private, loopback or otherwise non-public address: "
            "sources fetch only from public addresses (AIDMAP_SOURCE_ALLOW_PRIVATE=true allows "
            "others)"
        )
    return str(found[0])
