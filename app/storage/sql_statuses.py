"""The status part of the SQL store: intake statuses, the versions they make, history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, false, insert, select, update

from app.domain.enums import WriteSource
from app.domain.statuses import (
    HistoryEntry,
    IntakeStatus,
    State,
    StatusChange,
    StatusReport,
    StatusWrite,
    is_late,
    not_offered,
)
from app.storage import schema as t
from app.storage.errors import InvalidRecord, NotFound, ServiceNotListed, VersionConflict
from app.storage.rows import to_status
from app.storage.sql_resources import ResourceQueries
from app.storage.sql_support import BATCH, utcnow

# The statements of a status write, built once: building them per write (a bound parameter
# and a cache key per value) cost more than running them.
_status = t.intake_status.c
_CURRENT = select(t.intake_status).where(
    _status.resource_id == bindparam("key_resource"), _status.service == bindparam("key_service")
)
_REPLACE = update(t.intake_status).where(
    _status.resource_id == bindparam("key_resource"), _status.service == bindparam("key_service")
)  # SET: the columns the parameters name
_INSERT_STATUS = insert(t.intake_status)
_INSERT_HISTORY = insert(t.status_history)
_OFFERED = select(t.resources.c.services).where(t.resources.c.id == bindparam("key_resource"))


class StatusQueries(ResourceQueries):
    """``Store`` methods about intake statuses and their append-only history.

    Statuses belong to resources: every change that becomes current bumps the resource's
    version, so the resource's ETag covers its statuses.
    """

    def _history_in_commit_order(self, conn: Connection) -> None:
        """Make history ids commit in the order they are handed out, inside ``conn``'s
        write transaction. Readers follow history by id (the event stream, the nearest
        caches: ``history_after``), so an id that commits after a higher one would never be
        seen. SQLite's write transaction already holds the whole database."""

    def set_status(
        self,
        resource_id: int,
        service: str,
        report: StatusReport,
        expected_version: int,
        *,
        offered_only: bool = False,
    ) -> StatusWrite:
        """File one report in its own transaction (see ``set_statuses``); with
        ``offered_only``, ServiceNotListed unless the resource lists the service, checked in the
        same transaction (after NotFound for the resource, before any conflict)."""
        change = StatusChange(resource_id, service, report, expected_version)
        return self._set_statuses([change], offered_only)[0]

    def set_statuses(self, changes: Sequence[StatusChange]) -> list[StatusWrite]:
        """Each change in order, against the version and status the ones before it left,
        in one transaction: every change or none."""
        return self._set_statuses(changes, offered_only=False)

    def _set_statuses(
        self, changes: Sequence[StatusChange], offered_only: bool
    ) -> list[StatusWrite]:
        with self._write() as conn:
            self._history_in_commit_order(conn)
            known = self._service_codes(conn)
            written = []
            for item, change in enumerate(changes):
                if change.service not in known:
                    raise NotFound(f"no service {change.service!r}")
                if offered_only:
                    _check_offered(conn, change)
                try:
                    written.append(self._file(conn, change))
                except VersionConflict as exc:
                    raise VersionConflict(exc.current_version, item) from None
            return written

    def _service_codes(self, conn: Connection) -> set[str]:
        """The known service codes, compared in Python: a code a client sent never reaches a
        query before it is known (PostgreSQL text cannot even hold some, such as NUL). The
        store's list once read (services never change), else read in ``conn``."""
        known = self.known_services()
        if known is not None:
            return {service.code for service in known}
        return set(conn.execute(select(t.services.c.code)).scalars())

    def _file(self, conn: Connection, change: StatusChange) -> StatusWrite:
        """One report: current if it is not late, else history only (version unchanged).

        The current status is read before the version: a report that becomes current
        bumps the version only where it is still the expected one, so a status changed
        meanwhile (every change bumps it) is a conflict, and no separate locked read of
        the version is needed on this, the path every volunteer's update takes."""
        report, now = change.report, utcnow()
        reported_at = _utc(report.reported_at)
        row = {
            "state": State(report.state).value,
            "conditions": list(report.conditions),
            "note": report.note,
            "source": report.source,
            "reported_by": report.reported_by,
            "reported_at": reported_at or now,
            "verified_by": report.verified_by,
            "verified_at": now if report.verified_by else None,
        }
        current = _current(conn, change.resource_id, change.service)
        if current is not None and is_late(reported_at, current.checked_at):
            version = _check_version(_locked_version(conn, change.resource_id), change)
            keys = {"resource_id": change.resource_id, "service": change.service}
            late_row = keys | row | {"resource_version": version, "late": True, "via": report.via}
            conn.execute(_INSERT_HISTORY, late_row)
            return StatusWrite(change.resource_id, version, current, late=True)
        status, version = self._write_status(
            conn, change.resource_id, change.service, row, change.expected_version, report.via
        )
        return StatusWrite(change.resource_id, version, status)

    def verify_status(
        self,
        resource_id: int,
        service: str,
        verifier: str,
        expected_version: int | None = None,
        via: WriteSource = WriteSource.api,
    ) -> StatusWrite:
        """Confirm the current report unchanged, as ``verifier``, now."""
        with self._write() as conn:
            self._history_in_commit_order(conn)
            version = _locked_version(conn, resource_id)  # NotFound names the resource first
            if service not in self._service_codes(conn):
                raise NotFound(f"no service {service!r}")
            current = _current(conn, resource_id, service)
            if current is None:
                raise NotFound(f"resource {resource_id} has no {service!r} report to verify")
            if expected_version is not None and expected_version != version:
                raise VersionConflict(version)
            row = _status_row(current) | {"verified_by": verifier, "verified_at": utcnow()}
            status, version = self._write_status(conn, resource_id, service, row, version, via)
            return StatusWrite(resource_id, version, status)

    def _write_status(
        self,
        conn: Connection,
        resource_id: int,
        service: str,
        row: dict,
        expected_version: int,
        via: WriteSource,
    ) -> tuple[IntakeStatus, int]:
        """Replace the current status, bump the version, append history; the new version."""
        version = self._bump_version(conn, resource_id, expected_version, {})
        keys = {"key_resource": resource_id, "key_service": service}
        replaced = conn.execute(_REPLACE, keys | row)
        row = {"resource_id": resource_id, "service": service} | row
        if replaced.rowcount == 0:
            conn.execute(_INSERT_STATUS, row)
        history = row | {"resource_version": version, "via": WriteSource(via).value}
        conn.execute(_INSERT_HISTORY, history)
        return to_status(row), version

    def status_snapshot(self, service: str) -> tuple[dict[int, IntakeStatus], int]:
        """Current statuses of one service and the last current history id, one snapshot."""
        with self._read() as conn:
            last_id = _last_current_id(conn)
            rows = conn.execute(select(t.intake_status).where(t.intake_status.c.service == service))
            return {row.resource_id: to_status(row._mapping) for row in rows}, last_id

    def history_after(self, history_id: int, limit: int = 10_000) -> list[HistoryEntry]:
        """History rows newer than ``history_id`` that became current, oldest first."""
        c = t.status_history.c
        query = (
            select(t.status_history)
            .where(c.id > history_id, c.late == false())
            .order_by(c.id)
            .limit(limit)
        )
        with self._read() as conn:
            return [_entry(row) for row in conn.execute(query)]

    def last_history_id(self) -> int:
        """The newest current history row's id."""
        with self._read() as conn:
            return _last_current_id(conn)

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
        """Status history with late reports, newest first."""
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
            return [_entry(row) for row in conn.execute(query)]


