"""Holding a source's lease for the length of a run, renewed while it lasts.

The lease lives in the store, shared by every replica and command: whoever holds it runs
the source, everyone else waits or moves on. A thread renews it every third of its length;
if a renewal finds it taken (this process stalled past its expiry and another took over),
the run is told (``lost``) and stops before it writes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from app.storage.errors import NotFound, StorageError
from app.storage.port import SourceStore

log = logging.getLogger("aidmap.sources")


class SourceBusy(Exception):
    """Another run holds the source's lease."""


class LeaseLost(Exception):
    """The lease expired and another holder took it while this run went on."""


@contextmanager
def leased(
    store: SourceStore,
    name: str,
    holder: str,
    lease_s: float,
    clock: Callable[[], datetime],
) -> Iterator[threading.Event]:
    """Hold the source's lease for the block, renewed meanwhile, released after; yields
    an event set when a renewal found it lost. SourceBusy while another holds it,
    NotFound for an unknown source."""
    length = timedelta(seconds=lease_s)
    now = clock()
    if not store.take_lease(name, holder, now, now + length):
        raise SourceBusy(f"{name} is being run now; try again in a moment")
    done, lost = threading.Event(), threading.Event()

    def renew() -> None:
        while not done.wait(lease_s / 3):
            try:
                now = clock()
                if not store.take_lease(name, holder, now, now + length):
                    lost.set()
                    return
            except NotFound:  # removed meanwhile
                lost.set()
                return
            except StorageError as exc:  # the next renewal may get through
                log.warning("source %s: lease not renewed: %s", name, exc)

    renewer = threading.Thread(target=renew, name=f"aidmap-lease-{name}", daemon=True)
    renewer.start()
    try:
        yield lost
    finally:
        done.set()
        renewer.join()
        try:
            store.release_lease(name, holder)
        except StorageError as exc:  # it expires on its own
            log.warning("source %s: lease not released: %s", name, exc)
