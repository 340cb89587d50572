"""The edits part of the SQL store: people creating resources and changing their fields,
each change kept in ``resource_edits`` with who, when and from where, in the same
transaction as the change itself."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import Connection, insert

from app.domain.enums import EditAction, WriteSource
from app.domain.records import NewResource, Resource, ResourceEdit, field_names
from app.storage import schema as t
from app.storage.errors import VersionConflict
from app.storage.rows import column_value, resource_changes
from app.storage.sql_resources import ResourceQueries, fetch_resource, insert_resource
from app.storage.sql_support import newest_of_resource, utcnow

UNRECORDED = (None, "", (), [], {})
"""Values a creation's record leaves out: fields the new resource does not have."""


class EditQueries(ResourceQueries):
    """``Store`` methods about attributed edits of resources."""

    def create_resource(self, new: NewResource, by: str, via: WriteSource) -> Resource:
        """Insert a resource at version 1 and record its creation (every field it has)."""
        with self._write() as conn:
            created = fetch_resource(conn, insert_resource(conn, new))
            changes = {
                name: [None, column_value(name, getattr(created, name))]
                for name in field_names(NewResource)
                if getattr(created, name) not in UNRECORDED
            }
            _record(conn, created, EditAction.created, changes, by, via)
            return created

    def edit_resource(
        self,
        resource_id: int,
        expected_version: int,
        changes: Mapping[str, object],
        by: str,
        via: WriteSource,
    ) -> Resource:
        """Change fields if the resource is at ``expected_version``, recording each field
        that really changes; nothing is written (nor the version bumped) when none does."""
        values = resource_changes(changes)
        with self._write() as conn:
            before = fetch_resource(conn, resource_id, lock=True)
            if before.version != expected_version:
                raise VersionConflict(before.version)
            diff = {
                name: [column_value(name, getattr(before, name)), value]
                for name, value in values.items()
                if column_value(name, getattr(before, name)) != value
            }
            if not diff:
                return before
            self._bump_version(conn, resource_id, expected_version, {n: values[n] for n in diff})
            after = fetch_resource(conn, resource_id)
            _record(conn, after, EditAction.edited, diff, by, via)
            return after

    def resource_edits(
        self, resource_id: int, *, limit: int = 50, offset: int = 0
    ) -> list[ResourceEdit]:
        """A resource's recorded edits, newest first."""
        query = newest_of_resource(t.resource_edits, resource_id, limit, offset)
        with self._read() as conn:
            return [
                ResourceEdit(
                    id=row.id,
                    resource_id=row.resource_id,
                    resource_version=row.resource_version,
                    action=EditAction(row.action),
                    changes={name: tuple(pair) for name, pair in row.changes.items()},
                    changed_by=row.changed_by,
                    changed_at=row.changed_at,
                    via=WriteSource(row.via),
                )
                for row in conn.execute(query)
            ]


def _record(
    conn: Connection,
    resource: Resource,
    action: EditAction,
    changes: dict[str, list[object]],
    by: str,
    via: WriteSource,
) -> None:
    """Append one edit of ``resource`` (at the version it has now) to ``resource_edits``."""
    row = {
        "resource_id": resource.id,
        "resource_version": resource.version,
        "action": action.value,
        "changes": changes,
        "changed_by": by,
        "changed_at": utcnow(),
        "via": WriteSource(via).value,
    }
    conn.execute(insert(t.resource_edits).values(row))
