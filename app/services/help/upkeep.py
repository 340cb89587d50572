"""What the server does for help requests while it runs, every ``UPKEEP_EVERY``:
urgency reassessed (a last dialysis session two days ago is three days ago tomorrow, and
the board must say so without anyone touching the request), then the retention purge.
Both are idempotent, so every replica may run them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from app.services.help.answers import stored_values
from app.services.help.intake import shanghai_today
from app.services.help.retention import purge
from app.services.help.urgency import assess
from app.storage.errors import StorageError
from app.storage.port import HelpStore

log = logging.getLogger("aidmap.help")
UPKEEP_EVERY = timedelta(hours=1)
"""Often enough that urgency follows Shanghai's date within the hour after midnight."""
FIRST_AFTER_S = 5.0
"""Seconds after start before the first round: start-up and its health checks come first."""


def reassess(store: HelpStore, today: date) -> int:
    """Recompute the urgency of every unfinished request from its answers as of ``today``;
    how many changed."""
    changes = {}
    for request in store.unfinished_help_requests():
        if request.answers is None:  # erased
            continue
        found = assess(request.service, stored_values(request.answers), today)
        if (found.urgency, found.why) != (request.urgency, request.urgency_why):
            changes[request.id] = (found.urgency, found.why)
    return store.set_help_urgencies(changes) if changes else 0


class HelpUpkeep:
    """Reassesses urgency and purges expired personal fields in the background."""

    def __init__(
        self, store: HelpStore, clock: Callable[[], datetime], retention: timedelta
    ) -> None:
        self.store, self.clock, self.retention = store, clock, retention
        self._stop = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self, first_after_s: float = FIRST_AFTER_S) -> None:
        """Start (from the running event loop): a round after ``first_after_s``, then
        every ``UPKEEP_EVERY``."""
        self._task = asyncio.get_running_loop().create_task(
            self._run(first_after_s), name="aidmap-help-upkeep"
        )

    def round(self) -> tuple[int, int]:
        """One round: how many requests changed urgency, how many were erased."""
        now = self.clock()
        return reassess(self.store, shanghai_today(now)), purge(self.store, now, self.retention)

    async def _run(self, first_after_s: float) -> None:
        pause = first_after_s
        while not await self._stopped_within(pause):
            pause = UPKEEP_EVERY.total_seconds()
            try:
                changed, erased = await asyncio.to_thread(self.round)
            except StorageError as exc:
                log.warning("help requests' upkeep failed: %s", exc)
                pause = FIRST_AFTER_S * 60  # try again in a few minutes
                continue
            if changed or erased:
                log.info("help requests: %d more urgent now, personal fields of %d erased",
                         changed, erased)  # fmt: skip

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)
        return self._stop.is_set()

    async def close(self) -> None:
        """Stop; a round under way finishes (each write is one transaction)."""
        self._stop.set()
        if self._task is not None:
            await self._task
