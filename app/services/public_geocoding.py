"""Geocoding typed addresses for public requests, without starving anything else.

Waiting for a provider never holds the threads that reads and writes need: a request's
chain runs on ``AIDMAP_GEOCODE_THREADS`` threads of its own (an anyio capacity limiter,
apart from the default pool), a request that finds them all in use is answered from the cache
and the offline gazetteer on ``OFFLINE_THREADS`` more of its own (never the default pool,
which reads and writes share), and no request sleeps for a provider's pace (a slot not
free now means the offline answer now). Each client address may cause
``AIDMAP_GEOCODE_CLIENT_CALLS`` provider calls per 10 minutes, a signed-in token ten times
as many on its own count, whichever worker or replica answers (counted in the store); cache
hits are free; beyond that, the offline answer with a note.
Answers that may be a person's home are not cached (``chain.Asking``).
"""

from __future__ import annotations

from collections.abc import Callable

import anyio

from app.core.config import Settings
from app.domain.records import Token
from app.geo.geocoders.base import GeocodeQuery, GeocodeResult
from app.geo.geocoders.chain import Asking, GeocoderChain
from app.geo.geocoders.gate import Refusal
from app.services.auth import credential_key
from app.services.shared_limits import Limiter, StoreRateLimiter
from app.storage.port import RateStore

WINDOW_S = 600.0
"""The window of a client's allowance of provider calls."""
SIGNED_IN_FACTOR = 10
"""A signed-in token's allowance, as a multiple of an address's."""
OFFLINE_THREADS = 2
"""Threads that answer from the cache and gazetteer when every provider line is busy."""
BUSY = Asking(wait_s=0.0, cache_dwellings=False, offline=Refusal("busy", "all provider lines busy"))


class ClientAllowance:
    """One client's budget of provider calls in a shared per-key limiter."""

    def __init__(self, limiter: Limiter, key: str) -> None:
        self.limiter, self.key = limiter, key

    def refusal(self) -> Refusal | None:
        """A refusal once the client's calls of the last window reach the limit."""
        if self.limiter.limit > 0 and self.limiter.retry_after(self.key) is None:
            return None
        return Refusal("allowance", "this client's share of provider calls is spent for now")

    def spend(self) -> None:
        """Count one provider call."""
        self.limiter.record(self.key)


class PublicGeocoder:
    """Geocodes for public requests: bounded threads, no waiting, a budget per client."""

    def __init__(
        self, chain: Callable[[], GeocoderChain], settings: Settings, counts: RateStore
    ) -> None:
        """``counts``: where the clients' allowances are counted (the store)."""
        self._chain = chain
        self._threads = settings.geocode_threads
        self._limiter = anyio.CapacityLimiter(settings.geocode_threads)
        self._offline = anyio.CapacityLimiter(OFFLINE_THREADS)
        self._in_flight = 0
        """Requests on the limiter's threads; read and changed on the event loop only."""
        calls = settings.geocode_client_calls
        self._by_address = StoreRateLimiter(counts, "geocode_address", calls, WINDOW_S)
        self._by_token = StoreRateLimiter(
            counts, "geocode_token", calls * SIGNED_IN_FACTOR, WINDOW_S
        )

    async def geocode(
        self, query: GeocodeQuery, client: str, token: Token | None = None
    ) -> GeocodeResult:
        """The chain's answer for a request from ``client`` (signed in with ``token``)."""
        if self._in_flight >= self._threads:  # answered from the cache and the gazetteer
            return await anyio.to_thread.run_sync(self._answer, query, BUSY, limiter=self._offline)
        allowance = self.allowance(client, token)
        asking = Asking(wait_s=0.0, cache_dwellings=False, allowance=allowance)
        self._in_flight += 1
        try:
            return await anyio.to_thread.run_sync(
                self._answer, query, asking, limiter=self._limiter
            )
        finally:
            self._in_flight -= 1

    def allowance(self, client: str, token: Token | None = None) -> ClientAllowance:
        """The provider calls left to a request from ``client`` (signed in with ``token``:
        the token's own, larger budget)."""
        if token is not None:
            return ClientAllowance(self._by_token, credential_key(token))
        return ClientAllowance(self._by_address, client)

    def _answer(self, query: GeocodeQuery, asking: Asking) -> GeocodeResult:
        return self._chain().geocode(query, asking)
