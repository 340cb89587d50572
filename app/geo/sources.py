"""What geo code reads from outside itself, as narrow protocols: the gazetteer's units and
aliases, resources' addresses, a cache of providers' answers and the learned addresses.
The store satisfies them without geo importing storage (geo sits below it)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from app.domain.enums import Level
from app.domain.learned import LearnedPoint
from app.domain.records import AdminUnit, Resource


class UnitSource(Protocol):
    """The gazetteer as stored: units, their aliases and their outlines."""

    def find_units(self, *, level: Level | None = None) -> list[AdminUnit]:
        """Units (of one level), ordered by division code then id."""
        ...

    def list_aliases(self) -> dict[str, int]:
        """Every alias with the id of the unit it stands for."""
        ...

    def boundaries(self, level: Level) -> dict[int, dict]:
        """Outlines (GeoJSON geometries) of the units of one level that have one, by id."""
        ...


class ResourceSource(Protocol):
    """Stored resources, whose addresses tell which districts a road runs through."""

    def iter_resources(self, *, kind: str | None = None) -> Iterator[Resource]:
        """Every resource (of a kind), ordered by id."""
        ...


class AnswerStore(Protocol):
    """Where providers' answers are kept, dated by day."""

    def cached_answer(
        self, provider: str, query_key: str, *, since: datetime | None = None
    ) -> dict | None:
        """A provider's kept answer to a query (kept on ``since``'s UTC day or later)."""
        ...

    def cache_answer(self, provider: str, query_key: str, answer: dict) -> None:
        """Keep (or replace) a provider's answer to a query."""
        ...

    def forget_cached_answers(self, before: datetime) -> int:
        """Delete the answers kept before this moment; how many were deleted."""
        ...


class LearnedSource(Protocol):
    """The addresses the deployment learned from its own verified points."""

    def iter_learned(self) -> Iterator[LearnedPoint]:
        """Every learned point, ordered by id."""
        ...

    def learned_version(self) -> str | None:
        """Moves with every change to the learned points (None: none learned yet)."""
        ...


class GeoSource(UnitSource, ResourceSource, AnswerStore, LearnedSource, Protocol):
    """Everything a geocoder chain reads: what ``build_chain`` takes."""
