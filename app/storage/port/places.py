"""Places: administrative units, the geocoder's cache, learned addresses, and layers read
by area (``sql_units``, ``sql``, ``sql_learned``, ``sql_layers``)."""

from __future__ import annotations

import abc
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Protocol

from app.domain.enums import Level
from app.domain.layers import Area, Cluster, Extent, FeatureRows
from app.domain.learned import LearnedPoint
from app.domain.records import (
    AdminUnit,
    ResourceView,
    UnitMove,
)


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


class LearnedStore(Protocol):
    """Addresses learned from the deployment's own places (``sql_learned``): written only
    by ``services.address_learning``, read whole by the learned geocoder's index."""

    @abc.abstractmethod
    def put_learned(self, points: Sequence[LearnedPoint]) -> int:
        """Add or replace points in one transaction (a resource's by its id, a taught one by
        source, district and address); how many rows they replaced."""

    @abc.abstractmethod
    def forget_learned(
        self, *, resource_ids: Iterable[int] = (), origins: Iterable[str] = ()
    ) -> int:
        """Drop the points of these resources and those taught from these files; how many."""

    @abc.abstractmethod
    def replace_derived(self, points: Sequence[LearnedPoint]) -> int:
        """Make the resources' points exactly ``points`` in one transaction, taught ones
        kept (a rebuild); how many resource points there are now."""

    @abc.abstractmethod
    def iter_learned(self) -> Iterator[LearnedPoint]:
        """Every learned point, ordered by id."""

    @abc.abstractmethod
    def learned_version(self) -> str | None:
        """Moves with every write to the learned points (None: none learned yet)."""

    @abc.abstractmethod
    def resources_learned(self) -> bool:
        """Whether every resource's point was derived at least once (``replace_derived``):
        not yet in a store from before addresses were learned."""


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
    def feature_rows(self, kind: str, area: Area, limit: int, offset: int) -> FeatureRows:
        """``resources_in`` of a kind as plain rows of the columns a public feature shows,
        with each resource's statuses and open problem reports."""

    @abc.abstractmethod
    def feature_row(self, kind: str, resource_id: int) -> tuple | None:
        """One resource of ``kind`` as a row of ``FeatureRows.resources``, or None."""

    @abc.abstractmethod
    def layer_extent(self, layer: str) -> Extent:
        """Where and when the resources of a kind (or units of a level) are."""

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
