"""Erasing what help requests hold about people once they no longer need it: the phone,
name, text, exact point, answers and private notes of requests resolved or closed more
than the retention period ago (AIDMAP_HELP_RETENTION_DAYS, default 30). The rows, their
states, places by unit and urgency stay: the counts do not change.

``aidmap help purge`` erases on demand; ``aidmap serve`` runs ``HelpPurger``, which erases
once at start and then every ``PURGE_EVERY``. Erasing is idempotent, so replicas may all
run it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from app.storage.errors import StorageError
from app.storage.port import HelpStore

log = logging.getLogger("aidmap.help")
PURGE_EVERY = timedelta(days=1)
FIRST_AFTER_S = 5.0
"""Seconds after start before the first purge: start-up and its health checks come first."""


def purge(store: HelpStore, now: datetime, older_than: timedelta) -> int:
    """Erase the personal fields of requests finished more than ``older_than`` before
    ``now``; how many were erased."""
    return store.purge_help_requests(now - older_than, now)


class HelpPurger:
    """Erases finished requests' personal fields in the background while the app runs."""

    def __init__(
        self, store: HelpStore, clock: Callable[[], datetime], retention: timedelta
    ) -> None:
        self.store, self.clock, self.retention = store, clock, retention
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self, first_after_s: float = FIRST_AFTER_S) -> None:
        """Start (from the running event loop): a purge after ``first_after_s``, then
        every ``PURGE_EVERY``."""
        self._task = asyncio.get_running_loop().create_task(
            self._run(first_after_s), name="aidmap-help-purge"
        )

    async def _run(self, first_after_s: float) -> None:
        pause = first_after_s
        while not await self._stopped_within(pause):
            pause = PURGE_EVERY.total_seconds()
            try:
                erased = await asyncio.to_thread(purge, self.store, self.clock(), self.retention)
            except StorageError as exc:
                log.warning("help requests not purged: %s", exc)
                pause = FIRST_AFTER_S * 60  # try again in a few minutes
                continue
            if erased:
                log.info("help requests: personal fields of %d erased", erased)

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        return self._stop.is_set()

    async def close(self) -> None:
        """Stop; a purge under way finishes (it is one transaction)."""
        self._stop.set()
        if self._task is not None:
            await self._task
