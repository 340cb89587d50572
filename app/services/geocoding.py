"""One geocoder chain per process, rebuilt when the gazetteer's locations change."""

from __future__ import annotations

import threading

from app.core.config import Settings
from app.geo.geocoders.cache import AnswerCache
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.registry import build_chain, gates_for
from app.services.public_geocoding import PublicGeocoder
from app.storage.base import Store


class ChainHolder:
    """Builds the configured chain (and its offline part) lazily, and again after units
    moved (meta units_version); the providers' gates and the cache outlive rebuilds.
    ``public`` answers public requests through it on threads of their own."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.gates = gates_for(settings)
        self.cache = AnswerCache(store, settings.geocode_cache_days)
        self.public = PublicGeocoder(self.get, settings)
        self._lock = threading.Lock()
        self._chains: dict[bool, GeocoderChain] = {}
        self._version: str | None = None

    def get(self, *, online: bool = True) -> GeocoderChain:
        """The chain for the store as it is now; ``online=False``: the gazetteer only, for
        callers who may not spend a provider's quota."""
        version = self.store.get_meta("units_version")
        with self._lock:
            if version != self._version:
                self._chains, self._version = {}, version
            if online not in self._chains:
                self._chains[online] = build_chain(
                    self.settings, self.store, online=online, gates=self.gates, cache=self.cache
                )
            return self._chains[online]
