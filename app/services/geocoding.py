"""One geocoder chain per process, rebuilt when the gazetteer's locations change."""

from __future__ import annotations

import threading

from app.core.config import Settings
from app.geo.geocoders.chain import GeocoderChain
from app.geo.geocoders.registry import build_chain
from app.storage.base import Store


class ChainHolder:
    """Builds the configured chain lazily and again after units moved (meta units_version)."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings, self.store = settings, store
        self._lock = threading.Lock()
        self._chain: GeocoderChain | None = None
        self._version: str | None = None

    def get(self) -> GeocoderChain:
        """The chain for the store as it is now."""
        version = self.store.get_meta("units_version")
        with self._lock:
            if self._chain is None or version != self._version:
                self._chain, self._version = build_chain(self.settings, self.store), version
            return self._chain
