"""The storage interface: records, errors and the ``Store`` every backend implements.

Routes and services see only this module (the status records live in ``status_records``
and are imported from here). Coordinates are WGS-84 longitude/latitude
in degrees; times are timezone-aware UTC.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from enum import StrEnum

from app.storage.status_records import (
    HistoryEntry,
    IntakeStatus,
    State,
    StatusChange,
    StatusReport,
    StatusWrite,
)


class Level(StrEnum):
    """Administrative level of a unit."""

    district = "district"
    street = "street"
    committee = "committee"


class Precision(StrEnum):
    """How well a location is known, finest first (DESIGN.md §1)."""

    exact = "exact"
    approximate = "approximate"
    committee = "committee"
    street = "street"
    district = "district"

    @property
    def rank(self) -> int:
        """0 for the finest precision, larger for coarser ones."""
        return list(Precision).index(self)


class Role(StrEnum):
    """What a token may do; each role may do everything the ones before it may."""

    volunteer = "volunteer"
    verifier = "verifier"
    coordinator = "coordinator"
    admin = "admin"

    def allows(self, needed: Role) -> bool:
        """True when this role includes ``needed``."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


class SourceCrs(StrEnum):
    """Coordinate system a location was given in before conversion to WGS-84."""

    wgs84 = "wgs84"
    gcj02 = "gcj02"
    bd09 = "bd09"


MAX_ID = 2**31 - 1
"""Largest id every backend stores (a PostgreSQL ``integer``): larger ones are refused
with 422 before they reach a query, where PostgreSQL would fail on them."""
RESOURCES_CHANGED = "resources_changed_at"
"""Meta key a store moves whenever a resource is added or changed (not by status writes)."""


class StorageError(Exception):
    """Base of every error a store raises."""


class NotFound(StorageError):
    """The record asked for does not exist."""


class AlreadyExists(StorageError):
    """A record with the same unique key exists."""


class InvalidRecord(StorageError):
    """A record breaks a constraint of the schema (coordinates out of range, unknown link)."""


class VersionConflict(StorageError):
    """The caller's expected version is not the current one (for a batch: not the one the
    batch's earlier changes left; ``item`` is then the index of the change that failed)."""

    def __init__(self, current_version: int, item: int | None = None) -> None:
        super().__init__(f"version conflict: current version is {current_version}")
        self.current_version = current_version
        self.item = item


class StoreUnavailable(StorageError):
    """The store cannot be opened (bad location, permissions, unsupported backend)."""


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


@dataclass(frozen=True, slots=True)
class ProblemReport:
    """A member of the public saying a status or a detail is wrong."""

    id: int
    resource_id: int
    service: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Share:
    """A shared map view under its short code; never changed once stored."""

    code: str
    view: dict
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Area:
    """What a layer query asks for: a lon/lat box (WGS-84 degrees) and filters."""

    bbox: tuple[float, float, float, float] | None = None
    district_id: int | None = None
    service: str | None = None
    states: frozenset[State] = frozenset()
    checked_since: datetime | None = None
    """With ``service``: only statuses reported or verified at or after this time."""
    name: str | None = None
    """Resources whose name, English name or an alias contains this text (any case)."""


@dataclass(frozen=True, slots=True)
class Cluster:
    """The points of one grid cell: their mean lon/lat (WGS-84 degrees) and how many;
    with ``by_state``, how many of them show each ``SHOWN_STATES`` for the area's service."""

    lon: float
    lat: float
    count: int
    states: Mapping[str, int] | None = None


SHOWN_STATES = ("open", "limited", "closed", "unknown", "not_offered")
"""What a map shows of a resource for a service: a state checked since the area's
``checked_since`` (open, limited, closed); ``unknown`` for an unknown, never reported or
out-of-date status; ``not_offered`` for a service it neither lists nor has a status for."""


@dataclass(frozen=True, slots=True)
class SeedData:
    """Everything a new store is loaded with, in load order."""

    services: Sequence[Service]
    units: Sequence[UnitRecord]
    aliases: Sequence[UnitAlias]
    resources: Sequence[tuple[NewResource, str]] = field(default=())
    """Resources with the division code of their district."""


