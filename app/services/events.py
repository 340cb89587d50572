"""Status changes pushed to open pages: one poll of the store per process, fanned out.

A single task watches the store's change counter (a few reads a second, whatever the
number of listeners) and reads the new ``status_history`` rows; every listener gets them
from its own bounded queue. Listeners resume from a history id (``Last-Event-ID``), so a
reconnecting page misses nothing; one that falls too far behind is told to reload. Each
stream holds a slot (``StreamSlots``: a total and a share per client), freed exactly once
whichever way the stream ends. Pages that cannot hold a stream ask ``changes`` instead:
the same entries as a replay, from the same history id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from app.domain.statuses import HistoryEntry
from app.models import StatusPublic
from app.services.freshness import status_dicts
from app.services.ratelimit import RateLimiter
from app.services.stream_slots import Slot, StreamSlots
from app.storage.errors import StoreUnavailable
from app.storage.port import Store

log = logging.getLogger("aidmap")
POLL_S = 0.25
MAX_RETRY_S = 10.0
"""Longest pause between the poller's tries while the store cannot be read."""
HEARTBEAT_S = 15.0
STREAM_S = 600.0
"""A stream ends after this long; the browser reconnects with Last-Event-ID, which also
lets a server shut down without waiting on open pages."""
QUEUE_SIZE = 1000
REPLAY_LIMIT = 1000
"""A listener further behind than this many history rows reloads instead of replaying."""
POLL_LIMIT = (120, 60.0)
"""Polls of ``changes`` per client address per window (seconds): 30 pages behind one
address, each asking every 15 s."""


def too_far_behind(after: int, newest: int) -> bool:
    """Whether a listener at history id ``after`` should reload rather than catch up: too
    many rows missed, or an id this store never reached (a restored or another database)."""
    return after > newest or newest - after >= REPLAY_LIMIT


def reset_event(newest: int) -> str:
    """The event telling a page to reload its data and resume from ``newest``."""
    return f"id: {newest}\nevent: reset\ndata: {json.dumps({'last_id': newest})}\n\n"


class Listener:
    """One admitted stream: ``body`` is its text; ``close`` leaves the fan-out and frees
    its slot (once; the body calls it when it ends, the response when it is over)."""

    body: AsyncIterator[str]

    def __init__(self, queues: set[asyncio.Queue], queue: asyncio.Queue, slot: Slot) -> None:
        self._queues, self.queue, self._slot = queues, queue, slot

    def close(self) -> None:
        """Stop receiving and give the slot back."""
        self._queues.discard(self.queue)
        self._slot.release()


class StatusEvents:
    """Server-sent events of status changes for one store."""

    def __init__(
        self, store: Store, clock: Callable[[], datetime], ttl_hours: float, slots: StreamSlots
    ) -> None:
        self.store = store
        self.clock = clock
        self.ttl_hours = ttl_hours
        self.slots = slots
        self.polls = RateLimiter(*POLL_LIMIT)
        self._queues: set[asyncio.Queue] = set()
        self._poller: asyncio.Task | None = None
        self._last_id = 0

    async def stream(self, address: str, after: int | None) -> Listener:
        """Admit a listener from ``address`` that resumes after history id ``after``
        (default: now); ``NoSlot`` when it cannot be admitted."""
        slot = self.slots.take(address)
        listener = Listener(self._queues, asyncio.Queue(QUEUE_SIZE), slot)
        self._queues.add(listener.queue)  # before reading where history is: nothing is lost
        try:
            newest = await run_in_threadpool(self.store.last_history_id)
        except BaseException:
            listener.close()
            raise
        self._start(newest)
        listener.body = self._events(listener, after, newest)
        return listener

    async def _events(
        self, listener: Listener, after: int | None, newest: int
    ) -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            seen = newest if after is None else after
            if after is not None:  # catch up from history; the queue holds what comes next
                if too_far_behind(after, newest):
                    yield reset_event(newest)
                    return
                for entry in await run_in_threadpool(self.store.history_after, after, REPLAY_LIMIT):
                    yield self._format(entry)
                    seen = entry.id
            yield f"id: {seen}\nevent: ready\ndata: {json.dumps({'last_id': seen})}\n\n"
            loop = asyncio.get_running_loop()
            deadline = loop.time() + STREAM_S
            while (left := deadline - loop.time()) > 0:
                try:
                    entry = await asyncio.wait_for(listener.queue.get(), min(HEARTBEAT_S, left))
                except TimeoutError:
                    yield ": ping\n\n"
                    continue
                if entry is None:  # this listener fell behind
                    yield reset_event(await run_in_threadpool(self.store.last_history_id))
                    return
                if entry.id > seen:
                    yield self._format(entry)
                    seen = entry.id
        finally:
            listener.close()

    def changes(self, after: int | None, limit: int) -> dict:
        """At most ``limit`` changes after history id ``after``, as a stream would replay
        them, with the id to ask from next; ``reset`` when the page should reload instead.
        Without ``after``: none, and where history is now. Blocking (a worker thread)."""
        newest = self.store.last_history_id()
        if after is None or too_far_behind(after, newest):
            return {"changes": [], "last_id": newest, "reset": after is not None, "more": False}
        entries = self.store.history_after(after, limit + 1)
        shown = entries[:limit]
        return {
            "changes": [self._public(entry) for entry in shown],
            "last_id": shown[-1].id if shown else after,
            "reset": False,
            "more": len(entries) > limit,
        }

    def _public(self, entry: HistoryEntry) -> dict:
        """One change as the stream sends it, with its id: ``_format`` alone decides what
        the public sees of a status, so its data is read back rather than built twice."""
        return {"id": entry.id, **json.loads(self._format(entry).partition("\ndata: ")[2])}

    def _format(self, entry: HistoryEntry) -> str:
        status = entry.status
        [view] = status_dicts(
            (status.service,), {status.service: status}, self.clock(), self.ttl_hours
        )
        data = {
            "resource_id": status.resource_id,
            "service": status.service,
            "version": entry.resource_version,
            "status": StatusPublic(**view).model_dump(mode="json"),
        }
        return f"id: {entry.id}\nevent: status\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    def _start(self, newest: int) -> None:
        if self._poller is None or self._poller.done():
            self._last_id = newest
            self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        counter, pause = object(), POLL_S
        while self._queues:
            await asyncio.sleep(pause)
            try:
                now_counter = await run_in_threadpool(self.store.change_counter)
                if now_counter is not None and now_counter == counter:
                    continue
                entries = await run_in_threadpool(
                    self.store.history_after, self._last_id, QUEUE_SIZE
                )
            except StoreUnavailable as exc:  # the store is back soon: keep the pages' streams
                pause = min(pause * 2, MAX_RETRY_S)
                log.warning("live updates paused %.1f s: %s", pause, exc)
                continue
            pause = POLL_S
            counter = object() if len(entries) == QUEUE_SIZE else now_counter  # more to read
            for entry in entries:
                for queue in list(self._queues):
                    try:
                        queue.put_nowait(entry)
                    except asyncio.QueueFull:
                        self._drop(queue)
                self._last_id = entry.id

    def _drop(self, queue: asyncio.Queue) -> None:
        """Tell a listener that fell behind to reload; it leaves the fan-out."""
        self._queues.discard(queue)
        with contextlib.suppress(asyncio.QueueEmpty):
            queue.get_nowait()
        queue.put_nowait(None)

    async def close(self) -> None:
        """Stop the poller (at shutdown)."""
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
