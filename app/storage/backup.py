"""Backing up the SQLite store while a server writes to it: one snapshot, checked, then renamed.

SQLite's online backup API copies pages from inside one read transaction held for the
whole copy. In WAL mode a reader never blocks writers, and holding the snapshot keeps the
backup from restarting at every commit another process makes (which it does, page step
after page step, when each step takes a fresh snapshot).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from app.storage.errors import AlreadyExists, StorageError, StoreUnavailable
from app.storage.port import Progress

PAGES_PER_STEP = 1024
"""Pages copied between two progress reports (4 MiB at SQLite's default page size)."""
BUSY_TIMEOUT_S = 10
PG_DUMP_HINT = (
    "aidmap db backup copies the embedded SQLite store; back up PostgreSQL with its own "
    "tools, e.g. pg_dump --format=custom --file=aidmap.dump DATABASE (restore into an "
    "empty database with pg_restore, or take physical backups with pg_basebackup)"
)


class BackupFailed(StorageError):
    """A backup could not be made; nothing was written at its path."""


def backup_database(
    database_url: str, target: Path, *, replace: bool = False, progress: Progress | None = None
) -> dict[str, int]:
    """Back up the SQLite database at ``database_url`` to ``target``; rows per table of
    the copy. Refuses other databases (``StoreUnavailable``, naming pg_dump)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        raise StoreUnavailable(PG_DUMP_HINT)
    return backup_sqlite(Path(url.database or ""), target, replace=replace, progress=progress)


def backup_sqlite(
    source: Path, target: Path, *, replace: bool = False, progress: Progress | None = None
) -> dict[str, int]:
    """Copy ``source`` to ``target`` as one consistent snapshot while others write to it.

    The copy is made in a temporary file beside ``target``, checked (``integrity_check``,
    a readable schema version) and only then given its name (linked, or renamed over the
    old file when replacing), so a failed or interrupted backup leaves nothing there.
    Raises ``AlreadyExists`` when ``target`` exists (even if it appeared during the
    copy) and ``replace`` is false, ``BackupFailed`` for every other failure.
    """
    if not source.is_file():
        raise BackupFailed(f"no database at {source}")
    _check_target(source, target, replace)
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
    except OSError as exc:
        raise BackupFailed(f"cannot write in {target.parent}: {exc.strerror}") from None
    os.close(handle)
    partial = Path(name)
    try:
        _copy(source, partial, progress or (lambda step, done, total: None))
        counts = _verify(partial)
        _sync(partial)
        _check_target(source, target, replace)
        _publish(partial, target, replace)
        _sync(target.parent)
    except (sqlite3.Error, OSError) as exc:  # a bad source, a full disk …
        raise BackupFailed(f"backup failed, nothing written at {target}: {exc}") from None
    finally:
        for leftover in (partial, *(Path(f"{partial}{s}") for s in ("-journal", "-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
    return counts


def _check_target(source: Path, target: Path, replace: bool) -> None:
    """Refuse a target that is a directory, the database itself, taken, or unwritable."""
    if target.is_dir():
        raise BackupFailed(f"{target} is a directory; name the backup file")
    if target.exists():
        if target.resolve() == source.resolve():
            raise BackupFailed(f"{target} is the database itself")
        if not replace:
            raise AlreadyExists(f"{target} exists")
    parent = target.parent
    if not parent.is_dir():
        raise BackupFailed(f"no directory {parent} to write {target.name} in")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise BackupFailed(f"directory {parent} is not writable")


def _publish(partial: Path, target: Path, replace: bool) -> None:
    """Give the checked copy its name; unless replacing, never over a file that another
    process made there since the last check (a hard link fails where a rename replaces)."""
    if replace:
        os.replace(partial, target)
        return
    try:
        os.link(partial, target)
    except FileExistsError:
        raise AlreadyExists(f"{target} exists") from None


def _copy(source: Path, partial: Path, report: Progress) -> None:
    """Copy every page of ``source`` into ``partial`` from one read snapshot."""
    uri = f"{source.resolve().as_uri()}?mode=rw"  # never creates a database; only reads
    reader = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=BUSY_TIMEOUT_S)
    writer = sqlite3.connect(partial, isolation_level=None)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_schema").fetchone()  # takes the snapshot
        reader.backup(
            writer,
            pages=PAGES_PER_STEP,
            progress=lambda _status, left, total: report("pages", total - left, total),
        )
        reader.execute("ROLLBACK")
        # A rollback-journal file needs no -wal/-shm beside it, so it opens even read-only;
        # the store switches it back to WAL when it is served again.
        writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        writer.close()
        reader.close()


def _verify(partial: Path) -> dict[str, int]:
    """Check the copy's integrity and schema version; its row count per table."""
    con = sqlite3.connect(f"{partial.resolve().as_uri()}?mode=ro", uri=True)
    try:
        problems = [row[0] for row in con.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise BackupFailed(f"the copy failed its integrity check: {'; '.join(problems[:5])}")
        try:
            version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except sqlite3.OperationalError:
            version = None
        if version is None or not str(version[0]).isdigit():
            raise BackupFailed("the copy has no schema version: is this an aidmap database?")
        tables = con.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            " ORDER BY name"
        ).fetchall()
        return {
            name: con.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for (name,) in tables
        }
    finally:
        con.close()


def _sync(path: Path) -> None:
    """fsync a file or directory, so a rename is not on disk before the data it names."""
    handle = os.open(path, os.O_RDONLY)
    try:
        with contextlib.suppress(OSError):  # some filesystems cannot sync directories
            os.fsync(handle)
    finally:
        os.close(handle)
