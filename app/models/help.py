"""Help requests: what a requester sends and is told, and what volunteers see of them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.fields import Line, Lines, Plain, ServiceCode
from app.domain.enums import Precision, SourceCrs
from app.domain.help import CloseReason, HelpEventKind, HelpState, Urgency
from app.domain.records import MAX_ID
from app.models.nearest import NearestCollection, NearestContact

MAX_TEXT = 1000
MAX_NAME = 50


class HelpLocationIn(BaseModel):
    """Where help is needed: a point (``lon``/``lat``, from the phone's location), a typed
    address, or a unit picked from the lists (district, street or committee)."""

    model_config = ConfigDict(extra="forbid")

    lon: float | None = Field(None, ge=-180, le=180, allow_inf_nan=False, examples=[121.4737])
    lat: float | None = Field(
        None, ge=-180, le=180, allow_inf_nan=False, examples=[31.2304],
        description="-90 to 90 (a value beyond is taken as a swapped longitude, and said so)",
    )  # fmt: skip
    crs: SourceCrs = Field(
        SourceCrs.wgs84, description="the point's system: wgs84 (a browser), gcj02 (高德), bd09"
    )
    address: Annotated[str, Line, Plain] | None = Field(None, min_length=1, max_length=200)
    unit_id: int | None = Field(None, ge=1, le=MAX_ID, description="/api/v1/units")

    @model_validator(mode="after")
    def _one_way(self) -> HelpLocationIn:
        point = self.lon is not None or self.lat is not None
        if point and (self.lon is None or self.lat is None):
            raise ValueError("give both lon and lat")
        if point + (self.address is not None) + (self.unit_id is not None) != 1:
            raise ValueError("give one of: lon and lat, address, unit_id")
        return self


class HelpRequestIn(BaseModel):
    """A request for help (求助), sent without signing in."""

    model_config = ConfigDict(extra="forbid")

    service: ServiceCode = Field(
        description="a service's code or name (/api/v1/services), or other"
    )
    answers: dict[str, Any] = Field(
        {},
        max_length=10,
        description="the service's questions: dialysis last_session (YYYY-MM-DD); oncology "
        "due_date (YYYY-MM-DD), treatment (chemotherapy, radiotherapy, other); maternity "
        "weeks (1-45), signs (contractions, waters_broken, bleeding, reduced_movement, "
        "severe_headache); other need (text). All optional",
        examples=[{"last_session": "2022-04-20"}],
    )
    location: HelpLocationIn
    phone: str = Field(max_length=40, description="a Chinese mobile or landline to call back")
    name: Annotated[str, Line, Plain] | None = Field(None, max_length=MAX_NAME)
    text: Annotated[str, Lines, Plain] | None = Field(
        None, max_length=MAX_TEXT, description="plain text: HTML markup is a 422"
    )
    consent: bool = Field(description="must be true: the details may be shared with volunteers")
    website: str | None = Field(
        None, max_length=200, description="leave out or empty (a field for robots)"
    )


class HelpCreated(BaseModel):
    """A request taken: where to follow it, and whom to call meanwhile."""

    id: int
    tracking_url: str = Field(description="the private link to follow it: keep it, share it only "
                              "with family; it is shown only now")  # fmt: skip
    state: HelpState
    merged_into: int | None = Field(
        description="the same phone asked for the same service within 24 hours: this "
        "submission was added to that request (id); its links then show its state only"
    )
    nearest: NearestCollection = Field(description="the nearest hospitals open for the service")
    office: NearestContact | None = Field(
        description="the residents' committee or street office near the place, to call"
    )


class UnitRef(BaseModel):
    """A district, street or committee by id and name."""

    id: int
    name: str


class HospitalRef(BaseModel):
    """The hospital a request was matched with."""

    id: int
    name: str
    address: str | None
    phones: list[str]


class HelpMessage(BaseModel):
    """A volunteers' message to the requester (never who wrote it)."""

    at: datetime
    text: str


class HelpTracking(BaseModel):
    """What the tracking link shows: the state, the hospital once matched, the volunteers'
    messages. Never the phone, name, text or point."""

    state: HelpState
    service: str
    close_reason: CloseReason | None
    created_at: datetime
    updated_at: datetime
    matched: HospitalRef | None
    messages: list[HelpMessage]
    added: list[datetime] = Field(description="when you added information")
    erased: bool = Field(description="your phone, name, text and position are erased")
    repeat: bool = Field(
        False,
        description="the request was sent more than once (the same phone and service "
        "within 24 hours): its links show the state only, and cannot withdraw it; the "
        "volunteers call the phone",
    )


class HelpAddIn(BaseModel):
    """Information the requester adds."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Lines, Plain] = Field(min_length=1, max_length=MAX_TEXT)


class UrgencyWhy(BaseModel):
    """A rule that decided a request's urgency, in words."""

    code: str
    zh: str
    en: str


class HelpClaim(BaseModel):
    """Who holds a request, since when, and when the claim lapses unless moved on."""

    holder: str
    claimed_at: datetime
    lapses_at: datetime | None = Field(description="null: it waits on the hospital, not lapsing")


class HelpBoardItem(BaseModel):
    """A request on the board: no name, text or exact position, the phone masked."""

    id: int
    service: str
    urgency: Urgency
    urgency_why: list[UrgencyWhy]
    state: HelpState = Field(description="as the board sees it: a lapsed claim is new again")
    close_reason: CloseReason | None
    district: UnitRef | None
    street: UnitRef | None
    phone: str | None = Field(description="masked (138****1234); null once erased")
    created_at: datetime
    age_seconds: int
    claim: HelpClaim | None
    resource_id: int | None = Field(description="the matched hospital")
    erased: bool


class HelpEventPublic(BaseModel):
    """A line of a request's history, for volunteers."""

    id: int
    kind: HelpEventKind
    state: HelpState | None
    reason: CloseReason | None
    resource_id: int | None
    text: str | None = Field(description="the requester's words only when revealed; null "
                             "once erased")  # fmt: skip
    public: bool
    by: str | None
    at: datetime


class HelpRequestDetail(HelpBoardItem):
    """A request for volunteers; the personal fields only for its claimant and
    coordinators (``revealed``: such a read is logged)."""

    revealed: bool
    committee: UnitRef | None
    precision: Precision
    answers: dict | None
    name: str | None
    text: str | None
    lon: float | None
    lat: float | None
    contacted_at: datetime | None
    closed_at: datetime | None
    events: list[HelpEventPublic]


class HelpClaimed(BaseModel):
    """A claim held by the caller."""

    id: int
    state: HelpState
    claim: HelpClaim


class HelpTransitionIn(BaseModel):
    """A move of a request: its new state, a close reason, the matched hospital."""

    model_config = ConfigDict(extra="forbid")

    state: HelpState
    reason: CloseReason | None = Field(None, description="closed only, and needed there")
    resource_id: int | None = Field(None, ge=1, le=MAX_ID, description="matched only: the hospital")


class HelpNoteIn(BaseModel):
    """A volunteers' note, or (``public``) a message the requester sees."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, Lines, Plain] = Field(min_length=1, max_length=MAX_TEXT)
    public: bool = False


class HelpRevealPublic(BaseModel):
    """Someone read a request's personal fields."""

    by: str
    at: datetime


class StatsCell(BaseModel):
    """A count of requests in a unit."""

    id: int | None = Field(description="null: not placed in any")
    name: str | None
    count: int


class HelpStats(BaseModel):
    """Aggregates only: no request can be picked out."""

    total: int
    by_state: dict[str, int]
    by_service: dict[str, int] = Field(description="services with at least `min_cell` requests")
    by_district: list[StatsCell]
    streets: list[StatsCell] = Field(description="streets with at least `min_cell` requests")
    min_cell: Literal[5] = 5
    resolution_share: float | None = Field(description="resolved of all requests; null: none")
    median_minutes_to_contact: float | None
