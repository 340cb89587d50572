"""The resource part of the SQL store: resources and their versions (statuses: ``sql_statuses``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.storage import schema as t
from app.storage.base import (
    MAX_ID,
    RESOURCES_CHANGED,
    AlreadyExists,
    Area,
    Cluster,
    IntakeStatus,
    InvalidRecord,
    Level,
    NewResource,
    NotFound,
    Resource,
    ResourceUpdate,
    ResourceView,
    VersionConflict,
)
from app.storage.rows import resource_changes, resource_row, to_resource, to_status
from app.storage.sql_support import (
    SqlPlumbing,
    bbox_conditions,
    grid_index,
    set_meta,
    utcnow,
)


class ResourceQueries(SqlPlumbing):
    """``Store`` methods about resources and their intake statuses."""

    def add_resource(self, new: NewResource) -> Resource:
        """Insert a resource at version 1."""
        row = resource_row(new, utcnow())
        with self._write() as conn:
            if new.ref is not None:
                taken = conn.execute(select(t.resources.c.id).where(t.resources.c.ref == new.ref))
                if taken.first() is not None:
                    raise AlreadyExists(f"a resource with ref {new.ref!r} exists")
            try:
                resource_id = conn.execute(insert(t.resources).values(row)).inserted_primary_key[0]
            except IntegrityError as exc:
                raise InvalidRecord(f"resource {new.name!r} breaks a constraint") from exc
            set_meta(conn, RESOURCES_CHANGED, utcnow().isoformat())
            return _fetch_resource(conn, resource_id)

    def get_resource(self, resource_id: int) -> Resource:
        """The resource with this id."""
        with self._read() as conn:
            return _fetch_resource(conn, resource_id)

    def list_resources(
        self, *, kind: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Resource]:
        """Resources ordered by id."""
        with self._read() as conn:
            return _select_resources(conn, None, kind, limit, offset)

    def grid_clusters(self, layer: str, area: Area, cell: float) -> list[Cluster]:
        """Points of resources of kind ``layer`` (or units of level ``layer``) in an area,
        counted per cell of a grid of ``cell`` degrees anchored at (-180, -90)."""
        if layer in {level.value for level in Level}:
            table = t.admin_units
            conditions = [table.c.level == layer]
        else:
            table = t.resources
            conditions = [table.c.kind == layer, *self._status_conditions(area)]
        conditions += bbox_conditions(table.c, area.bbox)
        if area.district_id is not None:
            conditions.append(table.c.district_id == area.district_id)
        points = select(
            table.c.lon,
            table.c.lat,
            grid_index((table.c.lon + 180.0) / cell).label("column"),
            grid_index((table.c.lat + 90.0) / cell).label("row"),
        ).where(*conditions)
        cells = points.subquery()
        query = (
            select(func.avg(cells.c.lon), func.avg(cells.c.lat), func.count())
            .group_by(cells.c.column, cells.c.row)
            .order_by(cells.c.column, cells.c.row)
        )
        with self._read() as conn:
            return [Cluster(*row) for row in conn.execute(query)]

    @staticmethod
    def _status_conditions(area: Area) -> list:
        """A resource has a status for ``area.service`` that passes its filters (none when
        no service is asked)."""
        if area.service is None:
            return []
        states = [state.value for state in area.states]
        return [exists().where(*status_row_conditions(area.service, states, area.checked_since))]

    def resources_in(
        self, kind: str, area: Area, limit: int, offset: int
    ) -> tuple[int, list[ResourceView]]:
        """Resources of a kind in an area, with statuses, from one snapshot."""
        c = t.resources.c
        conditions = [c.kind == kind, *bbox_conditions(c, area.bbox)]
        if area.district_id is not None:
            conditions.append(c.district_id == area.district_id)
        conditions += self._status_conditions(area)
        with self._read() as conn:
            total = conn.execute(select(func.count()).select_from(t.resources).where(*conditions))
            ids = (
                conn.execute(
                    select(c.id).where(*conditions).order_by(c.id).limit(limit).offset(offset)
                )
                .scalars()
                .all()
            )
            total = total.scalar_one()
        return total, self.view_resources(ids=ids, limit=len(ids)) if ids else []

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
            resources = _select_resources(conn, ids, kind, limit, offset)
            c = t.intake_status.c
            rows = conn.execute(
                select(t.intake_status).where(c.resource_id.in_([r.id for r in resources]))
            )
            statuses: dict[int, dict[str, IntakeStatus]] = {r.id: {} for r in resources}
            for row in rows:
                statuses[row.resource_id][row.service] = to_status(row._mapping)
        return [ResourceView(r, statuses[r.id]) for r in resources]

    def apply_resource_changes(
        self, adds: Sequence[NewResource], updates: Sequence[ResourceUpdate]
    ) -> tuple[list[Resource], list[Resource]]:
        """Insert and update in one transaction; any error rolls all of it back."""
        now = utcnow()
        rows = [resource_row(new, now) for new in adds]
        values = [resource_changes(update.changes) for update in updates]
        with self._write() as conn:
            refs = [new.ref for new in adds if new.ref is not None]
            if len(set(refs)) != len(refs):
                raise AlreadyExists("the same ref is added twice")
            taken = (
                conn.execute(select(t.resources.c.ref).where(t.resources.c.ref.in_(refs)))
                .scalars()
                .first()
            )
            if taken is not None:
                raise AlreadyExists(f"a resource with ref {taken!r} exists")
            added_ids: list[int] = []
            if rows:
                try:
                    inserted = conn.execute(
                        insert(t.resources).returning(
                            t.resources.c.id, sort_by_parameter_order=True
                        ),
                        rows,
                    )
                except IntegrityError as exc:
                    raise InvalidRecord("an added resource breaks a constraint") from exc
                added_ids = list(inserted.scalars())
                set_meta(conn, RESOURCES_CHANGED, utcnow().isoformat())
            for update_, changes in zip(updates, values, strict=True):
                self._bump_version(conn, update_.resource_id, update_.expected_version, changes)
            added = _select_resources(conn, added_ids, None, len(added_ids), 0)
            updated = _select_resources(
                conn, [u.resource_id for u in updates], None, len(updates), 0
            )
        return added, updated

    def update_resource(
        self, resource_id: int, expected_version: int, **changes: object
    ) -> Resource:
        """Change fields and bump the version, if the caller saw the current version."""
        values = resource_changes(changes)
        with self._write() as conn:
            self._bump_version(conn, resource_id, expected_version, values)
            return _fetch_resource(conn, resource_id)

    def _bump_version(
        self, conn: Connection, resource_id: int, expected_version: int, values: dict
    ) -> int:
        """Apply ``values`` and bump the version if it is ``expected_version``; the new one."""
        c = t.resources.c
        now = utcnow()
        bumped = False
        if expected_version <= MAX_ID:  # none is past it (PostgreSQL's integer would overflow)
            try:
                result = conn.execute(
                    update(t.resources)
                    .where(c.id == resource_id, c.version == expected_version)
                    .values(**values, version=c.version + 1, updated_at=now)
                )
            except IntegrityError as exc:
                raise InvalidRecord(f"resource {resource_id}: change breaks a constraint") from exc
            bumped = result.rowcount == 1
        if bumped:
            if values:  # a change to the resource itself, not only to its statuses
                set_meta(conn, RESOURCES_CHANGED, now.isoformat())
            return expected_version + 1
        current = conn.execute(select(c.version).where(c.id == resource_id)).scalar_one_or_none()
        if current is None:
            raise NotFound(f"no resource {resource_id}")
        raise VersionConflict(current)


def _fetch_resource(conn: Connection, resource_id: int) -> Resource:
    row = conn.execute(select(t.resources).where(t.resources.c.id == resource_id)).one_or_none()
    if row is None:
        raise NotFound(f"no resource {resource_id}")
    return to_resource(row._mapping)


def _select_resources(
    conn: Connection, ids: Sequence[int] | None, kind: str | None, limit: int, offset: int
) -> list[Resource]:
    c = t.resources.c
    query = select(t.resources).order_by(c.id).limit(limit).offset(offset)
    if ids is not None:
        query = query.where(c.id.in_(list(ids)))
    if kind is not None:
        query = query.where(c.kind == kind)
    return [to_resource(row._mapping) for row in conn.execute(query)]


def status_row_conditions(service, states, checked_since) -> list:
    """The ``intake_status`` row of a resource (``resources.id``) is for ``service``, in
    one of ``states``, and checked since ``checked_since`` (if not None). Each argument
    may be a value or a bound parameter."""
    c, s = t.resources.c, t.intake_status.c
    wanted = [s.resource_id == c.id, s.service == service, s.state.in_(states)]
    if checked_since is not None:
        wanted.append(or_(s.reported_at >= checked_since, s.verified_at >= checked_since))
    return wanted
