"""Sources: teams' documents read again and again, and who runs each (``sql_sources``)."""

from __future__ import annotations

import abc
from datetime import datetime
from typing import Protocol

from app.domain.sources import NewSource, RunRecord, Source


class SourceStore(Protocol):
    """Sources, the health of their runs, a plan held for review, and each source's lease:
    shared by every replica, so exactly one runs a source at a time."""

    @abc.abstractmethod
    def add_source(self, new: NewSource) -> Source:
        """Store a new source, due to run at once, with a free lease; AlreadyExists if
        its name is taken."""

    @abc.abstractmethod
    def get_source(self, name: str) -> Source:
        """The source with this name; NotFound otherwise."""

    @abc.abstractmethod
    def list_sources(self) -> list[Source]:
        """Every source, by name."""

    @abc.abstractmethod
    def due_sources(self, now: datetime) -> list[Source]:
        """Sources whose ``next_run_at`` is at or before ``now``, the most overdue first."""

    @abc.abstractmethod
    def remove_source(self, name: str) -> None:
        """Delete a source with its lease and held plan; NotFound for an unknown name."""

    @abc.abstractmethod
    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Take or renew the source's lease until ``until`` in one compare-and-set: True
        when ``holder`` has it already or it expired at ``now`` (of several asking at once,
        one gets it), False while another holder's runs; NotFound for an unknown name."""

    @abc.abstractmethod
    def release_lease(self, name: str, holder: str) -> None:
        """Free the lease if ``holder`` has it; nothing otherwise (nor for a source that is
        gone)."""

    @abc.abstractmethod
    def record_run(self, name: str, record: RunRecord) -> Source:
        """Leave a run's outcome, health and file state on the source (a field of
        ``record`` that is None keeps what is stored), holding or dropping a plan as it
        says, in one transaction; the source after it. NotFound for an unknown name."""

    @abc.abstractmethod
    def drop_held(self, name: str) -> Source:
        """Drop the plan the source holds and its file (nothing else changes: the last
        run's outcome stays); the source after it. NotFound for an unknown name."""

    @abc.abstractmethod
    def held_file(self, name: str) -> bytes | None:
        """The file of the plan the source holds, as stored, or None when it holds none;
        NotFound for an unknown name."""
