"""One geocoder chain per process, rebuilt when the gazetteer's locations change."""

from __future__ import annotations

import threading
import time

from app.core.config import Settings
from app.geo.geocoders.cache import AnswerCache
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.registry import build_chain, gates_for
from app.geo.road_index import RoadIndex
from app.services.public_geocoding import PublicGeocoder
from app.storage.meta_keys import MetaKey
from app.storage.port import Store

ROADS_REFRESH_S = 60.0
"""How often at most the road index is rebuilt after resources changed (imports change
many in a row; a minute-old list of roads is good enough to suggest districts)."""


class ChainHolder:
    """Builds the configured chain (and its offline part) lazily, and again after units
    moved (meta units_version); the providers' gates and the cache outlive rebuilds.
    ``public`` answers public requests through it on threads of their own. The road index
    (which districts a road is known in) is rebuilt when units move, and at most once a
    minute after resources changed."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.gates = gates_for(settings)
        self.cache = AnswerCache(store, settings.geocode_cache_days)
        self.public = PublicGeocoder(self.get, settings)
        self._lock = threading.Lock()
        self._chains: dict[bool, GeocoderChain] = {}
        self._version: str | None = None
        self._roads: tuple[str | None, str | None, float, RoadIndex] | None = None

    def get(self, *, online: bool = True) -> GeocoderChain:
        """The chain for the store as it is now; ``online=False``: the gazetteer only, for
        callers who may not spend a provider's quota."""
        version = self.store.get_meta(MetaKey.units_version)
        with self._lock:
            if version != self._version:
                self._chains, self._version = {}, version
            if online not in self._chains:
                self._chains[online] = build_chain(
                    self.settings,
                    self.store,
                    online=online,
                    gates=self.gates,
                    cache=self.cache,
                    roads=self.roads,
                )
            return self._chains[online]

    def roads(self) -> RoadIndex:
        """The road index of the units and resources as they are now (see the class)."""
        index = self.get(online=False).index
        units, marker = self._version, self.store.resources_changed_at()
        now = time.monotonic()
        with self._lock:
            if self._roads is not None:
                built_units, built_marker, built_at, roads = self._roads
                fresh = built_marker == marker or now - built_at < ROADS_REFRESH_S
                if built_units == units and fresh:
                    return roads
        roads = RoadIndex.from_store(self.store, index)  # outside the lock: reads the store
        with self._lock:
            self._roads = (units, marker, now, roads)
        return roads
