"""The server's daily purge: it erases at start (after a pause) and stops when asked."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from app.services.help.retention import HelpPurger

NOW = datetime(2024, 5, 1, tzinfo=UTC)


class Store:
    def __init__(self) -> None:
        self.asked: list[tuple[datetime, datetime]] = []

    def purge_help_requests(self, finished_before: datetime, now: datetime) -> int:
        self.asked.append((finished_before, now))
        return 3


def test_the_purger_erases_at_start_and_stops_when_closed():
    store = Store()

    async def run() -> None:
        purger = HelpPurger(store, lambda: NOW, timedelta(days=30))  # type: ignore[arg-type]
        purger.start(first_after_s=0)
        for _ in range(100):
            await asyncio.sleep(0.01)
            if store.asked:
                break
        await asyncio.wait_for(purger.close(), 1)  # the next purge is a day away

    asyncio.run(run())
    assert store.asked == [(NOW - timedelta(days=30), NOW)]
