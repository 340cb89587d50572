"""The embedded default store: one SQLite file in WAL mode, no server to run."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app.storage import sql_support, sqlite_functions
from app.storage.errors import QueryTimeout, StoreUnavailable
from app.storage.sql import SqlStore
from app.storage.sql_support import translated_errors

BUSY_TIMEOUT_MS = 10_000
PROGRESS_STEPS = 10_000
"""Virtual machine steps between looks at the clock of a bounded read (well under 1 ms)."""
READ_CONNECTIONS = 16
"""Read connections per process: more than the bounded public work lets in at once (8),
so signed-in requests, the nearest caches and the event stream find one."""


class SqliteStore(SqlStore):
    """``SqlStore`` on a SQLite file: WAL, foreign keys on, writers serialised up front."""

    backend = "sqlite"

    def __init__(self, url: str) -> None:
        path = Path(make_url(url).database or "")
        _prepare_database_file(path)
        reads = _engine(url, "BEGIN", READ_CONNECTIONS, sql_support.READ_POOL_TIMEOUT_S)
        # One connection is enough for writes: the write lock lets one writer in at a time.
        writes = _engine(url, "BEGIN IMMEDIATE", 1, sql_support.WRITE_POOL_TIMEOUT_S)
        self._write_lock = threading.Lock()  # before super() migrates
        super().__init__(reads, writes)
        self._watch = sqlite3.connect(path, check_same_thread=False)
        self._watch_lock = threading.Lock()

    @contextmanager
    def _begin_write(self) -> Iterator[Connection]:
        """A transaction that holds SQLite's write lock from its first statement.

        This process's writers queue on a lock first: SQLite's busy handler, which sleeps
        up to 100 ms between tries, then only arbitrates between processes (it made the p99
        of writes under scripts/bench_load.py's mixed load over a second).
        """
        with self._write_lock_held(), self._write_engine.begin() as conn:
            yield conn

    @contextmanager
    def _migrating(self) -> Iterator[Connection]:
        """A write transaction with foreign keys off, which SQLite lets a connection change
        only outside one: batch mode copies a table to change it, and dropping the original
        would fail while other tables refer to it. ``revisions.upgrade`` checks every
        reference before the commit."""
        with (
            self._write_lock_held(),
            translated_errors(),
            self._write_engine.connect() as conn,
        ):
            sqlite_connection = conn.connection.dbapi_connection
            sqlite_connection.execute("PRAGMA foreign_keys = OFF")
            try:
                with conn.begin():
                    yield conn
            finally:
                sqlite_connection.execute("PRAGMA foreign_keys = ON")

    @contextmanager
    def _bounded(self, conn: Connection) -> Iterator[None]:
        """SQLite has no statement timeout: a progress handler interrupts the statement
        running past the deadline, and is removed after, so the pooled connection keeps
        none."""
        sqlite_connection = conn.connection.dbapi_connection
        deadline = time.monotonic() + self.filter_timeout_s
        interrupted = []

        def past_deadline() -> bool:
            if time.monotonic() > deadline:
                interrupted.append(True)
            return bool(interrupted)

        sqlite_connection.set_progress_handler(past_deadline, PROGRESS_STEPS)
        try:
            yield
        except OperationalError as exc:
            if interrupted:
                raise QueryTimeout(self.filter_timeout_s) from exc
            raise
        finally:
            sqlite_connection.set_progress_handler(None, 0)

    @contextmanager
    def _write_lock_held(self) -> Iterator[None]:
        if not self._write_lock.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise StoreUnavailable("database busy: another write took over 10 s")
        try:
            yield
        finally:
            self._write_lock.release()

    def change_counter(self) -> int | None:
        """SQLite's ``PRAGMA data_version`` on a connection that never writes: it moves
        with every commit made through any other connection, in any process."""
        with self._watch_lock:
            return self._watch.execute("PRAGMA data_version").fetchone()[0]

    def close(self) -> None:
        """Close the watching connection and the pool."""
        with self._watch_lock:
            self._watch.close()
        super().close()


PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600


def _prepare_database_file(path: Path) -> None:
    """Make the data directory (0700) and an empty database file (0600) if missing: the
    file holds token hashes and requesters' details, and SQLite gives its -wal and -shm
    files the database file's mode. An existing file or directory keeps its mode."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreUnavailable(
            f"cannot create data directory {directory}: {exc.strerror}"
        ) from None
    if not os.access(directory, os.W_OK | os.X_OK):
        raise StoreUnavailable(f"data directory {directory} is not writable")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        if not os.access(path, os.R_OK | os.W_OK):
            raise StoreUnavailable(f"database file {path} is not readable and writable") from None
    except OSError as exc:
        raise StoreUnavailable(f"cannot create database file {path}: {exc.strerror}") from None


def _engine(url: str, begin: str, connections: int, timeout_s: float) -> Engine:
    """An engine whose pool holds at most ``connections`` and whose transactions start
    with ``begin`` (``BEGIN IMMEDIATE`` takes the write lock at once)."""
    engine = create_engine(
        url,
        pool_size=connections,
        max_overflow=0,
        pool_timeout=timeout_s,
        connect_args={"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
        json_serializer=lambda value: json.dumps(value, ensure_ascii=False),
        hide_parameters=True,  # a statement's values (a requester's phone) never in a log
    )
    event.listen(engine, "connect", _configure_connection)
    event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))
    return engine


def _configure_connection(dbapi_connection, _record) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is deferred and late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cursor.close()
    sqlite_functions.register(dbapi_connection)