def field_names(record_type: type) -> tuple[str, ...]:
    """Names of a record dataclass's fields, inherited ones included."""
    return tuple(f.name for f in fields(record_type))


Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while a long load runs."""


class Store(abc.ABC):
    """Persistent storage of units, resources, statuses and history."""

    backend: str

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

    # -- metadata and seeding --------------------------------------------------
    def change_counter(self) -> int | None:
        """A number that changes whenever anything was committed, cheaply read; None when
        the backend cannot tell (callers then ask the store what changed)."""
        return None

    @abc.abstractmethod
    def get_meta(self, key: str) -> str | None:
        """A value from the store's key/value metadata, or None."""

    @abc.abstractmethod
    def seed(self, data: SeedData, version: str, progress: Progress | None = None) -> bool:
        """Load ``data`` in one transaction unless a seed is already there; True if loaded."""

    @abc.abstractmethod
    def counts(self) -> dict[str, int]:
        """Units per level (``districts``, ``streets``, ``committees``) and resources per kind."""

    @abc.abstractmethod
    def precision_counts(self) -> dict[str, dict[str, int]]:
        """How many units per level, and resources per kind, have each precision."""

    # -- administrative units --------------------------------------------------
    @abc.abstractmethod
    def get_unit(self, unit_id: int) -> AdminUnit:
        """The unit with this id; NotFound otherwise."""

    @abc.abstractmethod
    def find_units(
        self,
        *,
        level: Level | None = None,
        name: str | None = None,
        parent_id: int | None = None,
        district_id: int | None = None,
        code: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[AdminUnit]:
        """Units matching every given filter, ordered by division code then id."""

    @abc.abstractmethod
    def resolve_alias(self, alias: str) -> AdminUnit | None:
        """The unit a former name or short form stands for, or None."""

    @abc.abstractmethod
    def list_aliases(self) -> dict[str, int]:
        """Every alias with the id of the unit it stands for."""

    @abc.abstractmethod
    def boundaries(self, level: Level) -> dict[int, dict]:
        """Outlines (GeoJSON geometries) of the units of one level that have one, by id."""

    @abc.abstractmethod
    def move_units(self, moves: Iterable[UnitMove]) -> int:
        """Relocate units in one transaction, never to a coarser precision; returns moves made."""

    @abc.abstractmethod
    def get_boundary(self, unit_id: int) -> dict | None:
        """The unit's outline as a GeoJSON geometry, or None when none is loaded."""

    # -- geocoder cache ----------------------------------------------------------
    @abc.abstractmethod
    def cached_answer(
        self, provider: str, query_key: str, *, since: datetime | None = None
    ) -> dict | None:
        """A provider's cached answer to a query, or None; with ``since``, only an answer
        cached on that UTC day or later."""

    @abc.abstractmethod
    def cache_answer(self, provider: str, query_key: str, answer: dict) -> None:
        """Remember (or replace) a provider's answer to a query, dated by the day only: the
        cache keeps neither the query's text nor when, to the second, it was asked."""

    @abc.abstractmethod
    def forget_cached_answers(self, before: datetime) -> int:
        """Delete the answers cached before this moment; how many were deleted."""

    # -- services --------------------------------------------------------------
    @abc.abstractmethod
    def list_services(self) -> list[Service]:
        """All services in display order."""

    # -- resources -------------------------------------------------------------
    @abc.abstractmethod
    def add_resource(self, new: NewResource) -> Resource:
        """Store a new resource at version 1; AlreadyExists if its ``ref`` is taken."""

    @abc.abstractmethod
    def get_resource(self, resource_id: int) -> Resource:
        """The resource with this id; NotFound otherwise."""

    @abc.abstractmethod
    def list_resources(
        self, *, kind: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Resource]:
        """Resources ordered by id."""

    @abc.abstractmethod
    def resources_in(
        self, kind: str | None, area: Area, limit: int, offset: int, *, count: bool = True
    ) -> tuple[int | None, list[ResourceView]]:
        """Resources of a kind (None: any) in an area (with their statuses), ordered by id,
        and how many match in all (None unless ``count``)."""

    has_spatial_index = False
    """True when the database can find nearest points itself (``nearest_in``), which the
    app then may ask instead of its own in-memory index."""

    def nearest_in(
        self, kind: str, lon: float, lat: float, area: Area, max_m: float | None, limit: int
    ) -> list[ResourceView]:
        """The ``limit`` resources of a kind nearest to a point on the sphere that match
        ``area``'s status filters (and lie within about ``max_m``), nearest first, each
        with its status for ``area.service`` (if one is asked). Only for backends with
        ``has_spatial_index``."""
        raise NotImplementedError(f"{type(self).__name__} has no spatial index")

    @abc.abstractmethod
    def grid_clusters(
        self, layer: str, area: Area, cell: float, *, by_state: bool = False
    ) -> list[Cluster]:
        """The resources of kind ``layer`` (or units of level ``layer``) in an area, counted
        per cell of a grid of ``cell`` degrees anchored at (-180, -90): one cluster per
        cell that has any, ordered by column (west to east) then row (south to north).
        With ``by_state`` (resources, ``area.service`` given): every resource of the area
        whatever its state, each cluster counting the ``SHOWN_STATES``."""

    @abc.abstractmethod
    def units_in(
        self, level: Level, area: Area, limit: int, offset: int
    ) -> tuple[int, list[AdminUnit]]:
        """Units of a level whose point is in an area, by code, and how many match in all."""

    @abc.abstractmethod
    def view_resources(
        self,
        *,
        ids: Sequence[int] | None = None,
        kind: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ResourceView]:
        """Resources ordered by id, each with its current statuses, from one snapshot."""

    @abc.abstractmethod
    def update_resource(
        self, resource_id: int, expected_version: int, **changes: object
    ) -> Resource:
        """Change fields and bump the version; VersionConflict if stale, InvalidRecord if bad."""

    @abc.abstractmethod
    def apply_resource_changes(
        self, adds: Sequence[NewResource], updates: Sequence[ResourceUpdate]
    ) -> tuple[list[Resource], list[Resource]]:
        """Add and update resources in one transaction: all of it, or nothing."""

    # -- tokens ------------------------------------------------------------------
    @abc.abstractmethod
    def add_token(self, name: str, role: Role, token_hash: str) -> Token:
        """Store a new token's hash; AlreadyExists if the hash is taken."""

    @abc.abstractmethod
    def token_by_hash(self, token_hash: str) -> Token | None:
        """The token with this hash (revoked ones too), or None."""

    @abc.abstractmethod
    def list_tokens(self) -> list[Token]:
        """Every token, oldest first."""

    @abc.abstractmethod
    def revoke_token(self, token_id: int) -> Token:
        """Mark a token revoked (idempotent); NotFound otherwise."""

    # -- problem reports ---------------------------------------------------------
    @abc.abstractmethod
    def add_problem_report(self, resource_id: int, service: str | None, text: str) -> ProblemReport:
        """Store a public "this is wrong" report; NotFound for an unknown resource or service."""

    @abc.abstractmethod
    def list_problem_reports(
        self, resource_ids: Sequence[int] | None = None
    ) -> list[ProblemReport]:
        """Problem reports, newest first, optionally for some resources only."""

    @abc.abstractmethod
    def problem_report_times(
        self, resource_ids: Sequence[int]
    ) -> dict[int, dict[str | None, datetime]]:
        """When each of these resources was last reported wrong, per service (None: the
        resource as a whole), for resources that have any: times only, never the text,
        so public reads can say that a problem is being checked."""

    # -- shares ------------------------------------------------------------------
    @abc.abstractmethod
    def create_share(self, view: dict, code_factory: Callable[[], str]) -> Share:
        """Store a view under a new code from ``code_factory`` (drawn again while taken);
        a view stored before (same canonical JSON) returns its existing share."""

    @abc.abstractmethod
    def get_share(self, code: str) -> Share:
        """The share with this code; NotFound otherwise."""

    # -- statuses and history --------------------------------------------------
    @abc.abstractmethod
    def status_snapshot(self, service: str) -> tuple[dict[int, IntakeStatus], int]:
        """Every current status for one service by resource id, and the id of the last
        history row that became current they include (one snapshot)."""

    @abc.abstractmethod
    def history_after(self, history_id: int, limit: int = 10_000) -> list[HistoryEntry]:
        """History rows with ids above ``history_id`` that became current, oldest first
        (what caches and live pages follow): late reports are left out."""

    @abc.abstractmethod
    def last_history_id(self) -> int:
        """The id of the newest history row that became current (0 for none)."""

    @abc.abstractmethod
    def statuses_for(self, resource_ids: Sequence[int], service: str) -> dict[int, IntakeStatus]:
        """Current statuses of some resources for one service, by resource id."""

    @abc.abstractmethod
    def set_statuses(self, changes: Sequence[StatusChange]) -> list[StatusWrite]:
        """Apply status changes in order, in one transaction: all of them, or none.

        The same as ``set_status`` for each change in turn: each is checked against the
        version the changes before it left (two changes of one resource that expect the
        same version conflict), and a late one changes nothing current. Raises
        ``VersionConflict`` with ``item`` (the failing change's index) and the version it
        should have expected, ``NotFound`` for an unknown resource or service.
        """

    @abc.abstractmethod
    def verify_status(
        self, resource_id: int, service: str, verifier: str, expected_version: int | None = None
    ) -> StatusWrite:
        """Confirm the current report as it is, now (a history row; the version grows);
        NotFound for an unknown resource or service or no report, VersionConflict when
        ``expected_version`` is given and stale."""

    @abc.abstractmethod
    def set_status(
        self, resource_id: int, service: str, report: StatusReport, expected_version: int
    ) -> StatusWrite:
        """File one report if the resource is at ``expected_version``, atomically.

        A report dated before the current status's last check (``is_late``) is appended to
        history as late and changes nothing current, not even the version; any other
        replaces the status, bumps the version and appends history.
        """

    @abc.abstractmethod
    def history(
        self, resource_id: int, *, service: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[HistoryEntry]:
        """Status history of a resource, late reports included, newest first."""
