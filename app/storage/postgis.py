"""The scale-out store: PostgreSQL with PostGIS, shared by several API replicas.

The same tables and queries as SQLite (``SqlStore``), plus what PostgreSQL adds (created
by the first revision, ``alembic/versions/0001_release_schema.py``): a ``geography`` point
generated from lon/lat with a GiST index on resources and units, and append-only history
enforced by a trigger. Migrations are serialised by an advisory lock so replicas starting
together do not race. Every write transaction sends
``NOTIFY aidmap_changes``; each store listens on its own connection, so its
``change_counter`` moves when any replica commits (what the nearest caches and the
event stream watch). Imported only for a ``postgresql`` URL.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import (
    Connection,
    Engine,
    Select,
    and_,
    bindparam,
    create_engine,
    event,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError

from app.domain.layers import Area
from app.domain.records import ResourceView
from app.geo.sphere import TIE_MARGIN_M, chord_for, unit_vector
from app.storage import schema as t
from app.storage import sql_support
from app.storage.errors import QueryTimeout
from app.storage.rows import to_resource, to_status
from app.storage.sql import SqlStore
from app.storage.sql_layers import status_row_conditions
from app.storage.sql_support import translated_errors

READ_POOL = (8, 4)
"""Read connections per replica (kept, extra): more than the bounded public work lets in at
once (8), so signed-in requests, the nearest caches and the event stream find one."""
WRITE_POOL = (4, 0)
"""Write connections per replica, which reads never take (16 in all, as before the split)."""
CHANNEL = "aidmap_changes"
LISTEN_TIMEOUT_S = 1.0
"""How often the listening thread wakes to see whether the store is closing."""
PING_AFTER_IDLE_S = 1.0
"""A read or write connection back in the pool longer than this is pinged before use."""
MIGRATION_LOCK = 0x61_69_64_6D_61_70  # "aidmap": one advisory lock key for schema changes
HISTORY_LOCK = MIGRATION_LOCK + 1
"""Held by every status write to its commit: a sequence hands out ids in the order
transactions ask, not the order they commit, and readers follow history by id."""
HELP_INTAKE_LOCK = MIGRATION_LOCK + 2
"""Held by every help intake to its commit: a duplicate is found by reading, and two
submissions of one phone at once must not both miss each other."""


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has been idle ``PING_AFTER_IDLE_S``
    or more (the server may have restarted or dropped it); a failed ping discards it and
    the pool connects afresh. ``pool_pre_ping`` pinged every checkout: one round trip that
    cost a quarter of a single item's time."""

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, proxy) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except psycopg.Error as exc:
            raise DisconnectionError(str(exc)) from exc


