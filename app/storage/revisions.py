"""Bringing a database to the newest schema: Alembic revisions, run from our own connection.

The revisions live in the package (``alembic/versions/``, no ``alembic.ini`` or ``env.py``)
so an installed wheel migrates the same way as a checkout. They run inside the caller's
write transaction: all of them or none, under the caller's lock (PostGIS's advisory lock,
SQLite's write lock). A database made before Alembic (``meta.schema_version`` 1 to 6, no
``alembic_version`` table) first gets the hand-written steps of ``migrations.py`` and is
stamped with the first revision, which describes it; a new one runs every revision.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from app.storage import migrations
from app.storage import schema as t
from app.storage.errors import StoreUnavailable
from app.storage.meta_keys import MetaKey
from app.storage.sql_support import set_meta, translated_errors

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory

SCRIPT_LOCATION = Path(__file__).resolve().parent / "alembic"
FIRST_REVISION = "0001"
"""The schema of the last release before Alembic, whose databases are stamped with it."""
HEAD = "0008"
"""The newest revision (a test checks it against ``alembic/versions/``): opening a database
already at it reads one row and does not import Alembic (~0.1 s a process)."""
SCHEMA_VERSION = 7
"""``meta.schema_version`` of every database Alembic manages (its revision is the version
from then on): 1-6 were the hand-written versions (``migrations.py``), and a release that
knew only those refuses a database at 7 as newer than itself instead of misreading it."""


@functools.cache
def scripts() -> ScriptDirectory:
    """The package's revisions, read once per process."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(SCRIPT_LOCATION))


def current_revision(conn: Connection) -> str | None:
    """The revision ``conn``'s database is at, or None (new, or made before Alembic): the
    row of Alembic's version table, read as Alembic reads it."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


def stored_revision(url: str) -> str | None:
    """The revision of the database at ``url``, read without changing anything: None when
    it has none yet (or, for SQLite, when the file does not exist)."""
    address = make_url(url)
    if address.get_backend_name() == "postgresql":
        address = address.set(drivername="postgresql+psycopg")
    elif not Path(address.database or "").is_file():
        return None
    engine = create_engine(address)
    try:
        with translated_errors(), engine.connect() as conn:
            return current_revision(conn)
    finally:
        engine.dispose()


def upgrade(conn: Connection) -> None:
    """Run every pending revision inside ``conn``'s transaction; ``StoreUnavailable`` for a
    database newer than this code."""
    t.meta.create(conn, checkfirst=True)
    stored = conn.execute(select(t.meta.c.value).where(t.meta.c.key == MetaKey.schema_version))
    legacy = int(stored.scalar_one_or_none() or 0)
    if legacy > SCHEMA_VERSION:
        raise StoreUnavailable(
            f"the database has schema {legacy}, newer than this aidmap's "
            f"({SCHEMA_VERSION}): upgrade aidmap"
        )
    current = current_revision(conn)
    if current == HEAD and legacy == SCHEMA_VERSION:
        return
    _run_revisions(conn, current, legacy)


def _run_revisions(conn: Connection, current: str | None, legacy: int) -> None:
    """Stamp a database made before Alembic after its legacy steps, then run what is
    pending (Alembic is imported only here, when there is work)."""
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext

    if current is not None and current not in {s.revision for s in scripts().walk_revisions()}:
        raise StoreUnavailable(
            f"the database has revision {current}, newer than this aidmap's "
            f"({HEAD}): upgrade aidmap"
        )
    context = MigrationContext.configure(
        conn,
        opts={
            "fn": lambda revision, _context: scripts()._upgrade_revs("head", revision),
            "render_as_batch": True,
            "target_metadata": t.metadata,
        },
    )
    if current is None and legacy:
        scripts().get_revision(FIRST_REVISION).module.create_missing(conn)
        migrations.upgrade(conn, legacy)
        context.stamp(scripts(), FIRST_REVISION)
    with Operations.context(context):
        context.run_migrations()
    if conn.dialect.name == "sqlite":  # migrated with foreign keys off (batch mode)
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise StoreUnavailable(f"the migration would leave {len(broken)} broken references")
    set_meta(conn, MetaKey.schema_version, str(SCHEMA_VERSION))
