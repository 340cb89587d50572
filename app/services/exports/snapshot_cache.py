"""Built offline map files, kept while nothing they show has changed.

A file takes tens of milliseconds to build and is the same for everyone who asks the same
view through the same origin, so the server builds it once per data version: a status
write, a resource change or a unit move (``snapshot_data.data_version``) makes the next
request build it again. So does age: a file states when it was taken and how old each
status was then, so one is handed out for ``REUSE`` at most; a viewer is never given a
snapshot older than that as new. Its ETag names both, so a client that has it is
answered 304 until either moves. One process's memory, bounded in bytes: a file grows
with the hospitals (~260 bytes each), so a count of files alone would let the views of a
large store hold gigabytes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.services.bytes_lru import BytesLRU

REUSE = timedelta(minutes=15)
MAX_BYTES = 64 * 1024 * 1024
"""Bytes of files kept, the least recently used going first: every view of the bundled
city (0.3-0.6 MiB a file; 16 districts and the city × services × 2 languages is a few
hundred), some 40 city files at 5,000 hospitals, two at 100,000 (the newest is always
kept)."""


@dataclass(frozen=True, slots=True)
class BuiltFile:
    """One built file: its bytes, what it was built from, and its ETag."""

    body: bytes
    version: str
    taken_at: datetime
    etag: str


class SnapshotCache:
    """Built files by view, valid while the data version holds, for ``reuse`` at most;
    at most ``max_bytes`` of them held."""

    def __init__(self, max_bytes: int = MAX_BYTES, reuse: timedelta = REUSE) -> None:
        self.reuse = reuse
        self._files: BytesLRU[BuiltFile] = BytesLRU(max_bytes)
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: str, now: datetime) -> BuiltFile | None:
        """The file built for ``key`` at ``version`` less than ``reuse`` ago, if any."""
        with self._lock:
            found = self._files.get(key)
        if found is None or found.version != version or now - found.taken_at >= self.reuse:
            return None
        return found

    def put(self, key: Hashable, body: bytes, version: str, taken_at: datetime) -> BuiltFile:
        """Keep a file just built; its ETag digests the view, the version and the moment."""
        digest = hashlib.sha256(repr((key, version, taken_at.isoformat())).encode())
        built = BuiltFile(body, version, taken_at, f'W/"{digest.hexdigest()[:32]}"')
        with self._lock:
            self._files.put(key, built)
        return built
