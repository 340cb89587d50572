"""What an offline map file holds, read from the store: hospitals, outlines, the view.

The file is carried where our server is not (a chat's file viewer, a phone without data),
so it holds only what a requester needs from the public map, as of one moment: names,
addresses, phones, how well each point is known, and each service's state with its
conditions and its age at that moment. Never notes, people's names, aliases, refs, sources,
problem reports or imported extra columns. Hospitals are a GeoJSON FeatureCollection
(WGS-84 lon/lat, 5 decimals ≈ 1 m) whose properties use short keys to stay small at
thousands of hospitals:

- ``n`` name (``e``: the English name, in an English file only), ``a`` address, ``t`` phones,
  ``x`` 1 when the point is exact (absent: approximate or coarser, drawn hollow);
- ``s`` one entry per offered or reported service: ``[service, state]`` for one never
  reported, else ``[service, state, age in minutes at the snapshot, stale then (0/1),
  verified (0/1), *condition codes]``, where ``service`` indexes the file's service list
  and ``state`` is ``STATES``' index.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from app.core.text import clean_text
from app.domain.enums import Kind, Level, Precision
from app.domain.records import AdminUnit, ResourceView, Service
from app.domain.statuses import State
from app.services.exports.outlines import Outlines, fit_outlines
from app.services.freshness import age_seconds, is_stale
from app.services.sharing import ShareView
from app.services.units import units_named
from app.services.vocabulary import service_code
from app.storage.errors import NotFound
from app.storage.meta_keys import MetaKey
from app.storage.port import Store

STATES = (State.open, State.limited, State.closed, State.unknown)
DECIMALS = 5
CONDITION_CHARS = 40
"""Free-text conditions are cut to this many characters (codes are shorter)."""
OUTLINES_AT_MOST, OUTLINES_AT_LEAST = 400_000, 20_000
"""Bytes of outlines: more detail is lost on a phone's screen; less, and even districts
would be blobs (the bundled districts are ~19 KB as they are)."""
CITY_CENTER, CITY_ZOOM, DISTRICT_ZOOM = (121.47, 31.23), 10, 12
"""Where the live map's share opens for the whole city and for one district."""


@dataclass(frozen=True, slots=True)
class SnapshotQuery:
    """What a file shows: one service's states (None: every hospital, any service), one
    district (None: the city), in one language."""

    service: str | None
    district: AdminUnit | None
    lang: str

    @property
    def key(self) -> tuple[str | None, int | None, str]:
        """The query as a cache key."""
        return self.service, self.district.id if self.district else None, self.lang

    @property
    def center(self) -> tuple[float, float]:
        """Where the live map's view opens (lon, lat)."""
        return (self.district.lon, self.district.lat) if self.district else CITY_CENTER

    @property
    def zoom(self) -> int:
        """The live map's zoom for the view."""
        return DISTRICT_ZOOM if self.district else CITY_ZOOM


@dataclass(frozen=True, slots=True)
class SnapshotData:
    """Everything the file shows, as of ``taken_at``."""

    query: SnapshotQuery
    taken_at: datetime
    ttl_hours: float
    services: tuple[Service, ...]
    hospitals: dict
    """A GeoJSON FeatureCollection in the short keys of the module's docstring."""
    outlines: Outlines
    bounds: tuple[float, float, float, float]
    """West, south, east, north of the outlines and hospitals shown."""

    @property
    def count(self) -> int:
        """How many hospitals the file holds."""
        return len(self.hospitals["features"])


class BadSnapshotQuery(ValueError):
    """A language the file cannot be written in."""


def snapshot_query(
    store: Store, service: str | None, district: str | None, lang: str
) -> SnapshotQuery:
    """The query named by words a person types (血透, dialysis; 浦东新区, 浦东, 南汇区);
    NotFound naming what is unknown and where to look it up."""
    if lang not in ("zh", "en"):
        raise BadSnapshotQuery(f"lang must be zh or en, not {lang[:20]!r}")
    code = None
    if service is not None:
        code = service_code(store.list_services(), service)
        if code is None:
            raise NotFound(f"no service {service[:40]!r}; see /api/v1/services")
    unit = None
    if district is not None:
        found = units_named(store, district, Level.district, limit=1)
        if not found:
            raise NotFound(f"no district {district[:40]!r}; see /api/v1/units?level=district")
        unit = found[0]
    return SnapshotQuery(code, unit, lang)


