"""Polling sources inside ``aidmap serve``: one background task per process.

It wakes every few seconds (or when the next source falls due, if sooner), asks the store
which sources are due, and runs each one whose lease it gets, one at a time, on a thread
of its own (the event loop only waits). Every replica runs a poller; the lease makes
exactly one of them run each source, and when its holder dies another takes over once the
lease expires. At shutdown the poller stops waking, tells a run in progress to stop before
it writes (a fetch stops at its next chunk), and waits for it; the lease is released on
the way out, so another replica can take the source at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import uuid
from datetime import timedelta

from app.services.sources.lease import LeaseLost, SourceBusy
from app.services.sources.run import Runner, Stopped, run_source
from app.storage.errors import NotFound, StorageError

log = logging.getLogger("aidmap.sources")
MAX_WAKE_S = 5.0
MIN_PAUSE_S = 0.05


def wake_interval(min_interval_s: float, lease_s: float) -> float:
    """Seconds between polls: a few, and short enough to renew a lease (a third of it)
    and to notice a source due at the shortest interval soon after it is."""
    return min(MAX_WAKE_S, min_interval_s / 2, lease_s / 3)


class SourcePoller:
    """Runs due sources in the background while the app runs."""

    def __init__(self, runner: Runner, wake_s: float) -> None:
        self.runner, self.wake_s = runner, wake_s
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        """This process, as leases name it."""
        self._stop = threading.Event()
        self._woken = asyncio.Event()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        """Start polling (from the running event loop)."""
        self._task = asyncio.get_running_loop().create_task(self._poll(), name="aidmap-sources")

    async def _poll(self) -> None:
        while not self._stop.is_set():
            pause = self.wake_s
            try:
                pause = await self._run_due()
            except StorageError as exc:
                log.warning("sources not polled: %s", exc)
            except Exception:  # a poller that died would leave every source stale
                log.exception("sources: polling failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), pause)

    async def _run_due(self) -> float:
        """Run the sources due now; the seconds until the next one falls due, if that is
        sooner than the next wake (a source is read when due, not up to a wake later)."""
        now = self.runner.clock()
        horizon = now + timedelta(seconds=self.wake_s)
        soon = await asyncio.to_thread(self.runner.store.due_sources, horizon)
        for source in soon:
            if source.next_run_at <= now and not self._stop.is_set():
                await asyncio.to_thread(self._run, source.name)
        upcoming = [s.next_run_at for s in soon if s.next_run_at > now]
        if not upcoming:
            return self.wake_s
        until = (min(upcoming) - self.runner.clock()).total_seconds()
        return min(self.wake_s, max(MIN_PAUSE_S, until))

    def _run(self, name: str) -> None:
        """Run one due source if its lease is free (on a worker thread)."""
        try:
            run_source(self.runner, name, self.holder, only_if_due=True, stop=self._stop)
        except (SourceBusy, NotFound):
            pass  # another replica runs it, or it was removed meanwhile
        except (Stopped, LeaseLost) as exc:
            log.info("source %s: run stopped before writing (%s)", name, type(exc).__name__)
        except StorageError as exc:
            log.warning("source %s: not run: %s", name, exc)

    async def close(self) -> None:
        """Stop polling; wait for a run in progress to stop or finish."""
        self._stop.set()
        self._woken.set()
        if self._task is not None:
            await self._task
