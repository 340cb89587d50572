"""API schemas: what the HTTP API accepts and returns."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from app.core.fields import Line, Lines, ServiceCode
from app.services.auth import MAX_TOKEN_NAME, token_name
from app.services.vocabulary import state_from_word
from app.storage.base import MAX_ID, Level, Precision, Role, SourceCrs, State


class Health(BaseModel):
    """Liveness, the storage backend and what is loaded."""

    status: str = Field(examples=["ok"])
    version: str
    storage: str = Field(examples=["sqlite"])
    seed_version: str | None
    counts: dict[str, int] = Field(
        examples=[{"districts": 16, "streets": 234, "committees": 6509, "hospitals": 70}]
    )


class ServicePublic(BaseModel):
    """A service a hospital can take patients for."""

    code: str = Field(examples=["dialysis"])
    name_zh: str = Field(examples=["血透"])
    name_en: str = Field(examples=["Dialysis"])


class UnitPublic(BaseModel):
    """A district, street/town or committee, with its representative point (WGS-84)."""

    id: int
    code: str | None = Field(description="12-digit NBS division code")
    level: Level
    name: str
    kind: str
    name_en: str | None
    parent_id: int | None
    district_id: int | None
    lon: float
    lat: float
    precision: Precision = Field(description="how well the point is known")


class StatusPublic(BaseModel):
    """Intake status of one resource for one service."""

    service: str
    state: State
    conditions: list[str] = []
    note: str | None = None
    source: str | None = None
    reported_by: str | None = Field(
        None, description="the reporting volunteer's name: only for a signed-in caller"
    )
    reported_at: datetime | None = None
    verified: bool = Field(description="a verifier confirmed it (at verified_at)")
    verified_by: str | None = Field(
        None, description="the verifier's name: only for a signed-in caller"
    )
    verified_at: datetime | None = None
    stale: bool = Field(description="older than AIDMAP_STATUS_TTL_HOURS, or never reported")
    age_seconds: int | None = Field(description="seconds since reported; null if never")


class ResourcePublic(BaseModel):
    """A hospital or other resource, where it is, how well that is known, and its statuses."""

    id: int
    ref: str | None
    kind: str
    name: str
    name_en: str | None
    aliases: list[str]
    address: str | None
    phones: list[str]
    services: list[str] = Field(description="service codes the resource offers")
    district_id: int | None
    street_id: int | None
    committee_id: int | None
    lon: float
    lat: float
    precision: Precision
    location_verified: bool = Field(description="false: the point has not been checked")
    source_crs: SourceCrs
    source: str | None
    attributes: dict[str, str] = Field(
        description="imported columns without a field of their own; without a token only "
        "`level` (the others may name people)"
    )
    version: int
    updated_at: datetime
    statuses: list[StatusPublic]
    problem_reported_at: datetime | None = Field(
        None,
        description="someone reported a problem (POST .../reports) that no status check has "
        "answered since: when the newest such report was made; never what it said",
    )


class CandidatePublic(BaseModel):
    """One unit an ambiguous address could mean."""

    name: str
    level: str
    lon: float
    lat: float
    district: str | None = None
    street: str | None = None


class GeocodePublic(BaseModel):
    """A geocoder answer: a WGS-84 point with how well it is known, or why there is none."""

    provider: str
    outcome: str = Field(
        description="found, not_found, timeout, rate_limited, quota, bad_key or error"
    )
    lon: float | None = None
    lat: float | None = None
    precision: Precision | None = None
    confidence: float = Field(ge=0, le=1)
    district: str | None = None
    street: str | None = None
    committee: str | None = None
    candidates: list[CandidatePublic] = []
    notes: list[str] = []


class ImportRowPublic(BaseModel):
    """What an import does with one row (row = its line or row number in the file)."""

    row: int
    action: str = Field(description="add, change, unchanged, duplicate or bad")
    name: str
    reason: str | None = None
    resource_id: int | None = None
    changes: dict[str, list] = Field(description="field: [stored value, new value]")
    precision: Precision | None = None
    confidence: float | None = None
    located_by: str | None = None
    notes: list[str] = []


class ImportPlanPublic(BaseModel):
    """The dry-run report of an import, and what was written if it was applied."""

    filename: str
    kind: str
    counts: dict[str, int]
    notices: list[str]
    low_precision_rows: list[int]
    rows: list[ImportRowPublic]
    applied: dict[str, int] | None = Field(None, description="null for a dry run")
    summarised: bool = Field(
        False,
        description="true (a dry run without a coordinator's token): `rows` lists only the "
        "first 100 bad rows and `low_precision_rows` the first 100; `counts` cover every "
        "planned row",
    )
    truncated: bool = Field(
        False,
        description="true: only the first rows of the file were planned (a dry run without a "
        "coordinator's token reads at most 2,000 rows and plans for at most 5 s); "
        "`notices` say how many",
    )


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
            "停诊 → closed, 未知 → unknown: app/services/vocabulary.py); answers give the code",
            examples=["open"],
        ),
    ]
    conditions: list[Condition] = Field(
        [],
        max_length=20,
        description="codes such as negative_test_48h, committee_letter, appointment_only, "
        "closed_loop_transport, or short free text",
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


class QueueItem(BaseModel):
    """A status that most needs a call, with the number to call."""

    resource_id: int
    name: str
    phones: list[str]
    service: str
    state: State
    reason: str = Field(description="reported problem, never reported, never verified, or oldest")
    checked_at: datetime | None
    age_seconds: int | None
    problem_reports: list[str]


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


class TokenCreate(BaseModel):
    """A token to make: who holds it and what it may do."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, AfterValidator(token_name)] = Field(
        min_length=1,
        max_length=MAX_TOKEN_NAME,
        description="who holds it: visible text, no control, invisible or direction characters",
    )
    role: Role


