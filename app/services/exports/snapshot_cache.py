"""Built offline map files, kept while nothing they show has changed.

A file takes tens of milliseconds to build and is the same for everyone who asks the same
view through the same origin, so the server builds it once per data version: a status
write, a resource change or a unit move (``snapshot_data.data_version``) makes the next
request build it again. So does age: a file states when it was taken and how old each
status was then, so one is handed out for ``REUSE`` at most; a viewer is never given a
snapshot older than that as new. Its ETag names both, so a client that has it is
answered 304 until either moves. One process's memory, a few files per view.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

REUSE = timedelta(minutes=15)
ENTRIES = 64
"""Views kept (16 districts and the city × services × 2 languages is a few hundred: the
least recently used go first)."""


@dataclass(frozen=True, slots=True)
class BuiltFile:
    """One built file: its bytes, what it was built from, and its ETag."""

    body: bytes
    version: str
    taken_at: datetime
    etag: str


class SnapshotCache:
    """Built files by view, valid while the data version holds, for ``reuse`` at most."""

    def __init__(self, entries: int = ENTRIES, reuse: timedelta = REUSE) -> None:
        self.entries, self.reuse = entries, reuse
        self._files: OrderedDict[Hashable, BuiltFile] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: str, now: datetime) -> BuiltFile | None:
        """The file built for ``key`` at ``version`` less than ``reuse`` ago, if any."""
        with self._lock:
            found = self._files.get(key)
            if found is None or found.version != version or now - found.taken_at >= self.reuse:
                return None
            self._files.move_to_end(key)
            return found

    def put(self, key: Hashable, body: bytes, version: str, taken_at: datetime) -> BuiltFile:
        """Keep a file just built; its ETag digests the view, the version and the moment."""
        digest = hashlib.sha256(repr((key, version, taken_at.isoformat())).encode())
        built = BuiltFile(body, version, taken_at, f'W/"{digest.hexdigest()[:32]}"')
        with self._lock:
            self._files[key] = built
            self._files.move_to_end(key)
            while len(self._files) > self.entries:
                self._files.popitem(last=False)
        return built