def live_view(query: SnapshotQuery) -> ShareView:
    """The live map's view of the same thing, to share as the file's way back online."""
    return ShareView(center=query.center, zoom=query.zoom, service=query.service,
                     lang=query.lang)  # fmt: skip


def data_version(store: Store) -> str:
    """A short digest that moves whenever anything a file shows may have changed: a
    resource, a status (every write adds history), a unit's place or outline, a service."""
    parts = (
        store.resources_changed_at(),
        store.last_history_id(),
        store.get_meta(MetaKey.units_version),
        [(s.code, s.name_zh, s.name_en, s.position) for s in store.list_services()],
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:20]


def read_snapshot(
    store: Store,
    query: SnapshotQuery,
    now: datetime,
    ttl_hours: float,
    room: int,
) -> SnapshotData:
    """The file's data as of ``now``: ``room`` is the bytes left for hospitals and outlines
    together; the outlines get what the hospitals leave (within ``OUTLINES_AT_*``)."""
    services = tuple(store.list_services())
    index = {service.code: number for number, service in enumerate(services)}
    district_id = query.district.id if query.district else None
    features = []
    for view in store.iter_views(kind=Kind.hospital):
        r = view.resource
        if district_id is not None and r.district_id != district_id:
            continue
        if query.service and query.service not in r.services and query.service not in view.statuses:
            continue
        features.append(_feature(view, index, query.lang, now, ttl_hours))
    hospitals = {"type": "FeatureCollection", "features": features}
    left = room - len(json.dumps(hospitals, ensure_ascii=False, separators=(",", ":")).encode())
    budget = min(OUTLINES_AT_MOST, max(OUTLINES_AT_LEAST, left))
    outlines = fit_outlines(_district_outlines(store, district_id),
                            _street_outlines(store, district_id), budget)  # fmt: skip
    points = [f["geometry"]["coordinates"] for f in features]
    return SnapshotData(
        query=query,
        taken_at=now,
        ttl_hours=ttl_hours,
        services=services,
        hospitals=hospitals,
        outlines=outlines,
        bounds=_bounds(outlines.bounds, points, query),
    )


def _feature(view: ResourceView, index: dict[str, int], lang: str, now: datetime, ttl: float):
    r = view.resource
    properties: dict = {"n": clean_text(r.name)}
    if lang == "en" and r.name_en and r.name_en != r.name:
        properties["e"] = clean_text(r.name_en)
    if r.address:
        properties["a"] = clean_text(r.address)
    if r.phones:
        properties["t"] = [clean_text(phone) for phone in r.phones]
    if r.precision == Precision.exact:
        properties["x"] = 1
    entries = []
    for service in dict.fromkeys((*r.services, *view.statuses)):
        if service not in index:
            continue
        status = view.statuses.get(service)
        if status is None:
            entries.append([index[service], STATES.index(State.unknown)])
            continue
        checked = status.checked_at
        entries.append([
            index[service], STATES.index(State(status.state)), age_seconds(checked, now) // 60,
            int(is_stale(checked, now, ttl)), int(status.verified_at is not None),
            *(_cut(condition) for condition in status.conditions),
        ])  # fmt: skip
    properties["s"] = entries
    point = [round(r.lon, DECIMALS), round(r.lat, DECIMALS)]
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": point},
            "properties": properties}  # fmt: skip


def _cut(text: str) -> str:
    text = clean_text(text)
    return text if len(text) <= CONDITION_CHARS else text[: CONDITION_CHARS - 1] + "…"


def _district_outlines(store: Store, district_id: int | None) -> list[dict]:
    outlines = store.boundaries(Level.district)
    if district_id is not None:
        return [outlines[district_id]] if district_id in outlines else []
    return list(outlines.values())


def _street_outlines(store: Store, district_id: int | None) -> list[dict]:
    outlines = store.boundaries(Level.street)
    if district_id is None or not outlines:
        return list(outlines.values())
    inside = {u.id for u in store.find_units(level=Level.street, district_id=district_id)}
    return [outline for unit_id, outline in outlines.items() if unit_id in inside]


def _bounds(
    outlined: tuple[float, float, float, float] | None,
    points: list[list[float]],
    query: SnapshotQuery,
) -> tuple[float, float, float, float]:
    """The box to open on: the outlines and hospitals shown, else around the view's centre."""
    lons = [p[0] for p in points] + ([outlined[0], outlined[2]] if outlined else [])
    lats = [p[1] for p in points] + ([outlined[1], outlined[3]] if outlined else [])
    if not lons:
        lon, lat = query.center
        return lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05
    return min(lons), min(lats), max(lons), max(lats)
