"""The sources part of the SQL store: teams' documents read again and again, their runs'
health, the plan held for review, and the lease of each source.

The lease is one row per source, taken with a compare-and-set ``UPDATE``: it succeeds for
the holder itself or when the lease has expired, so of several replicas asking at once
exactly one gets it, and a replica that died stops renewing and loses it at expiry.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from app.domain.sources import (
    FileState,
    GoodFile,
    HeldPlan,
    NewSource,
    RunOutcome,
    RunRecord,
    Source,
    SourceKind,
)
from app.storage import schema as t
from app.storage.errors import AlreadyExists, NotFound
from app.storage.sql_support import SqlPlumbing

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""When a lease nobody holds expired."""
LISTED = [column for column in t.sources.c if column.name != "held_file"]
"""Every column but the held file, which only approving a plan reads."""


class SourceQueries(SqlPlumbing):
    """``Store`` methods about sources and their leases."""

    def add_source(self, new: NewSource) -> Source:
        """Store a new source, due at once; AlreadyExists if the name is taken."""
        c = t.sources.c
        values = {
            "name": new.name, "url": new.url, "kind": SourceKind(new.kind).value,
            "sheet": new.sheet, "every_s": new.every_s, "max_change": new.max_change,
            "review": new.review, "created_by": new.created_by, "created_at": new.created_at,
            "next_run_at": new.created_at,
        }  # fmt: skip
        with self._write() as conn:
            if conn.execute(select(c.id).where(c.name == new.name)).first():
                raise AlreadyExists(f"a source named {new.name!r} exists")
            source_id = conn.execute(insert(t.sources).values(values)).inserted_primary_key[0]
            conn.execute(
                insert(t.source_leases).values(source_id=source_id, holder=None, expires_at=EPOCH)
            )
            return _source_named(conn, new.name)

    def get_source(self, name: str) -> Source:
        """The source with this name."""
        with self._read() as conn:
            return _source_named(conn, name)

    def list_sources(self) -> list[Source]:
        """Every source, by name."""
        with self._read() as conn:
            rows = conn.execute(_sources_query().order_by(t.sources.c.name))
            return [_source(row._mapping) for row in rows]

    def due_sources(self, now: datetime) -> list[Source]:
        """Sources whose next run is due at ``now``, the most overdue first."""
        c = t.sources.c
        query = _sources_query().where(c.next_run_at <= now).order_by(c.next_run_at, c.id)
        with self._read() as conn:
            return [_source(row._mapping) for row in conn.execute(query)]

    def remove_source(self, name: str) -> None:
        """Delete a source, its lease and any plan it holds."""
        with self._write() as conn:
            source_id = _source_id(conn, name)
            conn.execute(delete(t.source_leases).where(t.source_leases.c.source_id == source_id))
            conn.execute(delete(t.sources).where(t.sources.c.id == source_id))

    def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Hold (or renew) the source's lease until ``until``: True for its holder or when
        it has expired at ``now``, False while another's runs."""
        c = t.source_leases.c
        with self._write() as conn:
            source_id = _source_id(conn, name)
            taken = conn.execute(
                update(t.source_leases)
                .where(c.source_id == source_id, or_(c.holder == holder, c.expires_at <= now))
                .values(holder=holder, expires_at=until)
            )
            return taken.rowcount == 1

    def release_lease(self, name: str, holder: str) -> None:
        """Free the source's lease if ``holder`` has it (nothing otherwise, nor for a
        source removed meanwhile)."""
        c = t.source_leases.c
        ids = select(t.sources.c.id).where(t.sources.c.name == name).scalar_subquery()
        with self._write() as conn:
            conn.execute(
                update(t.source_leases)
                .where(c.source_id == ids, c.holder == holder)
                .values(holder=None, expires_at=EPOCH)
            )

    def record_run(self, name: str, record: RunRecord) -> Source:
        """Leave a run's outcome on its source (see ``RunRecord``); the source after it."""
        values: dict[str, Any] = {
            "last_run_at": record.at,
            "last_outcome": RunOutcome(record.outcome).value,
            "last_error": record.error,
            "next_run_at": record.next_run_at,
        }
        if record.rows_understood is not None:
            values["rows_understood"] = record.rows_understood
            values["rows_not_understood"] = record.rows_not_understood
        if record.file is not None:
            values |= {"etag": record.file.etag, "last_modified": record.file.last_modified,
                       "content_hash": record.file.content_hash}  # fmt: skip
        if record.good is not None:
            values["good"] = _good_json(record.good)
        if record.clear_held:
            values |= {"held": None, "held_file": None}
        if record.held is not None:
            values |= {"held": record.held.to_json(), "held_file": record.held_file}
        with self._write() as conn:
            source_id = _source_id(conn, name)
            conn.execute(update(t.sources).where(t.sources.c.id == source_id).values(values))
            return _source_named(conn, name)

    def drop_held(self, name: str) -> Source:
        """Drop the plan the source holds, if any; the source after it."""
        with self._write() as conn:
            source_id = _source_id(conn, name)
            conn.execute(
                update(t.sources)
                .where(t.sources.c.id == source_id)
                .values(held=None, held_file=None)
            )
            return _source_named(conn, name)

    def held_file(self, name: str) -> bytes | None:
        """The file of the plan the source holds (as stored), or None."""
        c = t.sources.c
        with self._read() as conn:
            row = conn.execute(select(c.held_file).where(c.name == name)).one_or_none()
        if row is None:
            raise NotFound(f"no source {name!r}")
        return None if row.held_file is None else bytes(row.held_file)


def _sources_query():
    leases = t.source_leases.c
    return select(*LISTED, leases.holder, leases.expires_at).join(
        t.source_leases, leases.source_id == t.sources.c.id
    )


def _source_id(conn: Connection, name: str) -> int:
    found = conn.execute(select(t.sources.c.id).where(t.sources.c.name == name)).scalar()
    if found is None:
        raise NotFound(f"no source {name!r}")
    return found


def _source_named(conn: Connection, name: str) -> Source:
    row = conn.execute(_sources_query().where(t.sources.c.name == name)).one_or_none()
    if row is None:
        raise NotFound(f"no source {name!r}")
    return _source(row._mapping)


def _good_json(good: GoodFile) -> dict[str, list[str]]:
    return {"headers": list(good.headers), "keys": list(good.keys)}


def _source(row) -> Source:
    """A source from its row joined with its lease."""
    file = None
    if row["content_hash"] is not None:
        file = FileState(row["etag"], row["last_modified"], row["content_hash"])
    good = row["good"]
    return Source(
        id=row["id"], name=row["name"], url=row["url"], kind=SourceKind(row["kind"]),
        sheet=row["sheet"], every_s=row["every_s"], max_change=row["max_change"],
        review=bool(row["review"]), created_by=row["created_by"], created_at=row["created_at"],
        next_run_at=row["next_run_at"], last_run_at=row["last_run_at"],
        last_outcome=RunOutcome(row["last_outcome"]) if row["last_outcome"] else None,
        last_error=row["last_error"], rows_understood=row["rows_understood"],
        rows_not_understood=row["rows_not_understood"], file=file,
        good=None if good is None else GoodFile(tuple(good["headers"]), tuple(good["keys"])),
        held=None if row["held"] is None else HeldPlan.from_json(row["held"]),
        lease_holder=row["holder"],
        lease_until=row["expires_at"] if row["holder"] is not None else None,
    )  # fmt: skip