def _locked_version(conn: Connection, resource_id: int) -> int:
    """The resource's version, its row locked until the transaction ends (PostgreSQL;
    SQLite's write transaction holds the whole database); NotFound otherwise."""
    c = t.resources.c
    query = select(c.version).where(c.id == resource_id).with_for_update()
    version = conn.execute(query).scalar_one_or_none()
    if version is None:
        raise NotFound(f"no resource {resource_id}")
    return version


def _check_offered(conn: Connection, change: StatusChange) -> None:
    """NotFound for an unknown resource; ServiceNotListed unless it lists the service."""
    services = conn.execute(_OFFERED, {"key_resource": change.resource_id}).scalar_one_or_none()
    if services is None:
        raise NotFound(f"no resource {change.resource_id}")
    if change.service not in services:
        raise ServiceNotListed(not_offered(change.resource_id, change.service, services))


def _check_version(version: int, change: StatusChange) -> int:
    """``version`` if the change expects it; VersionConflict otherwise."""
    if change.expected_version != version:
        raise VersionConflict(version)
    return version


def _current(conn: Connection, resource_id: int, service: str) -> IntakeStatus | None:
    row = conn.execute(_CURRENT, {"key_resource": resource_id, "key_service": service})
    row = row.one_or_none()
    return None if row is None else to_status(row._mapping)


def _status_row(status: IntakeStatus) -> dict:
    """The columns of a status, without its keys."""
    return {
        "state": status.state.value,
        "conditions": list(status.conditions),
        "note": status.note,
        "source": status.source,
        "reported_by": status.reported_by,
        "reported_at": status.reported_at,
        "verified_by": status.verified_by,
        "verified_at": status.verified_at,
    }


def _utc(moment: datetime | None) -> datetime | None:
    """``moment`` in UTC; InvalidRecord for a time without a zone or one that UTC cannot
    hold (year 1 at +14:00 is before year 1 in UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        raise InvalidRecord("reported_at needs a time zone")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise InvalidRecord("reported_at is out of range") from None


def _last_current_id(conn: Connection) -> int:
    """The id of the newest history row that became current (0 for none), found by
    walking the primary key back from the end rather than scanning for a maximum."""
    c = t.status_history.c
    query = select(c.id).where(c.late == false()).order_by(c.id.desc()).limit(1)
    return int(conn.execute(query).scalar_one_or_none() or 0)


def _entry(row) -> HistoryEntry:
    return HistoryEntry(
        row.id, to_status(row._mapping), row.resource_version, bool(row.late), WriteSource(row.via)
    )