class TokenPublic(BaseModel):
    """A token as listed: never its secret."""

    id: int
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    """A new token with its secret, shown this once."""

    token: str


class PointGeometry(BaseModel):
    """A GeoJSON point, [lon, lat] in WGS-84 (RFC 7946)."""

    type: str = "Point"
    coordinates: tuple[float, float]


class NearestProperties(BaseModel):
    """What the requester needs: how far, which way, how to call, how fresh."""

    name: str
    name_en: str | None
    kind: str
    address: str | None
    phones: list[str]
    precision: Precision
    location_verified: bool
    distance_m: float = Field(description="great-circle metres from the origin")
    distance_exact: bool = Field(
        description="false when the origin or the resource is placed only by its district: "
        "distance_m then orders the list but is no fact to show"
    )
    bearing: float = Field(description="degrees clockwise from north, from the origin")
    status: StatusPublic | None = Field(description="the status for the asked service")


class NearestFeature(BaseModel):
    """One resource as a GeoJSON feature."""

    type: str = "Feature"
    id: int
    geometry: PointGeometry
    properties: NearestProperties


class NearestPlace(BaseModel):
    """The units the origin lies in, named as our gazetteer names them (null: unknown)."""

    district: str | None = None
    street: str | None = None
    committee: str | None = None


class NearestOrigin(BaseModel):
    """Where distances are measured from, and how well that point is known."""

    lon: float
    lat: float
    precision: Precision
    source: str = Field(description="coordinates, or the geocoder that placed the address")
    address: str | None = None
    place: NearestPlace = Field(default_factory=NearestPlace)


class NearestContact(BaseModel):
    """An office (street office, residents' committee) to call near the origin."""

    id: int
    name: str
    phones: list[str]
    distance_m: float
    distance_exact: bool


class NearestCollection(BaseModel):
    """The nearest resources, closest first."""

    type: str = "FeatureCollection"
    answer: Literal["open", "fallback", "all"] = Field(
        description="open: in the asked states and fresh; fallback: none was, so the nearest "
        "offering the service whatever their status (call before going); all: no service asked"
    )
    features: list[NearestFeature]
    numberReturned: int
    origin: NearestOrigin
    contacts: list[NearestContact] = Field(
        description="hospitals queries: up to 2 offices with phones near the origin"
    )


class ShareCreated(BaseModel):
    """A stored share: its short code and the absolute links made from it."""

    code: str = Field(examples=["k7m2xq"])
    url: str = Field(description="the short link that opens the map")
    qr_png: str
    qr_svg: str
    preview_png: str = Field(description="1200×630 Open Graph image")
    text: str = Field(description="the plain-text card for a chat message")


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


class ErrorBody(BaseModel):
    """The body of every error response."""

    error: ErrorDetail


class CurrentStatuses(BaseModel):
    """The resource as it is now, sent with a version conflict."""

    version: int
    statuses: list[StatusPublic]


class VersionConflictBody(ErrorBody):
    """412: the If-Match version is stale; the current version and statuses come along."""

    current: CurrentStatuses
