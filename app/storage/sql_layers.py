"""The read side of resource layers in the SQL store: pages and clusters of a kind in an
area, filtered by status in SQL, and resources with their statuses.

Public reads of resources end here, so each is paged or grouped by the database: a page
turns only its own rows into objects (the ``(kind, id)`` index gives them in order, with
no sort of the layer), and a count or a grid at most scans the layer's index entries in
the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime

from shapely.geometry import shape
from sqlalchemy import (
    Connection,
    Text,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    type_coerce,
)

from app.domain.enums import Level
from app.domain.layers import Area, Cluster, Extent
from app.domain.records import Resource, ResourceView
from app.domain.statuses import SHOWN_STATES, IntakeStatus
from app.storage import schema as t
from app.storage.rows import to_status
from app.storage.schema import UtcDateTime
from app.storage.sql_filters import resource_conditions, status_time, unit_conditions
from app.storage.sql_order import ordered_ids
from app.storage.sql_resources import resource_pages, select_resources
from app.storage.sql_support import BATCH, SqlPlumbing, bbox_conditions, grid_index


class LayerQueries(SqlPlumbing):
    """``Store`` methods that read resources (with statuses) by kind, area and status."""

    def grid_clusters(
        self, layer: str, area: Area, cell: float, *, by_state: bool = False
    ) -> list[Cluster]:
        """Points of resources of kind ``layer`` (or units of level ``layer``) in an area,
        counted per cell of a grid of ``cell`` degrees anchored at (-180, -90); with
        ``by_state``, also per shown state (one outer join to the status table)."""
        if layer in {level.value for level in Level}:
            table = t.admin_units
            conditions = [table.c.level == layer]
        else:
            table = t.resources
            conditions = [table.c.kind == layer]
            if not by_state:
                conditions += status_conditions(area)
            conditions += resource_conditions(area, self.backend)
        if table is t.admin_units:
            conditions += unit_conditions(area, self.backend)
        conditions += bbox_conditions(table.c, area.bbox)
        if area.district_id is not None:
            conditions.append(table.c.district_id == area.district_id)
        columns = [
            table.c.lon,
            table.c.lat,
            grid_index((table.c.lon + 180.0) / cell).label("column"),
            grid_index((table.c.lat + 90.0) / cell).label("row"),
        ]
        if by_state:
            if table is not t.resources or area.service is None:
                raise ValueError("by_state counts the states of resources for one service")
            columns.append(shown_state(area.service, area.checked_since).label("shown"))
            source = t.resources.outerjoin(
                t.intake_status,
                (t.intake_status.c.resource_id == t.resources.c.id)
                & (t.intake_status.c.service == area.service),
            )
            points = select(*columns).select_from(source).where(*conditions)
        else:
            points = select(*columns).where(*conditions)
        cells = points.subquery()
        counts = [func.avg(cells.c.lon), func.avg(cells.c.lat), func.count()]
        if by_state:
            counts += [func.sum(case((cells.c.shown == s, 1), else_=0)) for s in SHOWN_STATES]
        query = (
            select(*counts)
            .group_by(cells.c.column, cells.c.row)
            .order_by(cells.c.column, cells.c.row)
        )
        with self._read() as conn, self._time_bound(conn, area):
            rows = conn.execute(query).all()
        if not by_state:
            return [Cluster(*row) for row in rows]
        return [
            Cluster(lon, lat, n, dict(zip(SHOWN_STATES, map(int, shown), strict=True)))
            for lon, lat, n, *shown in rows
        ]

    def layer_extent(self, layer: str) -> Extent:
        """The box of a layer's points and outlines, and its span of status times."""
        is_units = layer in {level.value for level in Level}
        table = t.admin_units if is_units else t.resources
        c = table.c
        columns = [func.min(c.lon), func.min(c.lat), func.max(c.lon), func.max(c.lat)]
        if not is_units:
            time = status_time(None)  # min and max drop its type: given back to read them
            columns += [type_coerce(f(time), UtcDateTime) for f in (func.min, func.max)]
        kept = c.level == layer if is_units else c.kind == layer
        with self._read() as conn:
            found = conn.execute(select(*columns).where(kept)).one()
            outlines = []
            if is_units:
                query = select(cast(c.boundary, Text)).where(kept, c.boundary.is_not(None))
                outlines = [text for text in conn.execute(query).scalars() if text != "null"]
        if found[0] is None:
            return Extent(None, None)
        west, south, east, north = found[:4]
        for text in outlines:
            w, s, e, n = shape(json.loads(text)).bounds
            west, south, east, north = min(west, w), min(south, s), max(east, e), max(north, n)
        interval = None if is_units else (found[4], found[5])
        return Extent((west, south, east, north), interval)

    def resources_in(
        self, kind: str | None, area: Area, limit: int, offset: int, *, count: bool = True
    ) -> tuple[int | None, list[ResourceView]]:
        """Resources of a kind (None: any) in an area, with statuses, in the area's order
        (by id unless asked): how many match (None unless ``count``: counting reads every
        match) and one page, filtered and paged in SQL from one snapshot."""
        conditions = area_conditions(kind, area, self.backend)
        with self._read() as conn, self._time_bound(conn, area):
            total = None
            if count:
                total = _count(conn, conditions)
                if offset >= total:  # nothing to page through
                    return total, []
            page = ordered_ids(conditions, area).limit(limit).offset(offset)
            ids = list(conn.execute(page).scalars())
            found = {r.id: r for r in select_resources(conn, ids, None, limit, 0)}
            return total, with_statuses(conn, [found[i] for i in ids])

    def iter_views(self, *, kind: str | None = None) -> Iterator[ResourceView]:
        """Every resource (of a kind) with statuses by id, in pages read in one transaction."""
        with self._read() as conn:
            yield from resource_pages(
                conn,
                kind,
                lambda ids: with_statuses(conn, select_resources(conn, ids, None, BATCH, 0)),
            )

    def view_resources(
        self,
        *,
        ids: Sequence[int] | None = None,
        kind: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> list[ResourceView]:
        """Resources with their statuses: two queries in one read transaction."""
        with self._read() as conn:
            return with_statuses(conn, select_resources(conn, ids, kind, limit, offset))


def area_conditions(kind: str | None, area: Area, backend: str) -> list:
    """A resource is of ``kind`` (None: any) and in ``area``, filters included (``backend``:
    the store's, for spatial filters)."""
    c = t.resources.c
    conditions = bbox_conditions(c, area.bbox)
    if kind is not None:
        conditions.append(c.kind == kind)
    if area.district_id is not None:
        conditions.append(c.district_id == area.district_id)
    conditions += status_conditions(area)
    if area.name:
        conditions.append(name_contains(area.name))
    return conditions + resource_conditions(area, backend)


def status_conditions(area: Area) -> list:
    """A resource has a status for ``area.service`` that passes its filters (none when
    no service is asked)."""
    if area.service is None:
        return []
    states = [state.value for state in area.states]
    return [exists().where(*status_row_conditions(area.service, states, area.checked_since))]


def _count(conn: Connection, conditions: list) -> int:
    query = select(func.count()).select_from(t.resources).where(*conditions)
    return conn.execute(query).scalar_one()


def with_statuses(conn: Connection, resources: list[Resource]) -> list[ResourceView]:
    """The resources with their current statuses, read inside the caller's transaction."""
    c = t.intake_status.c
    rows = conn.execute(select(t.intake_status).where(c.resource_id.in_([r.id for r in resources])))
    statuses: dict[int, dict[str, IntakeStatus]] = {r.id: {} for r in resources}
    for row in rows:
        statuses[row.resource_id][row.service] = to_status(row._mapping)
    return [ResourceView(r, statuses[r.id]) for r in resources]


def name_contains(text: str):
    """A resource's name, English name or one of its aliases contains ``text`` (English
    in any case). Aliases are matched in their stored JSON text, which holds Chinese as
    it is (both backends write JSON with ``ensure_ascii=False``)."""
    c = t.resources.c
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern, lowered = f"%{escaped}%", f"%{escaped.lower()}%"
    return or_(
        c.name.like(pattern, escape="\\"),
        func.lower(c.name_en).like(lowered, escape="\\"),
        cast(c.aliases, Text).like(pattern, escape="\\"),
    )


def status_row_conditions(service, states, checked_since) -> list:
    """The ``intake_status`` row of a resource (``resources.id``) is for ``service``, in
    one of ``states``, and checked since ``checked_since`` (if not None). Each argument
    may be a value or a bound parameter."""
    c, s = t.resources.c, t.intake_status.c
    wanted = [s.resource_id == c.id, s.service == service, s.state.in_(states)]
    if checked_since is not None:
        wanted.append(or_(s.reported_at >= checked_since, s.verified_at >= checked_since))
    return wanted


def shown_state(service: str, checked_since: datetime | None):
    """What a map shows of a resource (outer-joined to its ``intake_status`` row for
    ``service``): its state if open, limited or closed and checked since
    ``checked_since`` (None: whenever), ``not_offered`` when it has no row and does not
    list the service, else ``unknown``. The service list is JSON text in both databases
    (``["dialysis", "emergency"]``); a code, quoted, is found in it as it is written."""
    s = t.intake_status.c
    known = [s.state.in_(["open", "limited", "closed"])]
    if checked_since is not None:
        known.append(or_(s.reported_at >= checked_since, s.verified_at >= checked_since))
    quoted = '"' + service.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + '"'
    listed = cast(t.resources.c.services, Text).like("%" + quoted + "%", escape="\\")
    return case(
        (and_(*known), s.state),
        (and_(s.state.is_(None), ~listed), literal("not_offered")),
        else_=literal("unknown"),
    )
