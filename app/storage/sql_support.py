"""Connections, transactions and small helpers shared by the SQL store modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, Integer, Table, delete, insert, select
from sqlalchemy.exc import (
    DatabaseError,
    IntegrityError,
    InterfaceError,
    OperationalError,
)
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from app.domain.layers import STATUS_TIME, Area
from app.storage import schema as t
from app.storage.errors import StoreUnavailable

BATCH = 1000
"""Rows per multi-row statement, and ids per IN (...) list."""
READ_POOL_TIMEOUT_S = 5.0
"""How long a read waits for a free connection before the store says it is busy."""
WRITE_POOL_TIMEOUT_S = 10.0
"""How long a write waits for one of the write connections (SQLite's busy timeout too)."""
FILTER_TIMEOUT_S = 2.0
"""How long one statement of a read with a public filter may run (``AIDMAP_FILTER_TIMEOUT_S``)."""
COSTLY_SORTS = frozenset({STATUS_TIME, "distance"})


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


def start_of_day(moment: datetime) -> datetime:
    """Midnight UTC of ``moment``'s day: a date kept where the time of day would tell too
    much (when someone asked for an address)."""
    return moment.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


@contextmanager
def translated_errors() -> Iterator[None]:
    """Turn a database that cannot be reached or read, or a pool with no connection free
    in time, into ``StoreUnavailable`` (503 with Retry-After, never a 500)."""
    try:
        yield
    except IntegrityError:
        raise
    except PoolTimeout as exc:
        raise StoreUnavailable(f"database busy: no connection free in time ({exc})") from exc
    except (OperationalError, InterfaceError) as exc:
        raise StoreUnavailable(f"database unavailable: {exc.orig}") from exc
    except DatabaseError as exc:
        if type(exc) is not DatabaseError:  # programming errors stay what they are
            raise
        raise StoreUnavailable(f"database unusable: {exc.orig}") from exc


class SqlPlumbing:
    """Read and write transactions, each over its own engine (and so its own pool): a load
    of reads can hold every read connection, never a write's. The base of the SQL store's
    parts."""

    _engine: Engine
    """Reads."""
    _write_engine: Engine
    """Writes only: a small pool that reads never check out."""

    def _begin_write(self) -> AbstractContextManager[Connection]:
        """Begin a transaction that will write; backends may take their write lock here."""
        return self._write_engine.begin()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with translated_errors(), self._begin_write() as conn:
            yield conn

    @contextmanager
    def _write_unannounced(self) -> Iterator[Connection]:
        """A write transaction that changes nothing caches are built from (rate limits):
        a backend that tells other processes of its commits need not tell of this one."""
        with translated_errors(), self._begin_write() as conn:
            yield conn

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """One read transaction: every query in it sees the same snapshot."""
        with translated_errors(), self._engine.connect() as conn:
            yield conn

    def _statement(self) -> AbstractContextManager[Connection]:
        """A read connection for one statement, which sees one snapshot by itself: a
        backend may leave out the transaction around it."""
        return self._read()

    filter_timeout_s: float = FILTER_TIMEOUT_S
    """The bound of ``_time_bound``; ``open_store`` sets it from the settings."""

    @contextmanager
    def _time_bound(self, conn: Connection, area: Area) -> Iterator[None]:
        """Within a ``_read``: each statement reading ``area`` may run ``filter_timeout_s``
        when the area carries a public filter (CQL2, datetime, a sort by status time or
        distance), else raise ``QueryTimeout``; nothing for an area without one. A filter
        within every limit of ``cql2_limits`` still cost 5 s at 100,000 hospitals, and
        held one of the few public read slots all along."""
        if is_costly(area):
            with self._bounded(conn):
                yield
        else:
            yield

    def _bounded(self, conn: Connection) -> AbstractContextManager[None]:
        """Bound each statement run on ``conn`` inside to ``filter_timeout_s`` (backends)."""
        raise NotImplementedError


def is_costly(area: Area) -> bool:
    """Whether reading ``area`` runs a public filter whose cost the client chooses."""
    return (
        area.where is not None
        or area.during is not None
        or any(key.name in COSTLY_SORTS for key in area.sortby)
    )


def read_meta(conn: Connection, key: str) -> str | None:
    """A ``meta`` value inside the caller's transaction, or None."""
    return conn.execute(select(t.meta.c.value).where(t.meta.c.key == key)).scalar_one_or_none()


def set_meta(conn: Connection, key: str, value: str) -> None:
    """Set a ``meta`` value inside the caller's transaction."""
    conn.execute(delete(t.meta).where(t.meta.c.key == key))
    conn.execute(insert(t.meta).values(key=key, value=value))


def insert_many(conn: Connection, table: Table, rows: list[dict]) -> None:
    """Insert rows with one executemany; nothing for no rows."""
    if rows:
        conn.execute(insert(table), rows)


def newest_of_resource(table: Table, resource_id: int, limit: int, offset: int):
    """A resource's rows of a history-like table (edits, moves), newest first, one page."""
    c = table.c
    return (
        select(table)
        .where(c.resource_id == resource_id)
        .order_by(c.id.desc())
        .limit(limit)
        .offset(offset)
    )


def bbox_conditions(columns, bbox: tuple[float, float, float, float] | None) -> list:
    """``lon``/``lat`` columns inside a (west, south, east, north) box, edges included."""
    if bbox is None:
        return []
    west, south, east, north = bbox
    return [columns.lon.between(west, east), columns.lat.between(south, north)]


class grid_index(FunctionElement):
    """The integer part of a non-negative number: ``floor`` in PostgreSQL, a cast in
    SQLite (whose ``floor`` exists only in builds with the math functions)."""

    type = Integer()
    name = "grid_index"
    inherit_cache = True


@compiles(grid_index)
def _floor(element: grid_index, compiler, **kw) -> str:
    return f"floor({compiler.process(element.clauses, **kw)})"


@compiles(grid_index, "sqlite")
def _truncate(element: grid_index, compiler, **kw) -> str:
    return f"CAST({compiler.process(element.clauses, **kw)} AS INTEGER)"
