"""Sources as the API accepts and returns them: coordinator-only, link included (it may
hold a document's secret, so it is never on a public read)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from app.domain.sources import RunOutcome, Source, SourceKind
from app.services.sources.manage import DEFAULT_EVERY_S, MAX_EVERY_S, MAX_SHEET, MAX_URL
from app.services.sources.run import RunResult


class SourceCreate(BaseModel):
    """A source to add: a document's link, what it lists and how often to read it."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=64,
        description="letters of any script, digits, '_', '.' or '-' (history names its "
        "statuses `source:NAME`)",
        examples=["xuhui-dialysis"],
    )
    url: str = Field(
        min_length=1,
        max_length=MAX_URL,
        description="the document's CSV or XLSX export link (http or https)",
        examples=["https://docs.example.org/spreadsheets/d/ID/export?format=csv"],
    )
    kind: SourceKind
    every_s: int = Field(
        DEFAULT_EVERY_S,
        ge=1,
        le=MAX_EVERY_S,
        description="seconds between reads, at least AIDMAP_SOURCE_MIN_INTERVAL_S",
    )
    sheet: str | None = Field(None, min_length=1, max_length=MAX_SHEET, description="XLSX sheet")
    review: bool = Field(False, description="hold every run for a coordinator's review")
    max_change: float = Field(
        0.30,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="hold a run that would change more than this share of the statuses "
        "(or rows) it covers",
    )


class HeldPlanPublic(BaseModel):
    """A plan held for review."""

    held_at: datetime
    reason: str
    headers: list[str] = Field(description="the columns of the file the plan was made from")
    plan: dict[str, Any] = Field(description="counts, and the changes, bad or unmatched rows")


class SourcePublic(BaseModel):
    """A source with its health."""

    name: str
    url: str
    kind: SourceKind
    sheet: str | None
    every_s: int
    max_change: float
    review: bool
    created_by: str | None = Field(description="null: added with `aidmap sources add`")
    created_at: datetime
    next_run_at: datetime
    last_run_at: datetime | None
    last_outcome: RunOutcome | None
    last_error: str | None = Field(description="why the last run failed, if it did")
    rows_understood: int | None = Field(
        description="of the last file read: rows (hospitals, contacts) or status cells read"
    )
    rows_not_understood: int | None = Field(
        description="bad rows (hospitals, contacts), or status cells not understood and rows "
        "matching no hospital"
    )
    running_until: datetime | None = Field(description="a run holds the source until then")
    good_headers: list[str] | None = Field(description="the columns of the last applied file")
    held: HeldPlanPublic | None


class RunResultPublic(BaseModel):
    """What a run did, or (a dry run) would do."""

    outcome: RunOutcome
    dry_run: bool
    error: str | None = None
    reason: str | None = Field(None, description="why the plan is held")
    plan: dict[str, Any] | None = None
    applied: dict[str, int] | None = Field(None, description="what was written")


def source_public(source: Source, now: datetime) -> SourcePublic:
    """A stored source as the API shows it."""
    held = None
    if source.held is not None:
        held = HeldPlanPublic(
            held_at=source.held.held_at, reason=source.held.reason,
            headers=list(source.held.good.headers), plan=source.held.plan,
        )  # fmt: skip
    running = source.lease_until if source.lease_until and source.lease_until > now else None
    return SourcePublic(
        name=source.name, url=source.url, kind=source.kind, sheet=source.sheet,
        every_s=source.every_s, max_change=source.max_change, review=source.review,
        created_by=source.created_by, created_at=source.created_at,
        next_run_at=source.next_run_at, last_run_at=source.last_run_at,
        last_outcome=source.last_outcome, last_error=source.last_error,
        rows_understood=source.rows_understood, rows_not_understood=source.rows_not_understood,
        running_until=running, good_headers=list(source.good.headers) if source.good else None,
        held=held,
    )  # fmt: skip


def run_public(result: RunResult) -> RunResultPublic:
    """A run's result as the API shows it."""
    return RunResultPublic(
        outcome=result.outcome, dry_run=result.dry_run, error=result.error,
        reason=result.reason, plan=result.plan, applied=result.applied,
    )  # fmt: skip
