"""What a map layer is asked for and answered with: an area filter and grid clusters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from app.domain.statuses import State


@dataclass(frozen=True, slots=True)
class SortKey:
    """One key of a page's order: ``name``, ``code`` (units), ``status_time`` (resources:
    the newest report of their current statuses, of ``Area.service`` when one is asked,
    else when the resource was last updated) or ``distance`` from ``near``."""

    name: str
    descending: bool = False
    near: tuple[float, float] | None = None
    """For ``distance``: the lon/lat (WGS-84 degrees) measured from, on the sphere."""


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
    during: tuple[datetime | None, datetime | None] | None = None
    """Features whose time (``STATUS_TIME`` for resources) lies in this closed interval
    (None: open at that end); units have no time and always match."""
    where: Mapping | None = None
    """A checked CQL2-JSON tree (``app.services.ogc_filters``): properties are store
    field names, times are aware datetimes, geometries ``Shape``."""
    sortby: tuple[SortKey, ...] = ()
    """The order of a page, before ``id`` (always the last key, so pages never overlap)."""


STATUS_TIME = "status_time"
"""A resource's time: the newest ``reported_at`` of its current statuses (of the area's
service, when one is asked), else its ``updated_at``."""


@dataclass(frozen=True, slots=True)
class Shape:
    """A literal geometry of a filter (WGS-84 lon/lat): its WKB, its envelope and whether
    it is that envelope (an axis-aligned box needs no exact test on points)."""

    wkb: bytes
    bounds: tuple[float, float, float, float]
    is_box: bool


@dataclass(frozen=True, slots=True)
class Extent:
    """Where and when a layer's features are: their lon/lat box (WGS-84 degrees; outlines
    included) and the first and last ``STATUS_TIME``; None for an empty layer or one
    without time."""

    bbox: tuple[float, float, float, float] | None
    interval: tuple[datetime, datetime] | None


@dataclass(frozen=True, slots=True)
class Cluster:
    """The points of one grid cell: their mean lon/lat (WGS-84 degrees) and how many;
    with ``by_state``, how many of them show each ``SHOWN_STATES`` for the area's service."""

    lon: float
    lat: float
    count: int
    states: Mapping[str, int] | None = None


FEATURE_COLUMNS = ("id", "name", "name_en", "kind", "address", "phones", "services",
                   "precision", "location_verified", "district_id", "street_id",
                   "committee_id", "version", "lon", "lat")  # fmt: skip
"""The resource columns a public feature shows, in the order of a ``FeatureRows`` row
(``phones`` as its stored JSON text)."""
STATUS_COLUMNS = ("service", "state", "conditions", "reported_at", "verified_at")
"""The status columns a public feature shows, in the order of each status in a
``FeatureRows`` row's statuses (``conditions`` as its stored JSON text)."""


@dataclass(frozen=True, slots=True)
class FeatureRows:
    """One page of resources as the store read them, for encoding straight to GeoJSON: no
    record per row where a feature needs only a few plain columns."""

    total: int
    resources: list[tuple]
    """Each resource on the page, by id: its ``FEATURE_COLUMNS``, then two JSON texts
    (or None for none): its current statuses, ``[[STATUS_COLUMNS…], …]``, and its open
    problem reports, ``[[service, created_at], …]``; times are ISO text in UTC without
    an offset, conditions their stored JSON text as a string."""
