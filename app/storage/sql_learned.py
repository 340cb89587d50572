"""The learned-address part of the SQL store: the points the deployment learned from its
own places, each with its parsed keys, and the version the in-memory index compares.

A resource's point is one row (by ``resource_id``), a taught address another (by source,
district and address). Replacing is delete-then-insert in one transaction, as the geocoder
cache does, so both backends share the same SQL; every write moves ``learned_version``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Column, Connection, and_, delete, select
from sqlalchemy.exc import IntegrityError

from app.domain.enums import LearnedFrom, SourceCrs
from app.domain.learned import LearnedPoint
from app.storage import schema as t
from app.storage.errors import InvalidRecord
from app.storage.meta_keys import MetaKey
from app.storage.sql_support import BATCH, SqlPlumbing, insert_many, read_meta, set_meta, utcnow

COLUMNS = ("source", "address", "district_id", "lon", "lat", "road", "house_number",
           "house_text", "place", "resource_id", "source_crs", "origin", "learned_at")  # fmt: skip


class LearnedQueries(SqlPlumbing):
    """``Store`` methods about learned addresses."""

    def put_learned(self, points: Sequence[LearnedPoint]) -> int:
        """Add or replace points in one transaction (a resource's by its id, a taught one
        by source, district and address; the last of duplicates in ``points`` wins); how
        many rows they replaced."""
        if not points:
            return 0
        now = utcnow()
        latest = {_identity(point): point for point in points}
        rows = [_row(p, now) for p in latest.values()]
        with _checked(), self._write() as conn:
            replaced = _delete_identities(conn, list(latest))
            insert_many(conn, t.learned_addresses, rows)
            set_meta(conn, MetaKey.learned_version, now.isoformat())
        return replaced

    def forget_learned(
        self, *, resource_ids: Iterable[int] = (), origins: Iterable[str] = ()
    ) -> int:
        """Drop the points of these resources and those taught from these files; how many."""
        c = t.learned_addresses.c
        ids, names = list(resource_ids), list(origins)
        if not ids and not names:
            return 0
        with self._write() as conn:
            gone = _delete_in(conn, c.resource_id, ids)
            if names:
                taught = and_(c.resource_id.is_(None), c.origin.in_(names))
                gone += conn.execute(delete(t.learned_addresses).where(taught)).rowcount
            if gone:
                set_meta(conn, MetaKey.learned_version, utcnow().isoformat())
        return gone

    def replace_derived(self, points: Sequence[LearnedPoint]) -> int:
        """Make the resources' points exactly ``points`` in one transaction (a rebuild):
        every row with a resource id goes, taught rows stay; how many rows there are now."""
        now = utcnow()
        latest = {point.resource_id: point for point in points if point.resource_id is not None}
        rows = [_row(p, now) for p in latest.values()]
        with _checked(), self._write() as conn:
            c = t.learned_addresses.c
            conn.execute(delete(t.learned_addresses).where(c.resource_id.is_not(None)))
            insert_many(conn, t.learned_addresses, rows)
            set_meta(conn, MetaKey.learned_version, now.isoformat())
            set_meta(conn, MetaKey.resources_learned, now.isoformat())
        return len(latest)

    def iter_learned(self) -> Iterator[LearnedPoint]:
        """Every learned point, ordered by id, read in pages of ``BATCH`` rows."""
        c = t.learned_addresses.c
        after = 0
        while True:
            with self._read() as conn:
                rows = conn.execute(
                    select(t.learned_addresses).where(c.id > after).order_by(c.id).limit(BATCH)
                ).all()
            yield from (_point(row) for row in rows)
            if len(rows) < BATCH:
                return
            after = rows[-1].id

    def learned_version(self) -> str | None:
        """Moves with every write to the learned points (None: none learned yet)."""
        with self._read() as conn:
            return read_meta(conn, MetaKey.learned_version)

    def resources_learned(self) -> bool:
        """Whether every resource's point was derived at least once (``replace_derived``)."""
        with self._read() as conn:
            return read_meta(conn, MetaKey.resources_learned) is not None


@contextmanager
def _checked() -> Iterator[None]:
    """A point the table refuses (out of range, an unknown district or resource) is an
    ``InvalidRecord``; nothing of the transaction is kept."""
    try:
        yield
    except IntegrityError as exc:
        raise InvalidRecord(f"a learned point breaks a constraint: {exc.orig}") from exc


def _identity(point: LearnedPoint) -> tuple:
    if point.resource_id is not None:
        return (point.resource_id,)
    return (str(point.source), point.district_id, point.address)


def _delete_identities(conn: Connection, identities: list[tuple]) -> int:
    """Delete the rows these points replace: by resource id, and taught ones by source,
    district and address (found through the partial unique index, one (source, district)
    at a time, then deleted by id)."""
    c = t.learned_addresses.c
    gone = _delete_in(conn, c.resource_id, [key[0] for key in identities if len(key) == 1])
    taught: dict[tuple[str, int], list[str]] = defaultdict(list)
    for key in identities:
        if len(key) == 3:
            taught[key[0], key[1]].append(key[2])
    for (source, district), addresses in taught.items():
        same = and_(c.resource_id.is_(None), c.source == source, c.district_id == district)
        for start in range(0, len(addresses), BATCH):
            chunk = addresses[start : start + BATCH]
            found = conn.execute(select(c.id).where(same, c.address.in_(chunk))).scalars().all()
            gone += _delete_in(conn, c.id, list(found))
    return gone


def _delete_in(conn: Connection, column: Column, values: list) -> int:
    gone = 0
    for start in range(0, len(values), BATCH):
        chunk = values[start : start + BATCH]
        gone += conn.execute(delete(t.learned_addresses).where(column.in_(chunk))).rowcount
    return gone


def _row(point: LearnedPoint, now: datetime) -> dict:
    row = {name: getattr(point, name) for name in COLUMNS}
    try:
        row["source"] = LearnedFrom(point.source).value
        row["source_crs"] = SourceCrs(point.source_crs).value
    except ValueError as exc:
        raise InvalidRecord(f"learned point {point.address!r}: {exc}") from None
    row["learned_at"] = point.learned_at or now
    return row


def _point(row) -> LearnedPoint:
    values = {name: getattr(row, name) for name in COLUMNS}
    values["source"] = LearnedFrom(values["source"])
    values["source_crs"] = SourceCrs(values["source_crs"])
    return LearnedPoint(**values, id=row.id)
