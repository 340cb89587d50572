"""The volunteers' workspace: the call queue's cards, claims, placed locations and closing
problem reports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.fields import Lines
from app.domain.enums import Precision, ProblemOutcome, SourceCrs, WriteSource
from app.domain.statuses import State
from app.models.reads import StatusPublic


class ClaimPublic(BaseModel):
    """Who is calling a hospital, since when, until when (signed-in callers only)."""

    holder: str
    claimed_at: datetime
    expires_at: datetime


class RunningClaim(ClaimPublic):
    """A running claim with the hospital it is on."""

    resource_id: int


class OpenReport(BaseModel):
    """A public problem report still waiting for a check, with the id to close it by."""

    id: int
    service: str | None
    text: str
    created_at: datetime


class LocationState(BaseModel):
    """Where the map puts a resource and how well that is known."""

    lon: float
    lat: float
    precision: Precision
    verified: bool


class QueueItem(BaseModel):
    """A card of the call queue: a status to call about (or, with ``service`` null, a
    point to confirm on the map), the hospital's numbers, every status it has, open
    reports and who is calling it now."""

    resource_id: int
    version: int = Field(description="the resource's ETag: send it as If-Match to write")
    name: str
    address: str | None
    phones: list[str]
    service: str | None = Field(description="null: the entry is about the location")
    state: State | None
    reason: str = Field(
        description="reported problem, fresh report, never reported, never verified, "
        "location unverified, or oldest check (in this order of urgency)"
    )
    checked_at: datetime | None
    age_seconds: int | None
    problem_reports: list[str] = Field(description="the open reports' texts (see open_reports)")
    open_reports: list[OpenReport]
    statuses: list[StatusPublic] = Field(description="every service's status, with names")
    location: LocationState
    claim: ClaimPublic | None = Field(description="someone calling now, or null")


class ClaimWritten(BaseModel):
    """A claim held by the caller."""

    holder: str
    claimed_at: datetime
    expires_at: datetime


class LocationIn(BaseModel):
    """A point typed as coordinates (``lon``, ``lat``, ``crs``) or pasted as ``link``: an
    Amap or Baidu URL, their share text, or "lat,lon" text (read in ``crs``)."""

    model_config = ConfigDict(extra="forbid")

    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, examples=[121.4737])
    lat: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, examples=[31.2304])
    crs: SourceCrs = Field(
        SourceCrs.wgs84, description="wgs84 (GPS), gcj02 (Amap, Tencent) or bd09 (Baidu)"
    )
    link: str | None = Field(None, min_length=1, max_length=2000)

    @model_validator(mode="after")
    def _one_form(self) -> LocationIn:
        pair = self.lon is not None and self.lat is not None
        half = (self.lon is None) != (self.lat is None)
        if half or pair == (self.link is not None):
            raise ValueError("give either lon and lat (with crs) or link")
        return self


class LocationWritten(BaseModel):
    """The resource's location after a person placed it."""

    resource_id: int
    version: int
    lon: float
    lat: float
    precision: Precision
    location_verified: bool
    source_crs: SourceCrs
    read_from: str = Field(description="what the point was read from (amap position, …)")


class LocationChangePublic(BaseModel):
    """One move of a resource's point: from where to where, by whom (signed-in only)."""

    id: int
    resource_version: int
    old: dict
    new: dict
    changed_by: str | None
    changed_at: datetime
    source: WriteSource


class ProblemClose(BaseModel):
    """A verifier's note on closing a problem report."""

    model_config = ConfigDict(extra="forbid")

    note: Annotated[str, Lines] | None = Field(None, max_length=1000)


class ProblemClosed(BaseModel):
    """A problem report as a verifier closed it."""

    id: int
    resource_id: int
    service: str | None
    text: str
    created_at: datetime
    closed_as: ProblemOutcome
    closed_by: str
    closed_at: datetime
    close_note: str | None
