"""Status changes pushed to open pages: one poll of the store per process, fanned out.

A single task watches the store's change counter (a few reads a second, whatever the
number of listeners) and reads the new ``status_history`` rows; every listener gets them
from its own bounded queue. Listeners resume from a history id (``Last-Event-ID``), so a
reconnecting page misses nothing; one that falls too far behind is told to reload.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from app.models import StatusPublic
from app.services.freshness import status_views
from app.storage.base import HistoryEntry, Store

POLL_S = 0.25
HEARTBEAT_S = 15.0
STREAM_S = 600.0
"""A stream ends after this long; the browser reconnects with Last-Event-ID, which also
lets a server shut down without waiting on open pages."""
QUEUE_SIZE = 1000
REPLAY_LIMIT = 1000
MAX_LISTENERS = 2000


class TooManyListeners(Exception):
    """This process already streams to as many pages as it will."""


class StatusEvents:
    """Server-sent events of status changes for one store."""

    def __init__(self, store: Store, clock: Callable[[], datetime], ttl_hours: float) -> None:
        self.store = store
        self.clock = clock
        self.ttl_hours = ttl_hours
        self._queues: set[asyncio.Queue] = set()
        self._poller: asyncio.Task | None = None
        self._last_id = 0

    async def stream(self, after: int | None) -> AsyncIterator[str]:
        """The event stream text for one listener, from history id ``after`` (default: now)."""
        if len(self._queues) >= MAX_LISTENERS:
            raise TooManyListeners
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._queues.add(queue)
        self._start()
        now = await run_in_threadpool(self.store.last_history_id) if after is None else None
        return self._events(queue, after, now)

    async def _events(
        self, queue: asyncio.Queue, after: int | None, now: int | None
    ) -> AsyncIterator[str]:
        try:
            yield "retry: 2000\n\n"
            seen = now if after is None else after
            if after is not None:  # catch up from history; the queue holds what comes next
                missed = await run_in_threadpool(self.store.history_after, after, REPLAY_LIMIT)
                if len(missed) >= REPLAY_LIMIT:
                    yield "event: reset\ndata: {}\n\n"
                    return
                for entry in missed:
                    yield self._format(entry)
                    seen = entry.id
            loop = asyncio.get_running_loop()
            deadline = loop.time() + STREAM_S
            while (left := deadline - loop.time()) > 0:
                try:
                    entry = await asyncio.wait_for(queue.get(), min(HEARTBEAT_S, left))
                except TimeoutError:
                    yield ": ping\n\n"
                    continue
                if entry is None:  # this listener fell behind
                    yield "event: reset\ndata: {}\n\n"
                    return
                if entry.id > seen:
                    yield self._format(entry)
                    seen = entry.id
        finally:
            self._queues.discard(queue)

    def _format(self, entry: HistoryEntry) -> str:
        status = entry.status
        [view] = status_views(
            (status.service,), {status.service: status}, self.clock(), self.ttl_hours
        )
        data = {
            "resource_id": status.resource_id,
            "service": status.service,
            "version": entry.resource_version,
            "status": StatusPublic(**view).model_dump(mode="json"),
        }
        return f"id: {entry.id}\nevent: status\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"

    def _start(self) -> None:
        if self._poller is None or self._poller.done():
            self._poller = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        self._last_id = await run_in_threadpool(self.store.last_history_id)
        counter = object()
        while self._queues:
            await asyncio.sleep(POLL_S)
            now_counter = await run_in_threadpool(self.store.change_counter)
            if now_counter is not None and now_counter == counter:
                continue
            entries = await run_in_threadpool(self.store.history_after, self._last_id, QUEUE_SIZE)
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
