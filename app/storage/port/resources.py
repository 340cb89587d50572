"""Resources, people's edits of them, and their locations (``sql_resources``, ``sql_edits``,
``sql_locations``)."""

from __future__ import annotations

import abc
from collections.abc import Iterator, Mapping, Sequence
from typing import Protocol

from app.domain.enums import SourceCrs, WriteSource
from app.domain.records import (
    LocationChange,
    NewResource,
    Resource,
    ResourceEdit,
    ResourceUpdate,
)


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


class EditStore(Protocol):
    """Resources created and changed by people, each change recorded (``sql_edits``)."""

    @abc.abstractmethod
    def create_resource(self, new: NewResource, by: str, via: WriteSource) -> Resource:
        """Store a new resource at version 1 and record its creation (every field it has,
        as ``[None, value]``), in one transaction; AlreadyExists if its ``ref`` is taken."""

    @abc.abstractmethod
    def edit_resource(
        self,
        resource_id: int,
        expected_version: int,
        changes: Mapping[str, object],
        by: str,
        via: WriteSource,
    ) -> Resource:
        """Change fields and bump the version if the resource is at ``expected_version``,
        recording ``[old, new]`` of each field that really changes, in one transaction;
        when none does, nothing is written and the resource comes back as it is.
        VersionConflict if stale, NotFound for an unknown resource, InvalidRecord if bad."""

    @abc.abstractmethod
    def resource_edits(
        self, resource_id: int, *, limit: int = 50, offset: int = 0
    ) -> list[ResourceEdit]:
        """A resource's recorded creation and edits, newest first."""


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
