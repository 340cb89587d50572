"""The error body every failure answers with."""

from __future__ import annotations

from datetime import datetime

from pydantic import (
    BaseModel,
    Field,
)

from app.models.hospitals import DuplicatePublic
from app.models.reads import CandidatePublic, ResourcePublic
from app.models.statuses import CurrentStatuses


class ErrorIssue(BaseModel):
    """One problem with a request (422 ``invalid_request``)."""

    loc: list[str] = Field(examples=[["query", "k"]])
    msg: str
    type: str


class ErrorDetail(BaseModel):
    """What went wrong: a stable code and a message safe to show."""

    code: str = Field(examples=["not_found"])
    message: str
    details: list[ErrorIssue] | None = Field(None, description="422 invalid_request: each problem")
    candidates: list[CandidatePublic] | None = Field(
        None, description="422 address_not_found: places the address could mean, to choose from"
    )
    duplicates: list[DuplicatePublic] | None = Field(
        None,
        description="409 possible_duplicates: stored hospitals the one sent may be (nothing "
        "was stored; send allow_duplicates: true to store it all the same)",
    )
    holder: str | None = Field(
        None, description="409 on a help request: the volunteer who holds it (null: nobody)"
    )
    claimed_at: datetime | None = Field(None, description="409 on a help request: since when")


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class VersionConflictBody(ErrorBody):
    """412: the If-Match version is stale; the current version and statuses come along."""

    current: CurrentStatuses


class ResourceConflictBody(ErrorBody):
    """412: the If-Match version is stale; the resource as it is now comes along."""

    current: ResourcePublic
