"""The resource part of the SQL store: resources and their versions (statuses: ``sql_statuses``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from app.domain.records import MAX_ID, NewResource, Resource, ResourceUpdate
from app.storage import schema as t
from app.storage.errors import AlreadyExists, InvalidRecord, NotFound, VersionConflict
from app.storage.meta_keys import MetaKey
from app.storage.rows import resource_changes, resource_row, to_resource
from app.storage.sql_support import BATCH, SqlPlumbing, read_meta, set_meta, utcnow

T = TypeVar("T")
_BUMP = (
    update(t.resources)
    .where(
        t.resources.c.id == bindparam("key_id"), t.resources.c.version == bindparam("key_version")
    )
    .values(version=t.resources.c.version + 1, updated_at=bindparam("key_now"))
)
"""A version bump, built once (every status write makes one)."""


class ResourceQueries(SqlPlumbing):
    """``Store`` methods about resources and their intake statuses."""

    def add_resource(self, new: NewResource) -> Resource:
        """Insert a resource at version 1."""
        with self._write() as conn:
            return fetch_resource(conn, insert_resource(conn, new))

    def get_resource(self, resource_id: int) -> Resource:
        """The resource with this id."""
        with self._read() as conn:
            return fetch_resource(conn, resource_id)

    def list_resources(
        self, *, kind: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[Resource]:
        """Resources ordered by id."""
        with self._read() as conn:
            return select_resources(conn, None, kind, limit, offset)

    def iter_resources(self, *, kind: str | None = None) -> Iterator[Resource]:
        """Every resource (of a kind) by id, in pages of ``BATCH`` read in one transaction."""
        with self._read() as conn:
            yield from resource_pages(
                conn, kind, lambda ids: select_resources(conn, ids, None, BATCH, 0)
            )

    def resources_changed_at(self) -> str | None:
        """The ``meta`` time of the last resource change (status writes leave it)."""
        with self._read() as conn:
            return read_meta(conn, MetaKey.resources_changed)

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
                set_meta(conn, MetaKey.resources_changed, utcnow().isoformat())
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
            return fetch_resource(conn, resource_id)

    def _bump_version(
        self, conn: Connection, resource_id: int, expected_version: int, values: dict
    ) -> int:
        """Apply ``values`` and bump the version if it is ``expected_version``; the new one."""
        c = t.resources.c
        now = utcnow()
        bumped = False
        if expected_version <= MAX_ID:  # none is past it (PostgreSQL's integer would overflow)
            keys = {"key_id": resource_id, "key_version": expected_version, "key_now": now}
            try:
                result = conn.execute(_BUMP.values(**values) if values else _BUMP, keys)
            except IntegrityError as exc:
                raise InvalidRecord(f"resource {resource_id}: change breaks a constraint") from exc
            bumped = result.rowcount == 1
        if bumped:
            if values:  # a change to the resource itself, not only to its statuses
                set_meta(conn, MetaKey.resources_changed, now.isoformat())
            return expected_version + 1
        current = conn.execute(select(c.version).where(c.id == resource_id)).scalar_one_or_none()
        if current is None:
            raise NotFound(f"no resource {resource_id}")
        raise VersionConflict(current)


def insert_resource(conn: Connection, new: NewResource) -> int:
    """Insert a resource at version 1 inside the caller's transaction; its id.
    AlreadyExists when its ``ref`` is taken, InvalidRecord when it breaks a constraint."""
    if new.ref is not None:
        taken = conn.execute(select(t.resources.c.id).where(t.resources.c.ref == new.ref))
        if taken.first() is not None:
            raise AlreadyExists(f"a resource with ref {new.ref!r} exists")
    try:
        row = resource_row(new, utcnow())
        resource_id = conn.execute(insert(t.resources).values(row)).inserted_primary_key[0]
    except IntegrityError as exc:
        raise InvalidRecord(f"resource {new.name!r} breaks a constraint") from exc
    set_meta(conn, MetaKey.resources_changed, utcnow().isoformat())
    return resource_id


def fetch_resource(conn: Connection, resource_id: int, *, lock: bool = False) -> Resource:
    """The resource inside the caller's transaction (its row locked until the end with
    ``lock``, on PostgreSQL); NotFound otherwise."""
    query = select(t.resources).where(t.resources.c.id == resource_id)
    row = conn.execute(query.with_for_update() if lock else query).one_or_none()
    if row is None:
        raise NotFound(f"no resource {resource_id}")
    return to_resource(row._mapping)


def select_resources(
    conn: Connection, ids: Sequence[int] | None, kind: str | None, limit: int, offset: int
) -> list[Resource]:
    """Resources (with these ids, of this kind) ordered by id, one page of them."""
    c = t.resources.c
    query = select(t.resources).order_by(c.id).limit(limit).offset(offset)
    if ids is not None:
        query = query.where(c.id.in_(list(ids)))
    if kind is not None:
        query = query.where(c.kind == kind)
    return [to_resource(row._mapping) for row in conn.execute(query)]


def resource_pages(
    conn: Connection, kind: str | None, load: Callable[[list[int]], list[T]]
) -> Iterator[T]:
    """``load`` of every resource id (of a kind), ``BATCH`` ids at a time, by id: a keyset
    walk of the ``(kind, id)`` index inside the caller's transaction."""
    c = t.resources.c
    last = 0
    while True:
        query = select(c.id).where(c.id > last).order_by(c.id).limit(BATCH)
        if kind is not None:
            query = query.where(c.kind == kind)
        ids = list(conn.execute(query).scalars())
        if not ids:
            return
        yield from load(ids)
        last = ids[-1]
