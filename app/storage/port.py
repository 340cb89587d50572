"""The storage port: one protocol per area of the store, mirroring the SQL store's parts
(``sql_units``, ``sql_resources``, ``sql_locations``, ``sql_layers``, ``sql_statuses``,
``sql_access``, ``sql_sessions``, ``sql_claims``, ``sql_shares``, the geocoder cache and
administration in ``sql``), and ``Store``, their union, which every backend implements.

Services take the narrowest protocol that covers what they call. Coordinates are WGS-84
longitude/latitude in degrees; times are timezone-aware UTC; failures are the errors of
``app.storage.errors``.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from app.domain.enums import Level, ProblemOutcome, Role, SourceCrs, WriteSource
from app.domain.layers import Area, Cluster
from app.domain.records import (
    AdminUnit,
    Claim,
    Invite,
    LocationChange,
    NewResource,
    ProblemReport,
    Resource,
    ResourceUpdate,
    ResourceView,
    SeedData,
    Service,
    Session,
    Share,
    Token,
    UnitMove,
)
from app.domain.statuses import HistoryEntry, IntakeStatus, StatusChange, StatusReport, StatusWrite

Progress = Callable[[str, int, int], None]
"""Called as ``progress(step, done, total)`` while a long load runs."""


class StoreAdmin(Protocol):
    """Opening, closing, metadata, seeding, counts and the list of services (``sql``)."""

    backend: str
    """The backend's name (``sqlite``, ``postgis``)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release connections."""

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

    @abc.abstractmethod
    def list_services(self) -> list[Service]:
        """All services in display order."""


class UnitStore(Protocol):
    """Administrative units, their aliases and outlines (``sql_units``)."""

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

    @abc.abstractmethod
    def units_in(
        self, level: Level, area: Area, limit: int, offset: int
    ) -> tuple[int, list[AdminUnit]]:
        """Units of a level whose point is in an area, by code, and how many match in all."""


class GeocodeCacheStore(Protocol):
    """Providers' geocoding answers, dated by day (``sql``)."""

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


class ResourceStore(Protocol):
    """Resources and their versions (``sql_resources``)."""

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
    def iter_resources(self, *, kind: str | None = None) -> Iterator[Resource]:
        """Every resource (of a kind), ordered by id, read in pages from one snapshot: a
        whole layer without a page size standing for "all"."""

    @abc.abstractmethod
    def resources_changed_at(self) -> str | None:
        """A marker that moves whenever a resource is added or changed (status writes leave
        it), or None before any: what caches built from the resources compare."""

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


class LayerStore(Protocol):
    """Resources with their statuses by kind, area and status (``sql_layers``)."""

    has_spatial_index = False
    """True when the database can find nearest points itself (``nearest_in``), which the
    app then may ask instead of its own in-memory index."""

    @abc.abstractmethod
    def resources_in(
        self, kind: str | None, area: Area, limit: int, offset: int, *, count: bool = True
    ) -> tuple[int | None, list[ResourceView]]:
        """Resources of a kind (None: any) in an area (with their statuses), ordered by id,
        and how many match in all (None unless ``count``)."""

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
    def iter_views(self, *, kind: str | None = None) -> Iterator[ResourceView]:
        """Every resource (of a kind) with its current statuses, ordered by id, read in
        pages from one snapshot."""

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


class StatusStore(Protocol):
    """Intake statuses and their append-only history (``sql_statuses``)."""

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
        self,
        resource_id: int,
        service: str,
        verifier: str,
        expected_version: int | None = None,
        via: WriteSource = WriteSource.api,
    ) -> StatusWrite:
        """Confirm the current report as it is, now (a history row from ``via``; the
        version grows); NotFound for an unknown resource or service or no report,
        VersionConflict when ``expected_version`` is given and stale."""

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


class AccessStore(Protocol):
    """API tokens and the public's problem reports (``sql_access``)."""

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

    @abc.abstractmethod
    def add_problem_report(self, resource_id: int, service: str | None, text: str) -> ProblemReport:
        """Store a public "this is wrong" report; NotFound for an unknown resource or service."""

    @abc.abstractmethod
    def list_problem_reports(
        self, resource_ids: Sequence[int] | None = None, *, closed: bool = False
    ) -> list[ProblemReport]:
        """Problem reports no verifier closed (``closed``: every one), newest first,
        optionally for some resources only."""

    @abc.abstractmethod
    def close_problem_report(
        self, report_id: int, outcome: ProblemOutcome, by: str, note: str | None, now: datetime
    ) -> ProblemReport:
        """Resolve or dismiss a report, once: AlreadyClosed after that, NotFound if unknown.
        A closed report flags nothing and leaves the verification queue."""

    @abc.abstractmethod
    def problem_report_times(
        self, resource_ids: Sequence[int]
    ) -> dict[int, dict[str | None, datetime]]:
        """When each of these resources was last reported wrong, per service (None: the
        resource as a whole), for resources that have any report no verifier closed: times
        only, never the text, so public reads can say that a problem is being checked."""


