"""How many long-lived streams a process holds open, in all and per client.

A stream holds a connection and a queue for minutes, so it is admitted against two
counts: the process's total and each client's share of it. A client is its address, or
its IPv6 /64: one home or phone is given a whole /64 and may use any address in it.
"""

from __future__ import annotations

import ipaddress
from collections import Counter


class NoSlot(Exception):
    """No stream can be opened for this client now."""


class TooManyListeners(NoSlot):
    """This process already streams to as many pages as it will."""


class TooManyFromClient(NoSlot):
    """This client already holds as many streams as one client may."""


def client_key(address: str) -> str:
    """The key a client's streams are counted under: an IPv6 address's /64, else the
    address as given (IPv4, or a name such as ``unknown``)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class Slot:
    """One admitted stream; ``release`` gives its place back (once, however often called)."""

    def __init__(self, slots: StreamSlots, key: str) -> None:
        self._slots, self._key = slots, key
        self._held = True

    def release(self) -> None:
        """Free the place; later calls do nothing."""
        if self._held:
            self._held = False
            self._slots._give_back(self._key)


class StreamSlots:
    """At most ``total`` streams at once, and at most ``per_client`` for one client.

    Used from the event loop only: taking a slot does not await, so checking and counting
    cannot interleave with another request.
    """

    def __init__(self, total: int, per_client: int) -> None:
        self.total, self.per_client = total, per_client
        self._held: Counter[str] = Counter()
        self._open = 0

    def take(self, address: str) -> Slot:
        """A slot for a client at ``address``; ``TooManyFromClient`` or ``TooManyListeners``
        when there is none."""
        key = client_key(address)
        if self._held[key] >= self.per_client:
            raise TooManyFromClient(key)
        if self._open >= self.total:
            raise TooManyListeners
        self._held[key] += 1
        self._open += 1
        return Slot(self, key)

    @property
    def open(self) -> int:
        """Streams holding a slot now."""
        return self._open

    def held_by(self, address: str) -> int:
        """Streams the client at ``address`` holds now."""
        return self._held[client_key(address)]

    def _give_back(self, key: str) -> None:
        self._open -= 1
        self._held[key] -= 1
        if not self._held[key]:
            del self._held[key]
