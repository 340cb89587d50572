"""The location part of the SQL store: a person placing a resource's point, and the
history of such moves (the old point is never lost)."""

from __future__ import annotations

from sqlalchemy import insert

from app.domain.enums import Precision, SourceCrs, WriteSource
from app.domain.records import LocationChange, Resource
from app.storage import schema as t
from app.storage.sql_resources import ResourceQueries, fetch_resource
from app.storage.sql_support import newest_of_resource, utcnow

LOCATION_FIELDS = ("lon", "lat", "precision", "location_verified", "source_crs")


class LocationQueries(ResourceQueries):
    """``Store`` methods about verified locations."""

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
        """Set a verified, exact WGS-84 point if the resource is at ``expected_version``
        (``VersionConflict`` otherwise), keeping the old one in ``location_history``."""
        with self._write() as conn:
            before = fetch_resource(conn, resource_id, lock=True)
            new = {
                "lon": lon,
                "lat": lat,
                "precision": Precision.exact.value,
                "location_verified": True,
                "source_crs": SourceCrs(source_crs).value,
            }
            version = self._bump_version(conn, resource_id, expected_version, new)
            old = {name: getattr(before, name) for name in LOCATION_FIELDS}
            old |= {"precision": before.precision.value, "source_crs": before.source_crs.value}
            row = {
                "resource_id": resource_id,
                "resource_version": version,
                "old": old,
                "new": new,
                "changed_by": by,
                "changed_at": utcnow(),
                "via": WriteSource(via).value,
            }
            conn.execute(insert(t.location_history).values(row))
            return fetch_resource(conn, resource_id)

    def location_history(
        self, resource_id: int, *, limit: int = 50, offset: int = 0
    ) -> list[LocationChange]:
        """Moves of a resource's point, newest first."""
        query = newest_of_resource(t.location_history, resource_id, limit, offset)
        with self._read() as conn:
            return [
                LocationChange(**dict(row._mapping) | {"via": WriteSource(row.via)})
                for row in conn.execute(query)
            ]
