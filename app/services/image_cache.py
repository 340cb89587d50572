"""Drawn images kept for a while under what they were drawn from, in this process.

A poster forwarded to a group chat is opened by many people within a minute; each
request for the same key (the share, its link, the data version …) gets the bytes drawn
for the first, and only one thread draws a key at a time while the others wait for it.
An entry serves for ``reuse_s`` seconds at most, since a poster says how long ago each
status was checked and when it was made: it stays true as of the time it prints. The
oldest entries go first once the images held pass ``max_bytes``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.services.bytes_lru import BytesLRU

MAX_BYTES = 48 * 1024 * 1024
"""About a hundred posters."""
REUSE_S = 300.0


@dataclass(frozen=True, slots=True)
class Drawn:
    """An image's bytes, their ETag, and the time it was drawn at (the time it shows)."""

    body: bytes
    etag: str
    made_at: datetime


class ImageCache:
    """Images by key, each reused for ``reuse_s`` seconds; at most ``max_bytes`` held."""

    def __init__(self, max_bytes: int = MAX_BYTES, reuse_s: float = REUSE_S) -> None:
        self.reuse = timedelta(seconds=reuse_s)
        self._entries: BytesLRU[Drawn] = BytesLRU(max_bytes)
        self._lock = threading.Lock()
        self._drawing: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, now: datetime, draw: Callable[[datetime], bytes]) -> Drawn:
        """The image under ``key`` drawn within ``reuse_s`` of ``now``, else ``draw(now)``'s
        (from a worker thread: it may wait for another thread drawing the same key)."""
        with self._lock:
            found = self._current(key, now)
            if found is not None:
                return found
            drawing = self._drawing.setdefault(key, threading.Lock())
        try:
            with drawing:
                with self._lock:
                    found = self._current(key, now)
                if found is None:
                    body = draw(now)
                    found = Drawn(body, f'"{hashlib.sha256(body).hexdigest()[:32]}"', now)
                    with self._lock:
                        self._entries.put(key, found)
        finally:  # a drawing that failed leaves no lock behind
            with self._lock:
                self._drawing.pop(key, None)
        return found

    def _current(self, key: Hashable, now: datetime) -> Drawn | None:
        entry = self._entries.get(key)
        if entry is None or not entry.made_at <= now < entry.made_at + self.reuse:
            return None
        return entry
