"""Sources: a team's shared document that aidmap reads again and again (its link, what it
lists, how often), with the health of its runs, the last file that was applied, and a
plan held for a coordinator's review. Times are timezone-aware UTC."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class SourceKind(StrEnum):
    """What a source's document lists (the import kinds)."""

    statuses = "statuses"
    hospitals = "hospitals"
    contacts = "contacts"


class RunOutcome(StrEnum):
    """How a run of a source ended."""

    applied = "applied"  # the file's changes were written
    unchanged = "unchanged"  # the same file as last time: nothing to do
    not_modified = "not_modified"  # the server said so (304)
    held = "held"  # a plan waits for a coordinator's review
    failed = "failed"  # nothing was written; ``last_error`` says why


@dataclass(frozen=True, slots=True)
class NewSource:
    """A source to add (its settings, checked by the service that adds it)."""

    name: str
    url: str
    kind: SourceKind
    every_s: int
    created_at: datetime
    sheet: str | None = None
    max_change: float = 0.30
    review: bool = False
    created_by: str | None = None
    """Who added it (None: the operator, with ``aidmap sources add``)."""


@dataclass(frozen=True, slots=True)
class FileState:
    """What the last file read (applied, held or found unchanged) leaves for the next
    fetch: the server's validators for a conditional GET, and the file's hash."""

    etag: str | None
    last_modified: str | None
    content_hash: str


@dataclass(frozen=True, slots=True)
class GoodFile:
    """The last applied file's headers and row keys: a later file that lost a header or a
    row is caught against them."""

    headers: tuple[str, ...]
    keys: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HeldPlan:
    """A run's plan kept for review instead of applied; the file itself is kept apart
    (``SourceStore.held_file``)."""

    held_at: datetime
    reason: str
    fingerprint: str
    """A hash of what applying would do: approval applies only the same plan."""
    good: GoodFile
    """What becomes the last good file when the plan is approved."""
    plan: dict[str, Any]
    """The plan as a coordinator reviews it (counts, changes, bad rows)."""

    def to_json(self) -> dict[str, Any]:
        """The plan as it is stored."""
        return {
            "held_at": self.held_at.isoformat(),
            "reason": self.reason,
            "fingerprint": self.fingerprint,
            "headers": list(self.good.headers),
            "keys": list(self.good.keys),
            "plan": self.plan,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HeldPlan:
        """A stored plan."""
        return cls(
            held_at=datetime.fromisoformat(data["held_at"]),
            reason=data["reason"],
            fingerprint=data["fingerprint"],
            good=GoodFile(tuple(data["headers"]), tuple(data["keys"])),
            plan=data["plan"],
        )


@dataclass(frozen=True, slots=True)
class Source:
    """A stored source with the health of its last run."""

    id: int
    name: str
    url: str
    """Coordinator-only: a shared document's link may hold its secret."""
    kind: SourceKind
    sheet: str | None
    every_s: int
    max_change: float
    review: bool
    created_by: str | None
    created_at: datetime
    next_run_at: datetime
    last_run_at: datetime | None = None
    last_outcome: RunOutcome | None = None
    last_error: str | None = None
    rows_understood: int | None = None
    rows_not_understood: int | None = None
    file: FileState | None = None
    good: GoodFile | None = None
    held: HeldPlan | None = None
    lease_holder: str | None = None
    lease_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class RunRecord:
    """What one run leaves on its source; a None field keeps what is stored."""

    at: datetime
    outcome: RunOutcome
    next_run_at: datetime
    error: str | None = None
    rows_understood: int | None = None
    rows_not_understood: int | None = None
    file: FileState | None = None
    good: GoodFile | None = None
    held: HeldPlan | None = None
    held_file: bytes | None = None
    """The held plan's file (with ``held``)."""
    clear_held: bool = False
    """Drop the plan held before (applied, dropped or superseded)."""
