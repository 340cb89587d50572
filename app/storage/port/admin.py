"""The store's administration: opening, closing, metadata, seeding, counts, services (``sql``)."""

from __future__ import annotations

import abc
from collections.abc import Callable
from typing import Protocol

from app.domain.records import (
    SeedData,
    Service,
)

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while a long load runs."""


class StoreAdmin(Protocol):
    """Opening, closing, metadata, seeding, counts and the list of services (``sql``)."""

    backend: str
    """The backend's name (``sqlite``, ``postgis``)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    def change_counter(self) -> int | None:
        """A number that changes whenever anything was committed, cheaply read; None when
        the backend cannot tell (callers then ask the store what changed)."""
        return None

    @abc.abstractmethod
    def get_meta(self, key: str) -> str | None:
        """A value from the store's key/value metadata, or None."""

    @abc.abstractmethod
    def seed(self, data: SeedData, version: str, progress: Progress | None = None) -> bool:
        """Load ``data`` in one transaction unless a seed is already there; True if loaded."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Units per level (``districts``, ``streets``, ``committees``) and resources per kind."""

    @abc.abstractmethod
    def precision_counts(self) -> dict[str, dict[str, int]]:
        """How many units per level, and resources per kind, have each precision."""

    @abc.abstractmethod
    def list_services(self) -> list[Service]:
        """All services in display order. The seed writes them once and nothing changes
        them after, so a store reads them once."""

    @abc.abstractmethod
    def known_services(self) -> list[Service] | None:
        """``list_services`` if this store has read them already, else None: without I/O,
        for the event loop."""