class ClaimStore(Protocol):
    """Who is calling a resource, until when (``sql_claims``): shared by every replica."""

    @abc.abstractmethod
    def claim(
        self, resource_id: int, holder: str, holder_key: str, now: datetime, until: datetime
    ) -> Claim:
        """Claim a resource until ``until``: the same ``holder_key`` again extends its
        claim (``claimed_at`` stays); ``ClaimHeld`` while another's runs (an expired one is
        free); NotFound for an unknown resource."""

    @abc.abstractmethod
    def release_claim(
        self, resource_id: int, holder_key: str | None, now: datetime
    ) -> Claim | None:
        """End the running claim (the one ended, or None): the holder's own with a
        ``holder_key`` (``ClaimHeld`` when another holds it), anyone's with None."""

    @abc.abstractmethod
    def active_claims(
        self, now: datetime, resource_ids: Sequence[int] | None = None
    ) -> dict[int, Claim]:
        """Claims running at ``now`` by resource id, of these resources or all."""


class LocationStore(Protocol):
    """Points placed by people, and the points they replaced (``sql_locations``)."""

    @abc.abstractmethod
    def place_resource(
        self,
        resource_id: int,
        expected_version: int,
        lon: float,
        lat: float,
        source_crs: SourceCrs,
        by: str,
        via: WriteSource,
    ) -> Resource:
        """Set a WGS-84 point (given in ``source_crs`` before conversion) as exact and
        verified, bumping the version; the old point goes to the location history.
        VersionConflict if stale, NotFound for an unknown resource."""

    @abc.abstractmethod
    def location_history(
        self, resource_id: int, *, limit: int = 50, offset: int = 0
    ) -> list[LocationChange]:
        """Moves of a resource's point, newest first."""


class SessionStore(Protocol):
    """Invites and the cookie sessions made by joining through them (``sql_sessions``):
    hashes only, never a code or a cookie's secret."""

    @abc.abstractmethod
    def add_invite(
        self,
        *,
        name: str,
        role: Role,
        code_hash: str,
        created_by: str | None,
        expires_at: datetime,
        max_uses: int,
    ) -> Invite:
        """Store a new invite, unused; AlreadyExists if the hash is taken."""

    @abc.abstractmethod
    def invite_by_hash(self, code_hash: str) -> Invite | None:
        """The invite with this code hash (revoked, expired and used-up ones too), or None."""

    @abc.abstractmethod
    def get_invite(self, invite_id: int) -> Invite:
        """The invite with this id; NotFound otherwise."""

    @abc.abstractmethod
    def list_invites(self) -> list[Invite]:
        """Every invite, newest first."""

    @abc.abstractmethod
    def revoke_invite(self, invite_id: int) -> Invite:
        """Mark an invite revoked (idempotent: the first time stays); NotFound otherwise.
        Sessions made through it are not ended (``end_session`` does that)."""

    @abc.abstractmethod
    def join_invite(self, code_hash: str, secret_hash: str, now: datetime) -> Session:
        """Use the invite once and open a session named and ranked as the invite says, in
        one transaction: NotFound for no such invite, ``InviteRejected`` when it is
        revoked, expired (``expires_at`` ≤ ``now``) or used up; never more sessions than
        ``max_uses``, however many join at once."""

    @abc.abstractmethod
    def session_by_hash(self, secret_hash: str) -> Session | None:
        """The session with this secret hash (ended ones too), or None."""

    @abc.abstractmethod
    def get_session(self, session_id: int) -> Session:
        """The session with this id; NotFound otherwise."""

    @abc.abstractmethod
    def touch_session(self, session_id: int, now: datetime) -> None:
        """Record that the session was used at ``now`` (nothing for an ended one)."""

    @abc.abstractmethod
    def end_session(self, session_id: int, now: datetime) -> Session:
        """End a session (idempotent: the first time stays); NotFound otherwise."""

    @abc.abstractmethod
    def list_sessions(self) -> list[Session]:
        """Every session, newest first."""


class ShareStore(Protocol):
    """Shared map views under short codes (``sql_shares``)."""

    @abc.abstractmethod
    def create_share(self, view: dict, code_factory: Callable[[], str]) -> Share:
        """Store a view under a new code from ``code_factory`` (drawn again while taken);
        a view stored before (same canonical JSON) returns its existing share."""

    @abc.abstractmethod
    def get_share(self, code: str) -> Share:
        """The share with this code; NotFound otherwise."""


class Store(
    StoreAdmin,
    UnitStore,
    GeocodeCacheStore,
    ResourceStore,
    LocationStore,
    LayerStore,
    StatusStore,
    AccessStore,
    SessionStore,
    ClaimStore,
    ShareStore,
    Protocol,
):
    """Persistent storage of units, resources, statuses and history: every area at once."""
