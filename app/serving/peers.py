"""Counting open connections, in total and per client, to refuse those over the caps."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from app.core.addresses import IPNetwork, client_key, is_trusted


@dataclass(frozen=True)
class Cut:
    """Why a connection is refused or closed early: the reason (the metric's label) and,
    when the client gets an answer first, its status, error code and message."""

    reason: str
    status: int = 0
    code: str = ""
    message: str = ""


CLIENT_CAP = Cut("client_cap")
SERVER_CAP = Cut("server_cap")
"""Connections over a cap are closed at once, unanswered: an answer written before the
client's request arrives is lost to the reset its request then meets, and waiting for the
request would hold the very file the cap is there to spare."""


class PeerTable:
    """Open connections of one process: at most ``total``, and ``per_client`` per client key
    (``client_key``: an address, an IPv6 /64). Peers in ``trusted`` (the proxies in front,
    which stand for many clients) count only in the total.

    Used from the event loop's thread only, so it needs no lock.
    """

    def __init__(self, total: int, per_client: int, trusted: tuple[IPNetwork, ...] = ()) -> None:
        self.total, self.per_client, self.trusted = total, per_client, trusted
        self.open = 0
        self._by_client: Counter[str] = Counter()

    def admit(self, host: str | None) -> tuple[str | None, Cut | None]:
        """Count a new connection from ``host``: its client key (None when it counts only in
        the total), or the refusal when it is over a cap (then nothing is counted)."""
        if self.open >= self.total:
            return None, SERVER_CAP
        key = None if host is None or is_trusted(host, self.trusted) else client_key(host)
        if key is not None:
            if self._by_client[key] >= self.per_client:
                return None, CLIENT_CAP
            self._by_client[key] += 1
        self.open += 1
        return key, None

    def release(self, key: str | None) -> None:
        """Forget a connection that ``admit`` counted under ``key``."""
        self.open -= 1
        if key is not None:
            self._by_client[key] -= 1
            if not self._by_client[key]:
                del self._by_client[key]
