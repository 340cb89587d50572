"""The nearest caches catch up off the event loop, one refresh at a time (issue 13,
finding 16): queries that arrive during a rebuild wait for that same rebuild, from the
event loop without blocking it and from worker threads, and see every earlier commit."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from app.domain.enums import Precision
from app.domain.records import NewResource
from app.services.nearest import NearestFinder, NearestQuery
from app.storage.port import Store
from tests import event_loop

SQUARE = (121.4737, 31.2304)


def test_queries_during_a_rebuild_share_it_and_the_loop_keeps_running(seeded_store: Store):
    finder = NearestFinder(seeded_store)
    now = datetime.now(UTC)
    query = NearestQuery(*SQUARE, k=3)
    finder.find(query, now, 12)  # built once
    added = seeded_store.add_resource(NewResource(
        kind="hospital", name="新医院", lon=SQUARE[0], lat=SQUARE[1], precision=Precision.exact,
    ))  # fmt: skip
    builds, gate, building = [], threading.Event(), threading.Event()
    real = seeded_store.iter_resources

    def iter_resources(**kwargs):
        builds.append(kwargs)
        building.set()
        assert gate.wait(10)  # the rebuild lasts until every query below is waiting
        return real(**kwargs)

    seeded_store.iter_resources = iter_resources  # the same store, its reads counted

    async def run() -> tuple[list, int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while not gate.is_set():
                ticks += 1
                await asyncio.sleep(0.005)

        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(4) as threads:
            from_threads = [
                loop.run_in_executor(threads, finder.find, query, now, 12) for _ in range(4)
            ]
            from_loop = [asyncio.create_task(finder.find_async(query, now, 12)) for _ in range(20)]
            clock = asyncio.create_task(ticker())
            await loop.run_in_executor(None, building.wait, 10)
            deadline = loop.time() + 5  # a blocked loop would not get here before the gate
            while ticks < 10 and loop.time() < deadline:  # times out (10 s) in the rebuild
                await asyncio.sleep(0.01)
            seen = ticks
            gate.set()
            answers = await asyncio.gather(*from_loop, *from_threads)
            await clock
        return answers, seen

    answers, ticks_while_building = event_loop.run(run())
    finder.close()
    assert len(builds) == 1  # one rebuild for 24 queries
    assert ticks_while_building >= 10  # the loop ran while the rebuild waited
    for hits in answers:
        assert hits[0].view.resource.id == added.id  # every query saw the new hospital
