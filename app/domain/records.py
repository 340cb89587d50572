"""Records of the domain: administrative units, services, resources and their updates,
tokens, invites and sessions, problem reports, claims, shares and the data a new store is
seeded with.

Immutable dataclasses; coordinates are WGS-84 longitude/latitude in degrees, times are
timezone-aware UTC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from functools import cache

from app.domain.enums import (
    EditAction,
    Level,
    Precision,
    ProblemOutcome,
    Role,
    SourceCrs,
    WriteSource,
)
from app.domain.statuses import IntakeStatus

MAX_ID = 2**31 - 1
"""Largest id every backend stores (a PostgreSQL ``integer``): larger ones are refused
with 422 before they reach a query, where PostgreSQL would fail on them."""


@dataclass(frozen=True, slots=True)
class UnitRecord:
    """An administrative unit to load; parents are named by their division code."""

    code: str
    level: Level
    name: str
    kind: str
    parent_code: str | None
    lon: float
    lat: float
    precision: Precision
    name_en: str | None = None
    boundary: dict | None = None


@dataclass(frozen=True, slots=True)
class AdminUnit:
    """A stored district, street/town or committee."""

    id: int
    code: str | None
    level: Level
    name: str
    kind: str
    parent_id: int | None
    district_id: int | None
    lon: float
    lat: float
    precision: Precision
    name_en: str | None


@dataclass(frozen=True, slots=True)
class UnitAlias:
    """Another name for a unit: a former name (闸北区) or a short form (浦东)."""

    alias: str
    unit_code: str
    kind: str


@dataclass(frozen=True, slots=True)
class UnitMove:
    """A new location (and optionally outline) for one unit.

    Applied only where the unit is not already located more precisely.
    """

    unit_id: int
    lon: float
    lat: float
    precision: Precision
    boundary: dict | None = None


@dataclass(frozen=True, slots=True)
class Service:
    """A service a resource can take patients for (dialysis, emergency …)."""

    code: str
    name_zh: str
    name_en: str
    position: int


@dataclass(frozen=True, slots=True, kw_only=True)
class NewResource:
    """A resource to add."""

    kind: str
    name: str
    lon: float
    lat: float
    precision: Precision
    district_id: int | None = None
    street_id: int | None = None
    committee_id: int | None = None
    ref: str | None = None
    name_en: str | None = None
    aliases: tuple[str, ...] = ()
    address: str | None = None
    phones: tuple[str, ...] = ()
    services: tuple[str, ...] = ()
    source_crs: SourceCrs = SourceCrs.wgs84
    location_verified: bool = False
    source: str | None = None
    attributes: Mapping[str, str] = field(default_factory=dict)
    """Columns of an imported row that have no field of their own (医院等级 …)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource(NewResource):
    """A stored resource; ``version`` grows with every change to it or its statuses."""

    id: int
    version: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class ResourceUpdate:
    """Changes to one resource, applied only if it is still at ``expected_version``."""

    resource_id: int
    expected_version: int
    changes: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ResourceView:
    """A resource with its current statuses by service code, read in one snapshot."""

    resource: Resource
    statuses: Mapping[str, IntakeStatus]


@dataclass(frozen=True, slots=True)
class Token:
    """An API token as stored: never the secret, only its hash."""

    id: int
    name: str
    role: Role
    created_at: datetime
    revoked_at: datetime | None
    session_id: int | None = None
    """Set when the caller signed in through an invite (a cookie session, ``Session``):
    routes then treat it as a token named and ranked as the session is."""


@dataclass(frozen=True, slots=True)
class Invite:
    """A link that lets people join with a role: never the code, only its hash."""

    id: int
    name: str
    """Whom it invites (the name their sessions carry into history)."""
    role: Role
    created_by: str | None
    """Who made it (None: the operator, with ``aidmap invite create``)."""
    created_at: datetime
    expires_at: datetime
    max_uses: int
    uses: int
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class Session:
    """A browser signed in through an invite: never the cookie's secret, only its hash."""

    id: int
    name: str
    role: Role
    invite_id: int | None
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProblemReport:
    """A member of the public saying a status or a detail is wrong."""

    id: int
    resource_id: int
    service: str | None
    text: str
    created_at: datetime
    closed_as: ProblemOutcome | None = None
    """Resolved or dismissed by a verifier (None: open until a check answers it)."""
    closed_by: str | None = None
    closed_at: datetime | None = None
    close_note: str | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    """Someone calling a resource: others see who and since when, until ``expires_at``."""

    resource_id: int
    holder: str
    holder_key: str
    """Who holds it, as a key the holder's later requests carry (``token:12``)."""
    claimed_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class LocationChange:
    """A resource's point moved by a person: from where to where (WGS-84), by whom, when."""

    id: int
    resource_id: int
    resource_version: int
    """The version the move made."""
    old: Mapping[str, object]
    """``lon``, ``lat``, ``precision``, ``location_verified``, ``source_crs`` before."""
    new: Mapping[str, object]
    changed_by: str
    changed_at: datetime
    via: WriteSource


@dataclass(frozen=True, slots=True)
class ResourceEdit:
    """A person's change to a resource's fields (or its creation): each changed field with
    its value before and after, as its column holds it; by whom, when, from where."""

    id: int
    resource_id: int
    resource_version: int
    """The version the edit made (1 for a creation)."""
    action: EditAction
    changes: Mapping[str, tuple[object, object]]
    """Field → (old, new); a creation's old values are None."""
    changed_by: str
    changed_at: datetime
    via: WriteSource


@dataclass(frozen=True, slots=True)
class Share:
    """A shared map view under its short code; never changed once stored."""

    code: str
    view: dict
    created_at: datetime


@dataclass(frozen=True, slots=True)
class SeedData:
    """Everything a new store is loaded with, in load order."""

    services: Sequence[Service]
    units: Sequence[UnitRecord]
    aliases: Sequence[UnitAlias]
    resources: Sequence[tuple[NewResource, str]] = field(default=())
    """Resources with the division code of their district."""


@cache
def field_names(record_type: type) -> tuple[str, ...]:
    """Names of a record dataclass's fields, inherited ones included (asked per row read:
    ``dataclasses.fields`` is too slow for that, and the answer never changes)."""
    return tuple(f.name for f in fields(record_type))
