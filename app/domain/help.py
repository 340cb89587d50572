"""Help requests (求助): what a requester asked for, where, how urgent, and what volunteers
did about it. Personal fields (phone, name, text, the exact point, the answers) are None
once erased; the counts stay. Times are timezone-aware UTC, points WGS-84."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from app.domain.enums import Precision


class HelpState(StrEnum):
    """Where a request is: ``new → claimed → contacting → matched → resolved``, or
    ``closed`` with a reason from any state before ``resolved``."""

    new = "new"
    claimed = "claimed"
    contacting = "contacting"
    matched = "matched"
    resolved = "resolved"
    closed = "closed"

    @property
    def finished(self) -> bool:
        """Resolved or closed: nothing more happens to it, and retention counts from then."""
        return self in (HelpState.resolved, HelpState.closed)


UNFINISHED = (HelpState.new, HelpState.claimed, HelpState.contacting, HelpState.matched)
LAPSING = (HelpState.claimed, HelpState.contacting)
MOST_CLAIMS = 10
"""Claims one volunteer may hold (claimed or contacting, not lapsed) or have taken within
the claim time: more than one person can phone about at once, and since each claim shows a
phone, a cap bounds what one leaked invite could reveal."""
"""States whose claim lapses when nobody moves the request on in time (``matched`` waits
on a hospital, not on its volunteer)."""


class CloseReason(StrEnum):
    """Why a request was closed rather than resolved."""

    admitted = "admitted"
    referred = "referred"
    unreachable = "unreachable"
    duplicate = "duplicate"
    withdrawn = "withdrawn"
    out_of_scope = "out_of_scope"


class Urgency(StrEnum):
    """How soon a request needs an answer, most urgent first."""

    critical = "critical"
    high = "high"
    medium = "medium"
    normal = "normal"

    @property
    def rank(self) -> int:
        """0 for the most urgent."""
        return list(Urgency).index(self)


class HelpEventKind(StrEnum):
    """What a line of a request's history records."""

    created = "created"
    merged = "merged"
    """The same phone asked for the same service again: that submission, merged in."""
    state = "state"
    """A transition (a claim too), with who made it."""
    lapsed = "lapsed"
    """A claim nobody moved on in time, back on the board."""
    note = "note"
    """A volunteer's note: private, or (``public``) a message the requester sees."""
    added = "added"
    """Information the requester added through the tracking link."""
    withdrawn = "withdrawn"
    """The requester withdrew the request (its personal fields went at once)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class NewHelpRequest:
    """A request as intake validated it."""

    service: str
    answers: dict
    urgency: Urgency
    urgency_why: tuple[str, ...]
    district_id: int | None
    street_id: int | None
    committee_id: int | None
    lon: float
    lat: float
    precision: Precision
    phone: str
    name: str | None
    text: str | None
    consent_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class HelpRequest:
    """A stored request. ``state_at`` is its last transition (a claim lapses from it)."""

    id: int
    service: str
    answers: dict | None
    urgency: Urgency
    urgency_why: tuple[str, ...]
    district_id: int | None
    street_id: int | None
    committee_id: int | None
    lon: float | None
    lat: float | None
    precision: Precision
    phone: str | None
    name: str | None
    text: str | None
    consent_at: datetime
    state: HelpState
    close_reason: CloseReason | None
    claimed_by: str | None
    claim_key: str | None
    claimed_at: datetime | None
    state_at: datetime
    resource_id: int | None
    created_at: datetime
    updated_at: datetime
    contacted_at: datetime | None
    closed_at: datetime | None
    erased_at: datetime | None

    def lapsed(self, lapsed_before: datetime) -> bool:
        """Whether its claim has lapsed: held, not moved on since ``lapsed_before``."""
        return self.state in LAPSING and self.state_at < lapsed_before

    def shown_state(self, lapsed_before: datetime) -> HelpState:
        """The state the board shows: a lapsed claim is ``new`` again."""
        return HelpState.new if self.lapsed(lapsed_before) else self.state


@dataclass(frozen=True, slots=True)
class HelpAdded:
    """What intake stored: the request (an earlier one when ``merged``)."""

    request: HelpRequest
    merged: bool


@dataclass(frozen=True, slots=True)
class HelpLinked:
    """The request a tracking link leads to; ``repeat``: it was sent more than once (the
    same phone and service merged into it). Sending proves only knowing the phone and the
    service, and whoever sent first may be a stranger as well as whoever sent again: a
    repeated request's links show the state and take added words, and no more."""

    request: HelpRequest
    repeat: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class HelpMove:
    """A transition to write: the new state, and who made it when."""

    state: HelpState
    by: str
    by_key: str
    at: datetime
    reason: CloseReason | None = None
    resource_id: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HelpEvent:
    """A line of a request's history; ``text`` None once erased (or never any)."""

    id: int
    request_id: int
    kind: HelpEventKind
    state: HelpState | None
    reason: CloseReason | None
    resource_id: int | None
    text: str | None
    public: bool
    by: str | None
    """The volunteer's name; None for the requester and the system."""
    at: datetime


@dataclass(frozen=True, slots=True)
class HelpReveal:
    """Someone read a request's phone, name, text and exact point."""

    request_id: int
    by: str
    by_key: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class HelpBoardQuery:
    """Which requests the board lists, most urgent then oldest first."""

    lapsed_before: datetime
    states: tuple[HelpState, ...] = UNFINISHED
    """As the board shows them: a lapsed claim counts as ``new``."""
    district_id: int | None = None
    service: str | None = None
    limit: int = 50
    offset: int = 0


@dataclass(frozen=True, slots=True)
class HelpCount:
    """How many requests share a district, street, service and state."""

    district_id: int | None
    street_id: int | None
    service: str
    state: HelpState
    count: int
