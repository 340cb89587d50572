"""Each collection's extent from its data, read again only after the store changed."""

from __future__ import annotations

import threading
import weakref

from app.domain.layers import Extent
from app.services.layers import Collection
from app.storage.port import Store

_LOCK = threading.Lock()
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""store → {layer: (change counter, extent)}"""


def collection_extent(store: Store, collection: Collection) -> Extent:
    """The extent of a collection, cached per process by the store's ``change_counter``
    (a store without one is asked every time)."""
    counter = store.change_counter()
    with _LOCK:
        cached = _CACHE.get(store, {}).get(collection.layer)
    if cached is not None and counter is not None and cached[0] == counter:
        return cached[1]
    extent = store.layer_extent(collection.layer)
    with _LOCK:
        _CACHE.setdefault(store, {})[collection.layer] = (counter, extent)
    return extent


def extent_document(extent: Extent, crs: str) -> dict:
    """An OGC collection's ``extent`` member: the data's box, and its time interval
    (``[[null, null]]`` for a layer without time)."""
    found: dict = {}
    if extent.bbox is not None:
        found["spatial"] = {"bbox": [list(extent.bbox)], "crs": crs}
    start, end = extent.interval or (None, None)
    found["temporal"] = {
        "interval": [[_iso(start), _iso(end)]],
        "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
    }
    return found


def _iso(value) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")
