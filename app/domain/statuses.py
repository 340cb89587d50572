"""Intake statuses, their history, and the one rule every backend shares about them:
when a report comes too late to become current. Times are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.enums import WriteSource


class State(StrEnum):
    """Intake state of one resource for one service."""

    open = "open"
    limited = "limited"
    closed = "closed"
    unknown = "unknown"


SHOWN_STATES = ("open", "limited", "closed", "unknown", "not_offered")
"""What a map shows of a resource for a service: a state checked since the area's
``checked_since`` (open, limited, closed); ``unknown`` for an unknown, never reported or
out-of-date status; ``not_offered`` for a service it neither lists nor has a status for."""


@dataclass(frozen=True, slots=True)
class StatusReport:
    """What a volunteer reports for one resource and one service."""

    state: State
    reported_by: str
    conditions: tuple[str, ...] = ()
    note: str | None = None
    source: str | None = None
    verified_by: str | None = None
    reported_at: datetime | None = None
    """When the volunteer checked; the time of writing when not given (never late)."""
    via: WriteSource = WriteSource.api
    """Where the report was made (history only)."""


@dataclass(frozen=True, slots=True)
class IntakeStatus:
    """The current status of one resource for one service."""

    resource_id: int
    service: str
    state: State
    conditions: tuple[str, ...]
    note: str | None
    source: str | None
    reported_by: str
    reported_at: datetime
    verified_by: str | None
    verified_at: datetime | None

    @property
    def checked_at(self) -> datetime:
        """When the status was last known true: its report, or a later verification."""
        if self.verified_at is not None and self.verified_at > self.reported_at:
            return self.verified_at
        return self.reported_at


def is_late(reported_at: datetime | None, checked_at: datetime | None) -> bool:
    """True when a report dated ``reported_at`` is older than the last check of the status
    it would replace: it is kept in history as a late report and never becomes current.
    A report without a date (made now) and a first report are never late."""
    return reported_at is not None and checked_at is not None and reported_at < checked_at


def not_offered(resource_id: int, service: str, listed: list[str] | tuple[str, ...]) -> str:
    """Why a status (or a problem report) for a service the resource does not list is
    refused: it would rank a hospital for care it does not give."""
    return (
        f"resource {resource_id} does not list the service {service!r} (it lists: "
        f"{', '.join(listed) or 'none'}); a coordinator adds the service to the resource first"
    )


@dataclass(frozen=True, slots=True)
class StatusChange:
    """One update of a batch: a report for a resource and service, at the version seen."""

    resource_id: int
    service: str
    report: StatusReport
    expected_version: int


@dataclass(frozen=True, slots=True)
class StatusWrite:
    """What one status change did, as its transaction left it.

    ``version`` is the resource version after this change (its ETag): one more than
    expected, or unchanged for a late report. ``status`` is the current status after it:
    the report itself, or, for a late report, the newer status it did not replace.
    """

    resource_id: int
    version: int
    status: IntakeStatus
    late: bool = False


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One appended row of status history: the status as reported, the resource version it
    made (or, for a late report, the version it was filed at), and whether it came late."""

    id: int
    status: IntakeStatus
    resource_version: int
    late: bool = False
    via: WriteSource = WriteSource.api
