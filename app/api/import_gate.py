"""How many imports run at once in this process, and on which threads.

Reading and planning a file is CPU work in a worker thread. Imports get threads of their
own (``THREADS``), so however many arrive they never take the threads other requests run
on; dry runs without a coordinator's token are also admitted only ``PUBLIC_RUNNING`` at a
time, and answered 503 with Retry-After beyond that instead of queueing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import anyio
import anyio.to_thread

from app.core.errors import TooManyRequests

PUBLIC_RUNNING = 2
THREADS = 4
RETRY_AFTER_S = 10


class ImportsBusy(TooManyRequests):
    """Every slot for dry runs without a coordinator's token is taken."""

    status_code = 503
    code = "busy"


class ImportGate:
    """The admission count of public dry runs and the thread limiter of all imports."""

    def __init__(self) -> None:
        self.public_running = 0
        self._threads: anyio.CapacityLimiter | None = None

    @contextmanager
    def admit(self, *, public: bool) -> Iterator[None]:
        """Hold a public slot for the block (none for a coordinator); 503 when none is free.
        Called on the event loop only, so the count needs no lock."""
        if not public:
            yield
            return
        if self.public_running >= PUBLIC_RUNNING:
            raise ImportsBusy(
                "this server is checking other files; try again shortly", RETRY_AFTER_S
            )
        self.public_running += 1
        try:
            yield
        finally:
            self.public_running -= 1

    async def run(self, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)`` on one of the imports' threads."""
        if self._threads is None:
            self._threads = anyio.CapacityLimiter(THREADS)
        return await anyio.to_thread.run_sync(work, *args, limiter=self._threads)
