"""Least-recently-used entries bounded by the bytes they hold, not by their number: the
caches of built files (offline maps, posters) whose size grows with the data."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, Protocol, TypeVar


class HasBody(Protocol):
    """An entry whose ``body`` is what it costs to hold."""

    body: bytes


Entry = TypeVar("Entry", bound=HasBody)


class BytesLRU(Generic[Entry]):
    """Entries by key, the least recently used dropped once their bodies pass
    ``max_bytes`` (the newest always kept). Not locked: its owner holds a lock."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, Entry] = OrderedDict()
        self._held = 0

    def get(self, key: Hashable) -> Entry | None:
        """The entry under ``key`` (now the most recently used), or None."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
        return entry

    def put(self, key: Hashable, entry: Entry) -> None:
        """Keep ``entry`` under ``key`` (replacing one), then drop the oldest past the
        budget."""
        old = self._entries.pop(key, None)
        self._held += len(entry.body) - (len(old.body) if old else 0)
        self._entries[key] = entry
        while self._held > self.max_bytes and len(self._entries) > 1:
            _, dropped = self._entries.popitem(last=False)
            self._held -= len(dropped.body)
