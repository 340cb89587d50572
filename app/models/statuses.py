"""Status writes, history, the queue, problem reports and live changes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from app.core.fields import Line, Lines, ServiceCode
from app.domain.enums import WriteSource
from app.domain.records import MAX_ID
from app.domain.statuses import State
from app.models.reads import StatusPublic
from app.services.vocabulary import state_from_word

Condition = Annotated[str, StringConstraints(min_length=1, max_length=100), Line]


class StatusUpdate(BaseModel):
    """A volunteer's report for one service of one resource."""

    model_config = ConfigDict(extra="forbid")

    state: Annotated[
        State,
        BeforeValidator(state_from_word),
        Field(
            description="open, limited, closed or unknown; the words the map shows are read "
            "as these too (开放/可接收 → open, 有限接诊/限制接收/需预约 → limited, 暂停/暂停接收/"
            "停诊 → closed, 未知 → unknown: geodata/status_words.csv); answers give the code",
            examples=["open"],
        ),
    ]
    conditions: list[Condition] = Field(
        [],
        max_length=20,
        description="codes such as negative_test_48h, negative_test_24h, committee_letter, "
        "appointment_only, closed_loop_transport, own_patients_only, emergencies_only, or "
        "short free text",
    )
    note: Annotated[str, Lines] | None = Field(
        None, max_length=1000, description="plain text, shown as text"
    )
    source: Annotated[str, Line] | None = Field(
        None, max_length=300, description="phone call, official notice URL, on site …"
    )
    verified: bool = Field(False, description="verifiers only: confirm in the same call")
    reported_at: datetime | None = Field(
        None,
        description="when it was checked (default: now), with a time zone; at most 3 days "
        "ago and 5 minutes ahead. Older than the current status's last check: kept in "
        "history as a late report, and the current status stays",
    )


class BatchItem(BaseModel):
    """One update of a batch, at the resource version the client saw."""

    model_config = ConfigDict(extra="forbid")

    resource_id: int = Field(ge=1, le=MAX_ID)
    service: ServiceCode
    expected_version: int = Field(ge=1)
    update: StatusUpdate


class StatusBatch(BaseModel):
    """Many updates, applied in one transaction: all or nothing."""

    items: list[BatchItem] = Field(min_length=1, max_length=500)


class BatchItemResult(BaseModel):
    """What happened to one item of a batch."""

    resource_id: int
    service: str
    ok: bool
    version: int | None = Field(None, description="applied: the resource version after it")
    late: bool = Field(False, description="applied as a late report: history only")
    error: str | None = None
    current_version: int | None = Field(
        None,
        description="a version conflict: the version this item should expect, the "
        "resource's as the items before it leave it",
    )


class BatchResult(BaseModel):
    """Per-item outcome; ``applied`` is false when nothing was written."""

    applied: bool
    items: list[BatchItemResult]


class StatusWritten(BaseModel):
    """The current status after the write and the resource's version (also its ETag)."""

    resource_id: int
    version: int
    status: StatusPublic
    late: bool = Field(
        False,
        description="the report was older than the current status's last check: kept in "
        "history only; status and version are the current ones, unchanged",
    )


class HistoryPublic(BaseModel):
    """One report in a resource's status history: a change, or a late report kept."""

    id: int
    resource_version: int
    status: StatusPublic
    late: bool = Field(description="a late report: kept, never current")
    source: WriteSource = Field(
        description="where it was made: workspace (the volunteers' page), api, or import"
    )


class ProblemReportIn(BaseModel):
    """'This is wrong': a short text from anyone."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Lines] = Field(min_length=1, max_length=500)
    service: ServiceCode | None = None


class ProblemReportPublic(BaseModel):
    """A stored problem report."""

    id: int
    resource_id: int
    service: str | None
    text: str
    created_at: datetime


class ChangePublic(BaseModel):
    """One status change, as the event stream sends it in ``event: status``."""

    id: int = Field(description="history id: ask `after` it next")
    resource_id: int
    service: str
    version: int = Field(description="the resource's version after this change")
    status: StatusPublic


class ChangesPublic(BaseModel):
    """Status changes after a history id, for pages that cannot hold an event stream."""

    changes: list[ChangePublic]
    last_id: int = Field(description="the `after` of the next request")
    reset: bool = Field(description="too far behind (or an unknown id): reload, then go on")
    more: bool = Field(description="more changes are waiting: ask again now")
    poll_s: int = Field(description="seconds to wait before asking again")


class CurrentStatuses(BaseModel):
    """The resource as it is now, sent with a version conflict."""

    version: int
    statuses: list[StatusPublic]