def rate_lock(bucket: str, key: str) -> int:
    """The advisory lock key of one rate limit's key: 64 bits of its hash."""
    digest = hashlib.sha256(f"rate:{bucket}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@functools.cache
def _knn_query(with_service: bool, fresh: bool, within: bool) -> Select:
    """The KNN statement for one combination of filters, built once: every value is a
    bound parameter (the statement is the same text each time, so the server prepares it)."""
    unit_xyz = literal_column("resources.unit_xyz")
    origin = func.ST_MakePoint(bindparam("x"), bindparam("y"), bindparam("z"))
    query = select(t.resources).where(t.resources.c.kind == bindparam("kind"))
    if within:
        query = query.where(func.ST_3DDWithin(unit_xyz, origin, bindparam("chord")))
    if with_service:
        status = t.intake_status.c
        joined = status_row_conditions(
            bindparam("service"),
            bindparam("states", expanding=True),
            bindparam("since") if fresh else None,
        )
        query = query.add_columns(*(c.label(f"status_{c.name}") for c in status))
        query = query.join(t.intake_status, and_(*joined))
    return query.order_by(unit_xyz.op("<<->>")(origin)).limit(bindparam("limit"))


def _view(row: Mapping[str, Any], service: str | None) -> ResourceView:
    """A resource row with its ``status_``-prefixed status columns, when there are any."""
    statuses = {}
    if service is not None:
        statuses[service] = to_status({k[7:]: v for k, v in row.items() if k[:7] == "status_"})
    return ResourceView(to_resource(row), statuses)


class PostgisStore(SqlStore):
    """``SqlStore`` on PostgreSQL + PostGIS (psycopg 3)."""

    backend = "postgis"
    has_spatial_index = True

    def __init__(self, url: str) -> None:
        url_object = make_url(url).set(drivername="postgresql+psycopg")
        engines = [
            create_engine(
                url_object,
                pool_size=size,
                max_overflow=overflow,
                pool_timeout=timeout_s,
                json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
                hide_parameters=True,  # a requester's phone never in an error's text
            )
            for (size, overflow), timeout_s in (
                (READ_POOL, sql_support.READ_POOL_TIMEOUT_S),
                (WRITE_POOL, sql_support.WRITE_POOL_TIMEOUT_S),
            )
        ]
        for engine in engines:
            _ping_when_idle(engine)
        self._listen_url = url_object.set(drivername="postgresql").render_as_string(
            hide_password=False
        )
        self._counter = 0
        self._listening = False
        self._closing = threading.Event()
        self._counter_lock = threading.Lock()
        self._wake_channel = f"aidmap_wake_{uuid.uuid4().hex}"
        super().__init__(*engines)
        self._listener = threading.Thread(target=self._listen, name="aidmap-listen", daemon=True)
        self._listener.start()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction that tells every listener when it commits."""
        with super()._write() as conn:
            yield conn
            conn.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
        self._bump()  # this process sees its own commit at once, not when the notice arrives

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """One read-only transaction on one snapshot (REPEATABLE READ): under PostgreSQL's
        default, READ COMMITTED, each statement would see the commits made before it, so
        two queries of one read could disagree (statuses and the history id after them)."""
        with translated_errors(), self._engine.connect() as conn:
            conn.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
            yield conn

    @contextmanager
    def _bounded(self, conn: Connection) -> Iterator[None]:
        """``SET LOCAL statement_timeout``: it lasts until the end of ``conn``'s transaction
        (a ``_read``), so the pooled connection keeps none."""
        timeout_ms = str(max(1, round(self.filter_timeout_s * 1000)))
        conn.execute(text("SELECT set_config('statement_timeout', :ms, true)"), {"ms": timeout_ms})
        try:
            yield
        except OperationalError as exc:
            if isinstance(exc.orig, psycopg.errors.QueryCanceled):
                raise QueryTimeout(self.filter_timeout_s) from exc
            raise

    @contextmanager
    def _statement(self) -> Iterator[Connection]:
        """A read connection outside any transaction (autocommit): one statement sees one
        snapshot by itself, and BEGIN and ROLLBACK would be two more round trips."""
        with translated_errors(), self._engine.connect() as conn:
            yield conn.execution_options(isolation_level="AUTOCOMMIT")

    def change_counter(self) -> int | None:
        """Moves with every commit by any replica (LISTEN/NOTIFY); None while not listening,
        so callers ask the database instead."""
        with self._counter_lock:
            return self._counter if self._listening else None

    def _bump(self) -> None:
        with self._counter_lock:
            self._counter += 1

    def _listen(self) -> None:
        """Count notices on a dedicated connection; reconnect after a failure (a reconnect
        counts as a change, since notices may have been missed meanwhile)."""
        while not self._closing.is_set():
            try:
                with psycopg.connect(self._listen_url, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    conn.execute(f"LISTEN {self._wake_channel}")
                    with self._counter_lock:
                        self._counter += 1
                        self._listening = True
                    while not self._closing.is_set():
                        for notice in conn.notifies(timeout=LISTEN_TIMEOUT_S):
                            if notice.channel != CHANNEL:  # our wake-up call: closing
                                break
                            self._bump()
            except psycopg.Error:
                pass
            with self._counter_lock:
                self._listening = False
            self._closing.wait(LISTEN_TIMEOUT_S)

    def close(self) -> None:
        """Stop listening and dispose of the pool."""
        self._closing.set()
        with contextlib.suppress(Exception), self._engine.connect() as conn:
            conn.exec_driver_sql(f"NOTIFY {self._wake_channel}")  # wakes only our listener
            conn.commit()
        self._listener.join(timeout=2 * LISTEN_TIMEOUT_S + 1)
        super().close()

    def _lock_schema(self, conn: Connection) -> None:
        """Hold the migration lock until this transaction ends (other replicas wait)."""
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})

    def _history_in_commit_order(self, conn: Connection) -> None:
        """Status writes take one lock until they commit, so no history id commits after a
        higher one (a reader that passed it would never send it)."""
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": HISTORY_LOCK})

    def _serialise_help_intake(self, conn: Connection) -> None:
        """Help intakes queue on one lock until they commit (duplicates are merged)."""
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": HELP_INTAKE_LOCK})

    def _serialise_rate_key(self, conn: Connection, bucket: str, key: str) -> None:
        """Spenders of one key queue on its own advisory lock until they commit."""
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": rate_lock(bucket, key)})

    def nearest_in(
        self, kind: str, lon: float, lat: float, area: Area, max_m: float | None, limit: int
    ) -> list[ResourceView]:
        """KNN on the n-D GiST index of unit vectors (``unit_xyz <<->> origin``: chord
        length, so great-circle order), status filters as in every other area query; the
        resources and their statuses come in the same single statement (``_statement``;
        every query of ``AIDMAP_NEAREST_INDEX=database`` runs it)."""
        values = {"kind": kind, "limit": limit, "service": area.service}
        values |= dict(zip("xyz", unit_vector(lon, lat), strict=True))
        values |= {"states": [state.value for state in area.states], "since": area.checked_since}
        if max_m is not None:  # a little wider: the caller measures and cuts exactly
            values["chord"] = chord_for(max_m + TIE_MARGIN_M) * (1 + 1e-9)
        query = _knn_query(
            area.service is not None, area.checked_since is not None, max_m is not None
        )
        with self._statement() as conn:
            rows = conn.execute(query, values)
            return [_view(row._mapping, area.service) for row in rows]

    def _after_copy(self, conn: Connection) -> None:
        """Move each id sequence past the ids a copy inserted explicitly, and gather the
        planner's statistics (without them it misjudges the KNN query badly)."""
        for table in t.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key:
                conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:table, 'id'), "
                        f"GREATEST((SELECT max(id) FROM {table.name}), 1), "
                        f"(SELECT max(id) FROM {table.name}) IS NOT NULL)"
                    ),
                    {"table": table.name},
                )
        conn.exec_driver_sql("ANALYZE")
