"""The resource part of the SQL store: resources, versions, statuses, history."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.storage import schema as t
from app.storage.base import (
    MAX_ID,
    RESOURCES_CHANGED,
    AlreadyExists,
    HistoryEntry,
    IntakeStatus,
    InvalidRecord,
    NewResource,
    NotFound,
    Resource,
    ResourceUpdate,
    State,
    StatusChange,
    StatusReport,
    VersionConflict,
)
from app.storage.rows import resource_changes, resource_row, to_resource, to_status
from app.storage.sql_support import (
    BATCH,
    SqlPlumbing,
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
            return select_resources(conn, None, kind, limit, offset)

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
            added = select_resources(conn, added_ids, None, len(added_ids), 0)
            updated = select_resources(
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

    # -- statuses and history ----------------------------------------------------
    def set_status(
        self, resource_id: int, service: str, report: StatusReport, expected_version: int
    ) -> tuple[Resource, IntakeStatus]:
        """Set a status, bump the version and append history in one transaction."""
        return self.set_statuses([StatusChange(resource_id, service, report, expected_version)])[0]

    def set_statuses(self, changes: Sequence[StatusChange]) -> list[tuple[Resource, IntakeStatus]]:
        """Every change or none, in one transaction; each appends a history row."""
        with self._write() as conn:
            known = set(conn.execute(select(t.services.c.code)).scalars())
            versions: dict[int, tuple[int, int]] = {}  # resource → (seen before, current)
            written = []
            for change in changes:
                if change.service not in known:
                    raise NotFound(f"no service {change.service!r}")
                seen, current = versions.get(change.resource_id, (change.expected_version,) * 2)
                expected = current if change.expected_version == seen else change.expected_version
                report, now = change.report, utcnow()
                row = {
                    "state": State(report.state).value,
                    "conditions": list(report.conditions),
                    "note": report.note,
                    "source": report.source,
                    "reported_by": report.reported_by,
                    "reported_at": report.reported_at or now,
                    "verified_by": report.verified_by,
                    "verified_at": now if report.verified_by else None,
                }
                status, version = self._write_status(
                    conn, change.resource_id, change.service, row, expected
                )
                versions[change.resource_id] = (seen, version)
                written.append((change.resource_id, status))
            resources = {r.id: r for r in _resources_by_id(conn, list(versions))}
            return [(resources[resource_id], status) for resource_id, status in written]

    def verify_status(
        self, resource_id: int, service: str, verifier: str, expected_version: int | None = None
    ) -> tuple[Resource, IntakeStatus]:
        """Confirm the current report unchanged, as ``verifier``, now."""
        c = t.intake_status.c
        with self._write() as conn:
            _fetch_resource(conn, resource_id)  # NotFound names the resource first
            current = conn.execute(
                select(t.intake_status).where(c.resource_id == resource_id, c.service == service)
            ).one_or_none()
            if current is None:
                raise NotFound(f"resource {resource_id} has no {service!r} report to verify")
            if expected_version is None:
                expected_version = _fetch_resource(conn, resource_id).version
            row = dict(current._mapping) | {"verified_by": verifier, "verified_at": utcnow()}
            row.pop("resource_id"), row.pop("service")
            status, _ = self._write_status(conn, resource_id, service, row, expected_version)
            return _fetch_resource(conn, resource_id), status

    def _write_status(
        self, conn: Connection, resource_id: int, service: str, row: dict, expected_version: int
    ) -> tuple[IntakeStatus, int]:
        """Replace the current status, bump the version, append history; the new version."""
        version = self._bump_version(conn, resource_id, expected_version, {})
        row = {"resource_id": resource_id, "service": service} | row
        c = t.intake_status.c
        replaced = conn.execute(
            update(t.intake_status)
            .where(c.resource_id == resource_id, c.service == service)
            .values(row)
        )
        if replaced.rowcount == 0:
            conn.execute(insert(t.intake_status).values(row))
        conn.execute(insert(t.status_history).values(row | {"resource_version": version}))
        return to_status(row), version

    def status_snapshot(self, service: str) -> tuple[dict[int, IntakeStatus], int]:
        """Current statuses of one service and the last history id, from one snapshot."""
        with self._read() as conn:
            last = conn.execute(select(func.coalesce(func.max(t.status_history.c.id), 0)))
            last_id = int(last.scalar_one())
            rows = conn.execute(select(t.intake_status).where(t.intake_status.c.service == service))
            return {row.resource_id: to_status(row._mapping) for row in rows}, last_id

    def history_after(self, history_id: int, limit: int = 10_000) -> list[HistoryEntry]:
        """History rows newer than ``history_id``, oldest first."""
        c = t.status_history.c
        query = select(t.status_history).where(c.id > history_id).order_by(c.id).limit(limit)
        with self._read() as conn:
            return [
                HistoryEntry(row.id, to_status(row._mapping), row.resource_version)
                for row in conn.execute(query)
            ]

    def last_history_id(self) -> int:
        """The newest history row's id."""
        with self._read() as conn:
            last = conn.execute(select(func.coalesce(func.max(t.status_history.c.id), 0)))
            return int(last.scalar_one())

    def statuses_for(self, resource_ids: Sequence[int], service: str) -> dict[int, IntakeStatus]:
        """Current statuses of some resources for one service, by resource id."""
        c = t.intake_status.c
        found: dict[int, IntakeStatus] = {}
        with self._read() as conn:
            for first in range(0, len(resource_ids), BATCH):
                chunk = list(resource_ids[first : first + BATCH])
                rows = conn.execute(
                    select(t.intake_status).where(c.service == service, c.resource_id.in_(chunk))
                )
                found |= {row.resource_id: to_status(row._mapping) for row in rows}
        return found

    def history(
        self, resource_id: int, *, service: str | None = None, limit: int = 50, offset: int = 0
    ) -> list[HistoryEntry]:
        """Status history, newest first."""
        c = t.status_history.c
        query = (
            select(t.status_history)
            .where(c.resource_id == resource_id)
            .order_by(c.id.desc())
            .limit(limit)
            .offset(offset)
        )
        if service is not None:
            query = query.where(c.service == service)
        with self._read() as conn:
            return [
                HistoryEntry(row.id, to_status(row._mapping), row.resource_version)
                for row in conn.execute(query)
            ]


def _fetch_resource(conn: Connection, resource_id: int) -> Resource:
    row = conn.execute(select(t.resources).where(t.resources.c.id == resource_id)).one_or_none()
    if row is None:
        raise NotFound(f"no resource {resource_id}")
    return to_resource(row._mapping)


def _resources_by_id(conn: Connection, ids: Sequence[int]) -> list[Resource]:
    """Resources with these ids, in the order given, fetched in chunks of ``BATCH``."""
    found: dict[int, Resource] = {}
    for first in range(0, len(ids), BATCH):
        chunk = ids[first : first + BATCH]
        found |= {r.id: r for r in select_resources(conn, chunk, None, len(chunk), 0)}
    return [found[resource_id] for resource_id in ids]


def select_resources(
    conn: Connection, ids: Sequence[int] | None, kind: str | None, limit: int, offset: int
) -> list[Resource]:
    """Resources by id (those of ``ids``, and of ``kind``, when given), one page."""
    c = t.resources.c
    query = select(t.resources).order_by(c.id).limit(limit).offset(offset)
    if ids is not None:
        query = query.where(c.id.in_(list(ids)))
    if kind is not None:
        query = query.where(c.kind == kind)
    return [to_resource(row._mapping) for row in conn.execute(query)]
