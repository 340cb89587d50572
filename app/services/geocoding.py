"""One geocoder chain per process, rebuilt when the gazetteer's locations change."""

from __future__ import annotations

import threading
import time

from app.core.config import Settings
from app.geo.geocoders.cache import AnswerCache
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.gate import ProviderGate
from app.geo.geocoders.registry import build_chain, gates_for
from app.geo.learned_index import LearnedIndex
from app.geo.road_index import RoadIndex
from app.services.address_learning import rebuild
from app.services.public_geocoding import PublicGeocoder
from app.services.shared_limits import StorePace
from app.storage.meta_keys import MetaKey
from app.storage.port import Store

ROADS_REFRESH_S = 60.0
"""How often at most the road index is rebuilt after resources changed (imports change
many in a row; a minute-old list of roads is good enough to suggest districts)."""
LEARNED_REFRESH_S = 10.0
"""How often at most the learned index is rebuilt while points are being learned (an
import learns in batches); a verifier's correction shows within this."""


def shared_gates(settings: Settings, store: Store) -> dict[str, ProviderGate]:
    """The providers' gates of one process, each pacing by slots counted in ``store``: a
    provider's per-second limit then holds for the server's workers and replicas and for
    an import run from the command line at the same time."""
    return gates_for(settings, shared=lambda name: StorePace(store, name))


class ChainHolder:
    """Builds the configured chain (and its offline part) lazily, and again after units
    moved (meta units_version); the providers' gates and the cache outlive rebuilds.
    ``public`` answers public requests through it on threads of their own. The road index
    (which districts a road is known in) is rebuilt when units move, and at most once a
    minute after resources changed, by one thread at a time: the others keep using the
    index they had, or wait for the first one. The two metadata marks are read again only
    after a commit (the store's change counter), not on every lookup."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self.gates = shared_gates(settings, store)
        self.cache = AnswerCache(store, settings.geocode_cache_days)
        self.public = PublicGeocoder(self.get, settings, store)
        self._lock = threading.Lock()
        self._building_roads = threading.Lock()
        self._building_learned = threading.Lock()
        self._learned: tuple[str | None, float, LearnedIndex] | None = None
        self._learned_mark: tuple[int | None, str | None] | None = None
        self._chains: dict[bool, GeocoderChain] = {}
        self._version: str | None = None
        self._roads: tuple[str | None, str | None, float, RoadIndex] | None = None
        self._marks: tuple[int | None, str | None, str | None] | None = None
        """The change counter and the units and resources marks read at it."""

    def marks(self) -> tuple[str | None, str | None]:
        """Meta ``units_version`` and the resources-changed marker, read from the store only
        when the change counter moved (always, on a backend that has none)."""
        counter = self.store.change_counter()  # first: a commit after it moves it again
        with self._lock:
            if counter is not None and self._marks is not None and self._marks[0] == counter:
                return self._marks[1], self._marks[2]
        units, resources = (
            self.store.get_meta(MetaKey.units_version),
            self.store.resources_changed_at(),
        )
        with self._lock:
            self._marks = (counter, units, resources)
        return units, resources

    def current(self, *, online: bool = True, counter: int | None = None) -> GeocoderChain | None:
        """The chain already built, when the store's change counter (``counter``, when the
        caller read it at its start) shows nothing committed since its marks were read;
        else None (``get`` reads and builds). No store reads: the event loop may ask."""
        counter = self.store.change_counter() if counter is None else counter
        with self._lock:
            marks = self._marks
            if counter is None or marks is None or marks[0] != counter:
                return None
            if marks[1] != self._version:
                return None
            return self._chains.get(online)

    def get(self, *, online: bool = True) -> GeocoderChain:
        """The chain for the store as it is now; ``online=False``: the gazetteer only, for
        callers who may not spend a provider's quota."""
        version, _ = self.marks()
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
                    learned=self.learned,
                )
            return self._chains[online]

    def roads(self) -> RoadIndex:
        """The road index of the units and resources as they are now (see the class)."""
        index = self.get(online=False).index
        units, marker = self._version, self.marks()[1]
        built = self._current_roads(units, marker)
        if built is not None:
            return built
        with self._lock:
            old = self._roads
        if not self._building_roads.acquire(blocking=old is None or old[0] != units):
            return old[3]  # another thread is rebuilding after resources changed
        try:
            built = self._current_roads(units, marker)  # built while this one waited?
            if built is not None:
                return built
            now = time.monotonic()
            roads = RoadIndex.from_store(self.store, index)  # outside self._lock: reads
            with self._lock:
                self._roads = (units, marker, now, roads)
            return roads
        finally:
            self._building_roads.release()

    def _current_roads(self, units: str | None, marker: str | None) -> RoadIndex | None:
        """The road index built, if it is current for ``units`` and ``marker``."""
        with self._lock:
            if self._roads is None:
                return None
            built_units, built_marker, built_at, roads = self._roads
        fresh = built_marker == marker or time.monotonic() - built_at < ROADS_REFRESH_S
        return roads if built_units == units and fresh else None

    def learned(self) -> LearnedIndex:
        """The learned index as the store has it, rebuilt when ``learned_version`` moved (at
        most every LEARNED_REFRESH_S), by one thread at a time while the others keep the
        index they had. Called by the chain's learned step, on the chain's thread, never
        on the event loop. A store whose resources were never all learned (one from before
        addresses were learned: a placement since teaches only its own) learns them first,
        once."""
        version = self._learned_version()
        with self._lock:
            old = self._learned
        if old is not None and _fresh(old, version):
            return old[2]
        if not self._building_learned.acquire(blocking=old is None):
            return old[2]  # another thread is rebuilding
        try:
            with self._lock:
                old = self._learned
            if old is not None and _fresh(old, version):
                return old[2]
            if not self.store.resources_learned():
                rebuild(self.store, self.get(online=False).index)
                version = self.store.learned_version()
            now = time.monotonic()
            built = LearnedIndex.from_source(self.store)  # outside self._lock: reads
            with self._lock:
                self._learned = (version, now, built)
            return built
        finally:
            self._building_learned.release()

    def _learned_version(self) -> str | None:
        """Meta ``learned_version``, read again only when the change counter moved."""
        counter = self.store.change_counter()
        with self._lock:
            mark = self._learned_mark
        if counter is not None and mark is not None and mark[0] == counter:
            return mark[1]
        version = self.store.learned_version()
        with self._lock:
            self._learned_mark = (counter, version)
        return version


def _fresh(built: tuple[str | None, float, LearnedIndex], version: str | None) -> bool:
    return built[0] == version or time.monotonic() - built[1] < LEARNED_REFRESH_S
