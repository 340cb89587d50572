"""Provider answers kept in the store for a limited number of days, then forgotten.

Rows are dated by their UTC day (the store keeps no time of day and no query text, only a
hash of it). An answer older than ``days`` is never used, and the first write of each UTC
day in a process deletes the expired rows first: one ``DELETE`` a day (a scan: ``created_at``
has no index) costs less than a check on every write, and reads never write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

from app.geo.sources import AnswerStore


class AnswerCache:
    """A store's geocoder cache seen through an expiry of ``days``."""

    def __init__(
        self, store: AnswerStore, days: int, now: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self.store, self.days, self._now = store, days, now
        self._purged_on: date | None = None
        self._lock = threading.Lock()

    def get(self, provider: str, key: str) -> dict | None:
        """The provider's answer under ``key`` if it is young enough."""
        return self.store.cached_answer(provider, key, since=self._oldest_kept())

    def put(self, provider: str, key: str, answer: dict) -> None:
        """Keep an answer (dated by today), after the day's purge of expired ones."""
        oldest = self._oldest_kept()
        with self._lock:
            purge, self._purged_on = self._purged_on != oldest.date(), oldest.date()
        if purge:
            self.store.forget_cached_answers(oldest)
        self.store.cache_answer(provider, key, answer)

    def _oldest_kept(self) -> datetime:
        """The start of the first UTC day whose answers are still used."""
        today = self._now().astimezone(UTC).date()
        return datetime.combine(today - timedelta(days=self.days), time(), UTC)
